import type { Migration } from '../migration.js';

/**
 * What produced each output file: the input's sha256 and a hash of the operation and options.
 * An output whose row still matches (and whose file is unchanged) need not be made again.
 */
export const migration: Migration = {
  version: 40,
  name: 'results-cache',
  up(db) {
    db.exec(`
      CREATE TABLE results_cache (
        output_path  TEXT PRIMARY KEY,
        input_sha256 TEXT NOT NULL,
        op_hash      TEXT NOT NULL,
        size         INTEGER NOT NULL,
        mtime_ms     INTEGER NOT NULL,
        created_at   INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
