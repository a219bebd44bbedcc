import type { Migration } from '../migration.js';

/**
 * What a queue card and an estimate need: where a job's inputs came from (`jobs.source`), and
 * each item's input size in pixels (`items.pixels`), given with a selection or read when the
 * item runs. Finished items by time serve this machine's measured speed per job kind.
 */
export const migration: Migration = {
  version: 100,
  name: 'job-source-pixels',
  up(db) {
    db.exec(`
      ALTER TABLE jobs ADD COLUMN source TEXT;
      ALTER TABLE items ADD COLUMN pixels INTEGER CHECK (pixels IS NULL OR pixels > 0);
      CREATE INDEX items_finished ON items (status, finished_at);
    `);
  },
};
