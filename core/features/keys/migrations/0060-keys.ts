import type { Migration } from '../../../db/migration.js';

/**
 * API keys (secrets encrypted by a SecretBox), one row per request reservation for RPM/RPD
 * accounting per project × model, cooldowns after 429s, and the editable per-model limits.
 */
export const migration: Migration = {
  version: 60,
  name: 'keys',
  up(db) {
    db.exec(`
      CREATE TABLE api_keys (
        id                   TEXT PRIMARY KEY,
        label                TEXT NOT NULL,
        project              TEXT NOT NULL,
        tier                 TEXT NOT NULL,
        secret               BLOB NOT NULL,
        last4                TEXT NOT NULL,
        created_at           INTEGER NOT NULL,
        disabled_reason      TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        circuit_open_until   INTEGER,
        circuit_backoff_ms   INTEGER NOT NULL DEFAULT 0,
        last_used_at         INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX api_keys_project ON api_keys (project);

      CREATE TABLE key_usage (
        id            INTEGER PRIMARY KEY,
        key_id        TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        project       TEXT NOT NULL,
        model         TEXT NOT NULL,
        at            INTEGER NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('reserved', 'ok', 'failed', 'refused')),
        input_tokens  INTEGER,
        output_tokens INTEGER
      ) STRICT;
      CREATE INDEX key_usage_window ON key_usage (project, model, at);

      CREATE TABLE key_cooldowns (
        project TEXT NOT NULL,
        model   TEXT NOT NULL,
        until   INTEGER NOT NULL,
        reason  TEXT NOT NULL,
        PRIMARY KEY (project, model)
      ) STRICT;

      CREATE TABLE model_limits (
        model TEXT PRIMARY KEY,
        rpm   INTEGER NOT NULL,
        rpd   INTEGER NOT NULL
      ) STRICT;
      INSERT INTO model_limits (model, rpm, rpd) VALUES
        ('gemini-3-flash-preview', 1000, 10000),
        ('gemini-3-pro-image-preview', 20, 250),
        ('gemini-2.5-flash-image', 20, 250);
    `);
  },
};
