import type { Migration } from '../migration.js';

/**
 * An output may be replaced only when Pixelsmith made it from the same input with the same
 * options (and nobody changed it since): the results cache now remembers the input file each
 * output came from. A job can opt in to replacing whatever is there (`overwrite`).
 */
export const migration: Migration = {
  version: 80,
  name: 'output-ownership',
  up(db) {
    db.exec(`
      ALTER TABLE results_cache ADD COLUMN input_path TEXT;
      ALTER TABLE jobs ADD COLUMN overwrite INTEGER NOT NULL DEFAULT 0 CHECK (overwrite IN (0, 1));
    `);
  },
};
