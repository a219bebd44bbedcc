import type { Migration } from '../migration.js';

/**
 * Why an awaiting item waits ("today's cost cap of $10.00 is reached…", "waiting for Gemini batch
 * batches/…"), so a queue or `jobs show` can say it beside the item, not only in the job's log.
 */
export const migration: Migration = {
  version: 150,
  name: 'item-wait-reason',
  up(db) {
    db.exec('ALTER TABLE items ADD COLUMN wait_reason TEXT');
  },
};
