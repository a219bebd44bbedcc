import { basename, join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { createEventBus } from '../../core/kernel/events.js';
import type { EventEnvelope } from '../../core/contract/events.js';
import { convertOperation } from '../../core/features/convert/operation.js';
import { createSettingsRepo, type SettingsRepo } from '../../core/db/settingsRepo.js';
import { JobEngine, type JobEngineOptions } from '../../core/jobs/engine.js';
import type { Clock } from '../../core/kernel/clock.js';
import type { AnyOperation, Operation } from '../../core/jobs/types.js';
import { openTestDb } from './db.js';
import { tempDir } from './fixtures.js';

export interface EngineHarness {
  dir: string;
  db: Database;
  engine: JobEngine;
  settings: SettingsRepo;
  events: EventEnvelope[];
  /** A second engine on the same database, as after a restart (with other options if given). */
  restart(options?: Partial<JobEngineOptions>): JobEngine;
  close(): Promise<void>;
}

/**
 * A real engine on a real SQLite file, with `convert` and any extra operations registered
 * (given directly, or made from the harness's folder and database).
 */
export function engineHarness(
  extra: AnyOperation[] | ((dir: string, db: Database) => AnyOperation[]) = [],
  resources: Record<string, number> = { cpu: 1, gpu: 1 },
  clock?: Clock,
): EngineHarness {
  const dir = tempDir();
  const db = openTestDb(join(dir.path, 'p.db'));
  const ops = typeof extra === 'function' ? extra(dir.path, db) : extra;
  const bus = createEventBus();
  const events: EventEnvelope[] = [];
  bus.subscribe((e) => events.push(e));
  const settings = createSettingsRepo(db);
  const make = (more: Partial<JobEngineOptions> = {}): JobEngine =>
    new JobEngine({
      db,
      events: bus,
      operations: [convertOperation, ...ops],
      settings: () => settings.get(),
      resources: Object.entries(resources).map(([name, concurrency]) => ({ name, concurrency })),
      ...(clock && { clock }),
      ...more,
    });
  const engines = [make()];
  return {
    dir: dir.path,
    db,
    engine: engines[0] as JobEngine,
    settings,
    events,
    restart(options) {
      const e = make(options);
      engines.push(e);
      return e;
    },
    async close() {
      for (const e of engines) await e.stop();
      db.close();
      dir.cleanup();
    },
  };
}

/**
 * An operation whose items wait until the test releases them (by input file name), so tests can
 * pause or cancel at a known moment. It honours the abort signal like a real operation must.
 */
export function gateOperation(): {
  op: Operation<Record<string, never>>;
  started: string[];
  release(name?: string): void;
} {
  const waiting = new Map<string, () => void>();
  const released = new Set<string>();
  let all = false;
  const started: string[] = [];
  const op: Operation<Record<string, never>> = {
    kind: 'gate',
    version: 1,
    inputs: 'any',
    optionsSchema: z.strictObject({}),
    resource: () => 'cpu',
    outputExtension: () => 'txt',
    async run(ctx) {
      const name = basename(ctx.inputPath);
      started.push(name);
      if (!all && !released.has(name)) {
        await new Promise<void>((resolve, reject) => {
          waiting.set(name, resolve);
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
        });
      }
      return { outputs: [ctx.writeOutput(Buffer.from(`made from ${name}`))] };
    },
  };
  return {
    op,
    started,
    release(name) {
      if (name === undefined) all = true;
      else released.add(name);
      for (const [key, resolve] of waiting) {
        if (name === undefined || key === name) {
          waiting.delete(key);
          resolve();
        }
      }
    },
  };
}
