import type { Migration } from '../../../db/migration.js';

/**
 * Thumbnail references handed out by files.scan. The renderer only ever holds the opaque ref;
 * the path it stands for stays in core, so a client cannot ask for a thumbnail of any file.
 */
export const migration: Migration = {
  version: 20,
  name: 'thumb-refs',
  up(db) {
    db.exec(`
      CREATE TABLE thumb_refs (
        ref          TEXT PRIMARY KEY,
        path         TEXT NOT NULL,
        size         INTEGER NOT NULL,
        mtime_ms     INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX thumb_refs_last_seen ON thumb_refs (last_seen_at);
    `);
  },
};
