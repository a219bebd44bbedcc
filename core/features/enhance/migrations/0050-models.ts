import type { Migration } from '../../../db/migration.js';

/** Models installed into the data folder (downloaded or imported); folder models are not stored. */
export const migration: Migration = {
  version: 50,
  name: 'models',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        task         TEXT NOT NULL CHECK (task IN ('upscale', 'face-restore', 'face-detect')),
        scale        INTEGER NOT NULL,
        convention   TEXT NOT NULL,
        file         TEXT NOT NULL,
        bytes        INTEGER NOT NULL,
        sha256       TEXT NOT NULL,
        source       TEXT NOT NULL CHECK (source IN ('download', 'import')),
        installed_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
