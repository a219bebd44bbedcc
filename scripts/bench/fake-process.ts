/**
 * The wire-level Gemini fake in a process of its own, for benchmarks: Google's servers do not
 * share our event loop or thread pool, and a fake that does stamps requests late whenever the
 * core is busy (a burst of calls at a window's edge), which a benchmark of the quota would
 * misread as the core running ahead of the quota.
 *
 * Parent: `await startFakeProcess(options)` → a handle whose clock reads the same fake time
 * (both sides compute it from one real-time origin) and whose calls go over IPC. Child: this file
 * run with `fork`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  startFakeGemini,
  type FakeGemini,
  type FakeGeminiOptions,
  type InjectRule,
} from '../../test/fakes/gemini/index.js';

/** Real epoch ms with sub-ms resolution, the same in every process. */
const realNow = (): number => performance.timeOrigin + performance.now();

/** What the parent passes: the fake's options (without the clock) and the shared time base. */
interface ChildArgs {
  options: Omit<FakeGeminiOptions, 'startTime' | 'timeScale'>;
  start: number;
  origin: number;
  timeScale: number;
}

/** A generateContent request as the benchmark needs it (bodies stay in the child). */
export interface SeenRequest {
  method: string;
  path: string;
  apiKey: string | undefined;
  at: number;
}

interface Stats {
  requests: SeenRequest[];
  refusals: { at: number; project: string; model: string; limit: 'rpm' | 'rpd' }[];
  hits: Record<number, number>;
}

type Command =
  | { cmd: 'reset' }
  | { cmd: 'inject'; rule: Omit<InjectRule, 'match'> & { match?: { model?: string } } }
  | { cmd: 'stats' }
  | { cmd: 'close' };

export interface FakeProcess {
  url: string;
  clock: { now(): number; readonly timeScale: number };
  reset(): Promise<void>;
  /** Adds a rule; returns its id (see `stats().hits`). */
  inject(rule: Extract<Command, { cmd: 'inject' }>['rule']): Promise<number>;
  stats(): Promise<Stats>;
  close(): Promise<void>;
}

/** Starts the fake in a child process on a fake clock starting at `start`, `timeScale` × real time. */
export async function startFakeProcess(
  options: ChildArgs['options'],
  start: number,
  timeScale: number,
): Promise<FakeProcess> {
  const origin = realNow();
  const args: ChildArgs = { options, start, origin, timeScale };
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(args)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; result?: unknown; error?: string; url?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error !== undefined) w.reject(new Error(m.error));
    else w.resolve(m.result);
  });
  const call = (command: Command | { cmd: 'url' }): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      child.send({ id, ...command });
    });
  const url = (await call({ cmd: 'url' })) as string;
  return {
    url,
    clock: { now: () => Math.floor(start + (realNow() - origin) * timeScale), timeScale },
    reset: async () => void (await call({ cmd: 'reset' })),
    inject: async (rule) => (await call({ cmd: 'inject', rule })) as number,
    stats: async () => (await call({ cmd: 'stats' })) as Stats,
    close: async () => {
      await call({ cmd: 'close' });
      child.disconnect();
    },
  };
}

async function runChild(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
  const fake: FakeGemini = await startFakeGemini({
    ...args.options,
    startTime: Math.floor(args.start + (realNow() - args.origin) * args.timeScale),
    timeScale: args.timeScale,
  });
  const rules = new Map<number, ReturnType<FakeGemini['inject']>>();
  process.on('message', (m: { id: number } & (Command | { cmd: 'url' })) => {
    const reply = (result: unknown): boolean | undefined => process.send?.({ id: m.id, result });
    switch (m.cmd) {
      case 'url':
        reply(fake.url);
        break;
      case 'reset':
        fake.reset();
        rules.clear();
        reply(null);
        break;
      case 'inject': {
        const rule = fake.inject(m.rule);
        rules.set(rule.id, rule);
        reply(rule.id);
        break;
      }
      case 'stats':
        reply({
          requests: fake.requests
            .filter((r) => r.method === 'POST' && r.path.endsWith(':generateContent'))
            .map((r) => ({ method: r.method, path: r.path, apiKey: r.apiKey, at: r.at })),
          refusals: [...fake.quota.refusals()],
          hits: Object.fromEntries([...rules].map(([id, r]) => [id, r.hits])),
        });
        break;
      case 'close':
        void fake.close().then(() => {
          reply(null);
          process.exit(0);
        });
        break;
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runChild();
