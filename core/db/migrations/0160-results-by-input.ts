import type { Migration } from '../migration.js';

/**
 * A skipped item lists every output it stands for (restyle's other styles and sidecars), found by
 * its input and operation: an index, so that stays one seek however large the cache grows.
 */
export const migration: Migration = {
  version: 160,
  name: 'results-by-input',
  up(db) {
    db.exec('CREATE INDEX results_cache_input ON results_cache (input_path, input_sha256, op_hash)');
  },
};
