import type { Migration } from '../../../db/migration.js';

/**
 * What the contract refuses, the database refuses too: a label that is empty or taken (letter
 * case aside), a tier that does not exist, a secret too short to be a key. Checks are triggers
 * because adding a CHECK would mean rebuilding api_keys, and dropping the old table would
 * cascade-delete every key_usage row. Rows the old CLI stored past the contract are mended first.
 */
export const migration: Migration = {
  version: 90,
  name: 'key-constraints',
  up(db) {
    db.exec(`
      UPDATE api_keys SET tier = 'free' WHERE tier NOT IN ('free', 'tier1', 'tier2', 'tier3');
      UPDATE api_keys SET label = 'key ' || substr(id, 1, 8) WHERE length(trim(label)) = 0;
    `);
    // Duplicate labels get " (2)", " (3)"… in the order the keys were added.
    const rows = db.prepare('SELECT id, label FROM api_keys ORDER BY created_at, id').all() as {
      id: string;
      label: string;
    }[];
    const taken = new Set<string>();
    const rename = db.prepare('UPDATE api_keys SET label = ? WHERE id = ?');
    for (const row of rows) {
      let label = row.label;
      for (let n = 2; taken.has(label.toLowerCase()); n += 1) label = `${row.label} (${n})`;
      taken.add(label.toLowerCase());
      if (label !== row.label) rename.run(label, row.id);
    }
    db.exec(`
      CREATE UNIQUE INDEX api_keys_label ON api_keys (label COLLATE NOCASE);
      CREATE TRIGGER api_keys_valid_insert BEFORE INSERT ON api_keys
        WHEN length(trim(NEW.label)) = 0 OR NEW.tier NOT IN ('free', 'tier1', 'tier2', 'tier3')
          OR length(NEW.secret) < 28 OR length(NEW.last4) <> 4
        BEGIN SELECT RAISE(ABORT, 'api_keys: empty label, unknown tier or no secret'); END;
      CREATE TRIGGER api_keys_valid_update BEFORE UPDATE OF label, tier, secret, last4 ON api_keys
        WHEN length(trim(NEW.label)) = 0 OR NEW.tier NOT IN ('free', 'tier1', 'tier2', 'tier3')
          OR length(NEW.secret) < 28 OR length(NEW.last4) <> 4
        BEGIN SELECT RAISE(ABORT, 'api_keys: empty label, unknown tier or no secret'); END;
    `);
  },
};
