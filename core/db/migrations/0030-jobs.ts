import type { Migration } from '../migration.js';

/**
 * Jobs and their items. The rows are the truth about work: the scheduler claims items from here
 * and writes every outcome back before it tells anyone.
 */
export const migration: Migration = {
  version: 30,
  name: 'jobs',
  up(db) {
    db.exec(`
      CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        options      TEXT NOT NULL,
        priority     INTEGER NOT NULL CHECK (priority IN (0, 1)),
        status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'done', 'cancelled')),
        out_dir      TEXT,
        created_at   INTEGER NOT NULL,
        started_at   INTEGER,
        finished_at  INTEGER
      ) STRICT;
      CREATE INDEX jobs_status ON jobs (status, priority, created_at);

      CREATE TABLE items (
        id            INTEGER PRIMARY KEY,
        job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq           INTEGER NOT NULL,
        resource      TEXT NOT NULL,
        input_path    TEXT NOT NULL,
        rel_dir       TEXT NOT NULL,
        input_sha256  TEXT,
        status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'skipped', 'cancelled')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        owner         TEXT,
        output_path   TEXT,
        outputs       TEXT NOT NULL DEFAULT '[]',
        details       TEXT,
        error_code    TEXT,
        error_message TEXT,
        progress      REAL NOT NULL DEFAULT 0,
        started_at    INTEGER,
        finished_at   INTEGER,
        duration_ms   INTEGER,
        UNIQUE (job_id, seq)
      ) STRICT;
      CREATE INDEX items_claim ON items (status, resource, job_id, seq);
      CREATE INDEX items_job_status ON items (job_id, status);
    `);
  },
};
