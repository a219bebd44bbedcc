import type { Migration } from '../../../db/migration.js';

/**
 * What Gemini calls cost: one ledger row per call (reserved before it is made, settled with its
 * usageMetadata), the user's changes to the shipped price table, and the daily cap's alerts
 * (one row per Pacific day and threshold, so two processes never both announce one).
 */
export const migration: Migration = {
  version: 130,
  name: 'cost',
  up(db) {
    db.exec(`
      CREATE TABLE cost_ledger (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        model TEXT NOT NULL,
        image_size TEXT,
        status TEXT NOT NULL CHECK (status IN ('reserved', 'ok', 'failed', 'void')),
        usd REAL NOT NULL CHECK (usd >= 0),
        prompt_tokens INTEGER,
        output_tokens INTEGER,
        total_tokens INTEGER,
        batch INTEGER NOT NULL DEFAULT 0 CHECK (batch IN (0, 1)),
        job_id TEXT,
        label TEXT
      ) STRICT;
      CREATE INDEX cost_ledger_day ON cost_ledger (day, status);
      CREATE TABLE gemini_prices (
        model TEXT NOT NULL,
        image_size TEXT NOT NULL CHECK (image_size IN ('*', '1K', '2K', '4K')),
        usd_per_image REAL NOT NULL CHECK (usd_per_image >= 0),
        input_usd_per_million REAL NOT NULL CHECK (input_usd_per_million >= 0),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (model, image_size)
      ) STRICT;
      CREATE TABLE cost_alerts (
        day TEXT NOT NULL,
        threshold INTEGER NOT NULL CHECK (threshold BETWEEN 1 AND 100),
        at INTEGER NOT NULL,
        spent_usd REAL NOT NULL,
        cap_usd REAL NOT NULL,
        PRIMARY KEY (day, threshold)
      ) STRICT;
    `);
  },
};
