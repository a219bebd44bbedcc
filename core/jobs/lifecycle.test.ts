import { copyFileSync, writeFileSync } from 'node:fs';
import { FIXTURE_IMAGES } from '../../test/helpers/fixtures.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, gateOperation, type EngineHarness } from '../../test/helpers/engine.js';
import { eventually } from '../../test/helpers/eventually.js';
import { RpcError } from '../contract/errors.js';
import { manualClock, type ManualClock } from '../kernel/clock.js';
import { backoffMs, RetryLater } from './signals.js';
import type { Operation } from './types.js';

let h: EngineHarness;
let clock: ManualClock;
afterEach(() => h.close());

/** An operation that does what `script` says on each try: fail to retry, park, or finish. */
function scripted(
  script: (ctx: {
    attempt: number;
    state: unknown;
    name: string;
  }) => 'retry' | 'refund' | 'park' | 'fail' | 'done',
): { op: Operation<Record<string, never>>; tries: number[] } {
  const tries: number[] = [];
  const op: Operation<Record<string, never>> = {
    kind: 'scripted',
    version: 1,
    inputs: 'any',
    optionsSchema: z.strictObject({}),
    resource: () => 'cpu',
    outputExtension: () => 'txt',
    run(ctx) {
      tries.push(ctx.attempt);
      const step = script({ attempt: ctx.attempt, state: ctx.state, name: ctx.inputPath });
      const unavailable = new RpcError('DOWNLOAD_FAILED', 'the service answered 503');
      if (step === 'retry') throw new RetryLater(unavailable);
      if (step === 'refund') throw new RetryLater(unavailable, { afterMs: 20_000, refund: true });
      if (step === 'park')
        ctx.park({
          reason: 'waiting for the remote batch',
          until: clock.now() + 3_600_000,
          state: { at: 1 },
        });
      if (step === 'fail') throw new RpcError('CORRUPT_IMAGE', 'broken');
      ctx.log(`made it on attempt ${ctx.attempt}`);
      return Promise.resolve({
        outputs: [ctx.writeOutput(Buffer.from(`state ${JSON.stringify(ctx.state)}`))],
      });
    },
  };
  return { op, tries };
}

async function oneItemJob(): Promise<string> {
  const input = join(h.dir, 'in.txt');
  writeFileSync(input, 'input');
  const job = await h.engine.create({
    kind: 'scripted',
    options: {},
    paths: [input],
    outDir: join(h.dir, 'out'),
    priority: 'interactive',
  });
  h.engine.start('all');
  await h.engine.drain();
  return job.id;
}

describe('job engine: attempts, backoff and parking', () => {
  it('retries a retryable failure after an exponential backoff, and logs each retry', async () => {
    clock = manualClock();
    const s = scripted(({ attempt }) => (attempt < 3 ? 'retry' : 'done'));
    h = engineHarness([s.op], { cpu: 1 }, clock);
    const id = await oneItemJob();
    expect(h.engine.get(id, 0, 1).items[0]).toMatchObject({ status: 'queued', attempts: 1 });
    // Not before its backoff: nothing runs until the clock gets there.
    clock.advance(backoffMs(1, () => 0) - 1);
    await h.engine.drain();
    expect(s.tries).toEqual([1]);
    clock.advance(backoffMs(1, () => 1));
    await h.engine.drain();
    clock.advance(backoffMs(2, () => 1));
    await h.engine.drain();
    expect(s.tries).toEqual([1, 2, 3]);
    expect(h.engine.get(id, 0, 1)).toMatchObject({
      job: { status: 'done' },
      items: [{ status: 'done', attempts: 3 }],
    });
    const log = h.engine.logOf(id, 50);
    expect(log.filter((e) => e.level === 'warn').map((e) => e.message)).toEqual([
      expect.stringMatching(/503; trying again in \d+ s \(attempt 1 of 3\)/),
      expect.stringMatching(/503; trying again in \d+ s \(attempt 2 of 3\)/),
    ]);
    expect(log.at(-1)?.message).toMatch(/made it on attempt 3/);
    expect(h.events.filter((e) => e.name === 'job.log')).toHaveLength(log.length);
  });

  it('gives up after the attempt limit with the last error; a refunded try does not count', async () => {
    clock = manualClock();
    const s = scripted(({ attempt }) => (s.tries.length === 1 ? 'refund' : attempt > 0 ? 'retry' : 'done'));
    h = engineHarness([s.op], { cpu: 1 }, clock);
    h.settings.update({ maxAttempts: 2 });
    const id = await oneItemJob();
    for (let i = 0; i < 4; i += 1) {
      clock.advance(5 * 60_000);
      await h.engine.drain();
    }
    // Try 1 was a rate limit (refunded), tries 2 and 3 count as attempts 1 and 2: then it fails.
    expect(s.tries).toEqual([1, 1, 2]);
    expect(h.engine.get(id, 0, 1)).toMatchObject({
      job: { status: 'done', counts: { failed: 1 } },
      items: [
        {
          status: 'failed',
          errorCode: 'DOWNLOAD_FAILED',
          errorMessage: 'the service answered 503 (gave up after 2 attempts)',
        },
      ],
    });
    expect(h.engine.logOf(id, 50).some((e) => /this try does not count/.test(e.message))).toBe(true);
  });

  it('parks an item without holding its slot, and runs it again with its state when its time comes', async () => {
    clock = manualClock();
    const s = scripted(({ state }) => (state === null ? 'park' : 'done'));
    h = engineHarness([s.op], { cpu: 1 }, clock);
    const id = await oneItemJob();
    expect(h.engine.get(id, 0, 1)).toMatchObject({
      job: { status: 'running', counts: { awaiting: 1, running: 0 } },
      items: [{ status: 'awaiting', attempts: 0 }],
    });
    expect(
      h.events.some((e) => e.name === 'item.awaiting' && e.payload.until === clock.now() + 3_600_000),
    ).toBe(true);
    clock.advance(3_600_000);
    await h.engine.drain();
    const { items } = h.engine.get(id, 0, 1);
    expect(items[0]).toMatchObject({ status: 'done', attempts: 1 });
    expect(s.tries).toEqual([1, 1]);
  });

  it('fails an item that has crashed its process as often as the attempt limit allows', async () => {
    const s = scripted(() => 'done');
    h = engineHarness([s.op]);
    const input = join(h.dir, 'in.txt');
    writeFileSync(input, 'x');
    const job = await h.engine.create({
      kind: 'scripted',
      options: {},
      paths: [input],
      priority: 'background',
    });
    h.db
      .prepare("UPDATE items SET status = 'running', attempts = 3, owner = ?")
      .run(`${hostname()}|999999999|dead`);
    h.db.prepare("UPDATE jobs SET status = 'running' WHERE id = ?").run(job.id);
    const restarted = h.restart();
    restarted.start('all');
    await restarted.drain();
    expect(s.tries).toEqual([]);
    expect(restarted.get(job.id, 0, 1)).toMatchObject({
      job: { status: 'done' },
      items: [
        {
          status: 'failed',
          errorCode: 'INTERRUPTED',
          errorMessage: expect.stringMatching(/stopped 3 times/),
        },
      ],
    });
  });

  it('parses stored options again when it claims: a job an older version stored fails clearly', async () => {
    h = engineHarness();
    const input = join(h.dir, 'a.jpg');
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), input);
    const old = await h.engine.create({
      kind: 'convert',
      options: { format: 'webp' },
      paths: [input],
      outDir: join(h.dir, 'o'),
      priority: 'background',
    });
    const gone = await h.engine.create({
      kind: 'convert',
      options: {},
      paths: [input],
      outDir: join(h.dir, 'p'),
      priority: 'background',
    });
    // As an older Pixelsmith could have stored them: an option since renamed, a kind since removed.
    h.db
      .prepare('UPDATE jobs SET options = ? WHERE id = ?')
      .run(JSON.stringify({ format: 'webp', colours: 256 }), old.id);
    h.db.prepare("UPDATE jobs SET kind = 'posterize' WHERE id = ?").run(gone.id);
    h.engine.start('all');
    await h.engine.drain();
    expect(h.engine.get(old.id, 0, 1).items[0]).toMatchObject({
      status: 'failed',
      errorCode: 'OPTIONS_OUTDATED',
      errorMessage: expect.stringMatching(/another version of Pixelsmith.*colours.*create the job again/),
    });
    expect(h.engine.get(gone.id, 0, 1).items[0]).toMatchObject({
      status: 'failed',
      errorCode: 'OPTIONS_OUTDATED',
      errorMessage: expect.stringMatching(/"posterize" job, which this Pixelsmith does not run/),
    });
  });

  it('stops an item still running at the time limit per photo, and fails it saying so', async () => {
    clock = manualClock();
    const gate = gateOperation();
    h = engineHarness([gate.op], { cpu: 1 }, clock);
    h.settings.update({ itemTimeLimitMinutes: 5 });
    const input = join(h.dir, 'stuck.txt');
    writeFileSync(input, 'x');
    const job = await h.engine.create({
      kind: 'gate',
      options: {},
      paths: [input],
      outDir: join(h.dir, 'out'),
      priority: 'interactive',
    });
    h.engine.start('all');
    await eventually(() => expect(gate.started).toEqual(['stuck.txt']));
    clock.advance(5 * 60_000);
    await h.engine.drain();
    expect(h.engine.get(job.id, 0, 1).items[0]).toMatchObject({
      status: 'failed',
      errorCode: 'LIMIT_EXCEEDED',
      errorMessage: expect.stringMatching(/stopped after 5 minutes, the time limit per photo/),
    });
  });
});
