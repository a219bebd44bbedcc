import { copyFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDb } from '../../test/helpers/db.js';
import { engineHarness, type EngineHarness } from '../../test/helpers/engine.js';
import { FIXTURE_IMAGES } from '../../test/helpers/fixtures.js';
import { createEventBus } from '../kernel/events.js';
import { manualClock } from '../kernel/clock.js';
import { createSettingsRepo } from '../db/settingsRepo.js';
import { convertOperation } from '../features/convert/operation.js';
import { JobEngine } from './engine.js';

let h: EngineHarness;
afterEach(() => h.close());

/**
 * The server runs one engine; the CLI (another process, another connection) adds work to the
 * same database. The running engine must notice, without a restart.
 */
describe('a running engine notices other processes', () => {
  it('picks up a job another connection created, and items a dead process left running', async () => {
    const clock = manualClock();
    h = engineHarness([], { cpu: 1 }, clock);
    h.engine.start('all');
    // "Another process": its own connection to the same file, an engine that only stores.
    const other = openTestDb(h.db.name);
    const cli = new JobEngine({
      db: other,
      events: createEventBus(),
      operations: [convertOperation],
      settings: () => createSettingsRepo(other).get(),
      runs: 'own',
    });
    try {
      const src = join(h.dir, 'in');
      mkdirSync(src);
      copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(src, 'a.jpg'));
      const job = await cli.create({
        kind: 'convert',
        options: {},
        paths: [src],
        outDir: join(h.dir, 'out'),
        priority: 'background',
      });
      // Nothing in this engine knows yet (drain() would look itself, so it is not called here).
      await new Promise((r) => setImmediate(r));
      expect(h.engine.get(job.id, 0, 1).job.status).toBe('queued');
      clock.advance(2000);
      await new Promise((r) => setImmediate(r));
      expect(h.engine.get(job.id, 0, 1).job.status).toBe('running');
      await h.engine.drain();
      expect(h.engine.get(job.id, 0, 1).job).toMatchObject({ status: 'done', counts: { done: 1 } });

      // A process that died holding an item: the running engine recovers it within a few ticks.
      copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(src, 'b.jpg'));
      const second = await cli.create({
        kind: 'convert',
        options: {},
        paths: [join(src, 'b.jpg')],
        outDir: join(h.dir, 'out2'),
        priority: 'background',
      });
      other
        .prepare("UPDATE items SET status = 'running', attempts = 1, owner = ? WHERE job_id = ?")
        .run(`${hostname()}|999999999|gone`, second.id);
      other.prepare("UPDATE jobs SET status = 'running' WHERE id = ?").run(second.id);
      for (let tick = 0; tick < 5; tick += 1) {
        clock.advance(2000);
        await h.engine.drain();
      }
      expect(h.engine.get(second.id, 0, 1)).toMatchObject({
        job: { status: 'done' },
        items: [{ status: 'done', attempts: 2 }],
      });
      expect(h.engine.logOf(second.id, 10).map((e) => e.message)).toEqual([
        expect.stringMatching(/stopped while working on it; it runs again/),
      ]);
    } finally {
      await cli.stop();
      other.close();
    }
  });
});
