import type { Migration } from '../../../db/migration.js';

/**
 * The last test of each key (a real models.list call): when, whether it worked, and what the
 * service said, so a key that never answered is shown as unverified or failing, not "Active".
 */
export const migration: Migration = {
  version: 120,
  name: 'key-checks',
  up(db) {
    db.exec(`
      ALTER TABLE api_keys ADD COLUMN checked_at INTEGER;
      ALTER TABLE api_keys ADD COLUMN check_ok INTEGER CHECK (check_ok IS NULL OR check_ok IN (0, 1));
      ALTER TABLE api_keys ADD COLUMN check_message TEXT;
    `);
  },
};
