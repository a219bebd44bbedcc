import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app/createCore.js';
import { createLocalTransport } from '../../core/app/localTransport.js';
import { SHIPPED_MODULES } from '../../core/app/modules.js';
import type { Transport } from '../../core/contract/client.js';
import { defineSlice } from '../../core/contract/define.js';
import type { MethodName } from '../../core/contract/methods.js';
import { defineModule } from '../../core/features/module.js';
import type { Operation } from '../../core/jobs/types.js';
import { manualClock, type ManualClock } from '../../core/kernel/clock.js';
import { tempDir } from '../helpers/fixtures.js';

const HOUR = 3_600_000;

/**
 * A feature that exists only in this test: a job kind that runs on its own resource, which the
 * module registers only when told to (`slow.open`), one item at a time; an item named `*.park`
 * parks until an hour later, `*.door` until the module's `slow.ring` wakes it. No shell knows
 * any of it: it is composed into a core like the shipped modules are.
 */
function slowModule(observed: { running: number; most: number; runs: string[] }) {
  const slice = defineSlice({
    methods: {
      'slow.open': { input: z.strictObject({}), output: z.object({ opened: z.boolean() }) },
      'slow.ring': { input: z.strictObject({}), output: z.object({ woken: z.number().int() }) },
    },
    jobKinds: { 'slow-copy': z.strictObject({ label: z.string().min(1).default('copy') }) },
  });
  const operation = (now: () => number): Operation<{ label: string }> => ({
    kind: 'slow-copy',
    version: 1,
    inputs: 'any',
    optionsSchema: slice.jobKinds['slow-copy'],
    resource: () => 'test:slow',
    outputExtension: () => 'txt',
    async run(ctx) {
      observed.running += 1;
      observed.most = Math.max(observed.most, observed.running);
      observed.runs.push(`${basename(ctx.inputPath)}${ctx.state === null ? '' : ' (resumed)'}`);
      try {
        await Promise.resolve();
        if (ctx.state === null && ctx.inputPath.endsWith('.park')) {
          ctx.park({ reason: 'waiting an hour', until: now() + HOUR, state: { n: 1 } });
        }
        if (ctx.state === null && ctx.inputPath.endsWith('.door')) {
          ctx.park({ reason: 'waiting for the bell', waitFor: 'test:bell', state: { n: 2 } });
        }
        return {
          outputs: [ctx.writeOutput(Buffer.from(`${ctx.options.label} ${JSON.stringify(ctx.state)}`))],
        };
      } finally {
        observed.running -= 1;
      }
    },
  });
  return defineModule({
    name: 'slow',
    contract: slice,
    setup(ctx) {
      let unregister: (() => void) | null = null;
      return {
        handlers: {
          'slow.open': () => {
            unregister ??= ctx.jobs.resources.register({ name: 'test:slow', concurrency: 1 });
            return { opened: true };
          },
          'slow.ring': () => ({ woken: ctx.jobs.wake('test:bell') }),
        },
        operations: [operation(() => ctx.clock.now())],
        close: () => unregister?.(),
      };
    },
  });
}

let dir: { path: string; cleanup: () => void };
const outs = tempDir('pixelsmith-plugin-out-');
let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
  dir.cleanup();
});
afterAll(() => outs.cleanup());

function open(clock: ManualClock, observed: Parameters<typeof slowModule>[0]): Transport {
  core = createCore({
    dataDir: dir.path,
    shell: 'cli',
    clock,
    modules: [...SHIPPED_MODULES, slowModule(observed)],
  });
  return createLocalTransport(core);
}

const call = async (t: Transport, name: string, input: unknown): Promise<unknown> => {
  const result = await t.call(name as MethodName, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.code} ${result.error.message}`);
  return result.value;
};

/** Waits (on events, not on time) until `check` holds. */
async function until(t: Transport, check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    const changed = new Promise<void>((resolve) => {
      const off = t.subscribe(() => {
        off();
        resolve();
      });
    });
    if (await check()) return;
    await changed;
  }
}

describe('a module registered in a test plugs in without touching any shell', () => {
  it('runs its kind on a run-time resource one at a time, parks items, and resumes them after a restart', async () => {
    dir = tempDir();
    const observed = { running: 0, most: 0, runs: [] as string[] };
    const clock = manualClock(Date.UTC(2026, 5, 1));
    let t = open(clock, observed);
    mkdirSync(join(dir.path, 'in'));
    const inputs = ['a.txt', 'b.txt', 'c.txt', 'late.park', 'bell.door'].map((name) =>
      join(dir.path, 'in', name),
    );
    for (const path of inputs) writeFileSync(path, basename(path));
    const out = join(outs.path, 'out');

    // The composed contract validates the test kind's options like any shipped kind's.
    const bad = await t.call('jobs.create' as MethodName, {
      kind: 'slow-copy',
      options: { label: '' },
      paths: inputs,
    });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: /Invalid slow-copy options: label/ },
    });

    const job = (await call(t, 'jobs.create', {
      kind: 'slow-copy',
      options: { label: 'later' },
      paths: [join(dir.path, 'in')],
      outDir: out,
    })) as { id: string };
    const get = async () =>
      (await call(t, 'jobs.get', { id: job.id })) as {
        job: { status: string; counts: Record<string, number> };
        items: { inputPath: string; status: string }[];
      };
    // Nothing serves `test:slow` yet: the items wait, queued.
    expect((await get()).job.counts).toMatchObject({ queued: 5, running: 0 });
    expect(observed.runs).toEqual([]);

    await call(t, 'slow.open', {});
    await until(
      t,
      async () => (await get()).job.counts.queued === 0 && (await get()).job.counts.running === 0,
    );
    const parked = await get();
    expect(parked.job).toMatchObject({ status: 'running', counts: { done: 3, awaiting: 2 } });
    expect(observed.most).toBe(1);
    const log = (await call(t, 'jobs.log', { id: job.id })) as { message: string }[];
    expect(log.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/bell\.door: waiting for the bell/),
        expect.stringMatching(/late\.park: waiting an hour/),
      ]),
    );

    // Restart: a new core on the same data, an hour and a bit later.
    await core?.close();
    clock.advance(HOUR + 1);
    observed.runs.length = 0;
    t = open(clock, observed);
    await call(t, 'slow.open', {});
    await until(
      t,
      async () => (await get()).job.counts.awaiting === 1 && (await get()).job.counts.running === 0,
    );
    expect(observed.runs).toEqual(['late.park (resumed)']);
    expect(readFileSync(join(out, 'in', 'late.txt'), 'utf8')).toBe('later {"n":1}');

    // The other waits for its module to say the remote work is done.
    expect(await call(t, 'slow.ring', {})).toEqual({ woken: 1 });
    await until(t, async () => (await get()).job.status === 'done');
    expect(observed.runs).toEqual(['late.park (resumed)', 'bell.door (resumed)']);
    expect((await get()).job.counts).toMatchObject({ done: 5, failed: 0, awaiting: 0 });
    expect(readFileSync(join(out, 'in', 'bell.txt'), 'utf8')).toBe('later {"n":2}');
  });

  it('refuses a module whose handlers or operations do not match its slice', () => {
    dir = tempDir();
    const extra = defineModule({
      name: 'broken',
      contract: defineSlice({ methods: { 'broken.ping': { input: z.strictObject({}), output: z.null() } } }),
      setup: () => ({ handlers: {} }),
    });
    expect(() =>
      createCore({ dataDir: dir.path, shell: 'cli', modules: [...SHIPPED_MODULES, extra] }),
    ).toThrow(/No module handles broken\.ping/);
  });
});
