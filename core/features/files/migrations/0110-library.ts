import type { Migration } from '../../../db/migration.js';

/**
 * The library: the photos a user added, kept in core so a reload, a second window or a browser
 * on another machine sees the same set. `seq` keeps the order they were added in; `problem` says
 * why a photo looks damaged (it is shown, never queued).
 */
export const migration: Migration = {
  version: 110,
  name: 'library',
  up(db) {
    db.exec(`
      CREATE TABLE library_photos (
        path       TEXT PRIMARY KEY,
        seq        INTEGER NOT NULL UNIQUE,
        rel_dir    TEXT NOT NULL,
        shown_path TEXT NOT NULL,
        size       INTEGER NOT NULL CHECK (size >= 0),
        width      INTEGER NOT NULL CHECK (width > 0),
        height     INTEGER NOT NULL CHECK (height > 0),
        format     TEXT NOT NULL,
        has_alpha  INTEGER NOT NULL CHECK (has_alpha IN (0, 1)),
        problem    TEXT,
        thumb_ref  TEXT NOT NULL,
        added_at   INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
