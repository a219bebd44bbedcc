import type { Migration } from '../../../db/migration.js';

/**
 * Restyle's tables: the user's own styles (the built-ins live in code), and the content cache:
 * sha256 of the input bytes, prompt, model, generation config and variation → the image Gemini
 * made, kept under `<data>/cache/restyle/`, so asking again costs nothing.
 */
export const migration: Migration = {
  version: 140,
  name: 'restyle',
  up(db) {
    db.exec(`
      CREATE TABLE styles (
        id TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND length(id) BETWEEN 1 AND 40),
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        prompt TEXT NOT NULL CHECK (length(prompt) >= 20),
        model TEXT NOT NULL,
        aspect_ratio TEXT NOT NULL,
        image_size TEXT NOT NULL CHECK (image_size IN ('1K', '2K', '4K')),
        temperature REAL,
        top_p REAL,
        top_k INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE restyle_cache (
        key TEXT PRIMARY KEY CHECK (length(key) = 64),
        file TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        style_id TEXT NOT NULL,
        model TEXT NOT NULL,
        usd REAL NOT NULL,
        prompt_tokens INTEGER,
        output_tokens INTEGER,
        text TEXT,
        job_id TEXT,
        item_id INTEGER,
        created_at INTEGER NOT NULL,
        used_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX restyle_cache_style ON restyle_cache (style_id, created_at);
    `);
  },
};
