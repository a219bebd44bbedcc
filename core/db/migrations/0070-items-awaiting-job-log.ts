import type { Migration } from '../migration.js';

/**
 * Items can wait on a remote service (`awaiting`: parked without holding a slot, woken by time
 * or by the module that knows, even after a restart) and can be held back until a time
 * (`not_before`: retry backoff). SQLite cannot change a CHECK constraint in place, so `items` is
 * rebuilt and its rows copied. `job_log` keeps a short history of notable events per job.
 */
export const migration: Migration = {
  version: 70,
  name: 'items-awaiting-job-log',
  up(db) {
    db.exec(`
      CREATE TABLE items_next (
        id            INTEGER PRIMARY KEY,
        job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq           INTEGER NOT NULL,
        resource      TEXT NOT NULL,
        input_path    TEXT NOT NULL,
        rel_dir       TEXT NOT NULL,
        input_sha256  TEXT,
        status        TEXT NOT NULL
                      CHECK (status IN ('queued', 'running', 'awaiting', 'done', 'failed', 'skipped', 'cancelled')),
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
        not_before    INTEGER,
        wait_for      TEXT,
        state         TEXT,
        UNIQUE (job_id, seq)
      ) STRICT;
      INSERT INTO items_next (id, job_id, seq, resource, input_path, rel_dir, input_sha256, status, attempts,
          owner, output_path, outputs, details, error_code, error_message, progress, started_at, finished_at,
          duration_ms)
        SELECT id, job_id, seq, resource, input_path, rel_dir, input_sha256, status, attempts, owner,
          output_path, outputs, details, error_code, error_message, progress, started_at, finished_at,
          duration_ms
        FROM items;
      DROP TABLE items;
      ALTER TABLE items_next RENAME TO items;
      CREATE INDEX items_claim ON items (status, resource, job_id, seq);
      CREATE INDEX items_job_status ON items (job_id, status);
      CREATE INDEX items_not_before ON items (not_before) WHERE not_before IS NOT NULL;
      CREATE INDEX items_wait_for ON items (wait_for) WHERE wait_for IS NOT NULL;

      CREATE TABLE job_log (
        id       INTEGER PRIMARY KEY,
        job_id   TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        item_id  INTEGER,
        at       INTEGER NOT NULL,
        level    TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        message  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX job_log_job ON job_log (job_id, id);
    `);
  },
};
