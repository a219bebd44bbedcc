import type { Database } from 'better-sqlite3';
import type { JobLogEntry } from '../contract/jobs.js';

/** Entries a job keeps; older ones are dropped as new ones arrive. */
export const JOB_LOG_LIMIT = 200;

interface Raw {
  id: number;
  job_id: string;
  item_id: number | null;
  at: number;
  level: JobLogEntry['level'];
  message: string;
}

const toEntry = (r: Raw): JobLogEntry => ({
  id: r.id,
  jobId: r.job_id,
  itemId: r.item_id,
  at: r.at,
  level: r.level,
  message: r.message,
});

export interface JobLogRepo {
  add(entry: Omit<JobLogEntry, 'id'>): JobLogEntry;
  /** The last `limit` entries, oldest first. */
  tail(jobId: string, limit: number): JobLogEntry[];
}

/** The `job_log` table: a short, bounded history of notable events per job. */
export function createJobLogRepo(db: Database): JobLogRepo {
  const insert = db.prepare<[string, number | null, number, string, string], Raw>(
    'INSERT INTO job_log (job_id, item_id, at, level, message) VALUES (?, ?, ?, ?, ?) RETURNING *',
  );
  const trim = db.prepare(
    'DELETE FROM job_log WHERE job_id = @jobId AND id <= ' +
      '(SELECT id FROM job_log WHERE job_id = @jobId ORDER BY id DESC LIMIT 1 OFFSET @keep)',
  );
  const tail = db.prepare<[string, number], Raw>(
    'SELECT * FROM (SELECT * FROM job_log WHERE job_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
  );
  return {
    add(e) {
      const row = db
        .transaction(() => {
          const inserted = insert.get(e.jobId, e.itemId, e.at, e.level, e.message);
          trim.run({ jobId: e.jobId, keep: JOB_LOG_LIMIT });
          return inserted;
        })
        .immediate();
      if (!row) throw new Error('job_log insert returned nothing');
      return toEntry(row);
    },
    tail: (jobId, limit) => tail.all(jobId, limit).map(toEntry),
  };
}
