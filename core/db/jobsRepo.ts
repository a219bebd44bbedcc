import type { Database } from 'better-sqlite3';
import { PERMANENT_ERROR_CODES } from '../contract/errors.js';
import type { JobCounts, JobStatus } from '../contract/jobs.js';

export interface JobRow {
  id: string;
  kind: string;
  options: Record<string, unknown>;
  priority: 'interactive' | 'background';
  status: JobStatus;
  outDir: string | null;
  /** Replace existing files at the planned output paths (else a free name is used). */
  overwrite: boolean;
  /** Where the inputs came from (the folder they share, or the one file); null when unknown. */
  source: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

interface RawJob {
  id: string;
  kind: string;
  options: string;
  priority: number;
  status: JobStatus;
  out_dir: string | null;
  overwrite: number;
  source: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

const toRow = (r: RawJob): JobRow => ({
  id: r.id,
  kind: r.kind,
  options: JSON.parse(r.options) as Record<string, unknown>,
  priority: r.priority === 1 ? 'interactive' : 'background',
  status: r.status,
  outDir: r.out_dir,
  overwrite: r.overwrite === 1,
  source: r.source,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export interface JobsRepo {
  insert(job: JobRow): void;
  get(id: string): JobRow | undefined;
  list(status?: JobStatus): JobRow[];
  /** Jobs this process should pick up again: not finished and not paused by the user. */
  unfinished(): JobRow[];
  setStatus(
    id: string,
    status: JobStatus,
    patch?: { startedAt?: number | null; finishedAt?: number | null },
  ): void;
  counts(id: string): JobCounts;
  /**
   * Deletes finished jobs (their items and log go with them) but not one still stopping its
   * running photo (cancelled, "Cancelling…"); returns their ids.
   */
  deleteFinished(): string[];
}

/** The `jobs` table. */
export function createJobsRepo(db: Database): JobsRepo {
  const insert = db.prepare(
    'INSERT INTO jobs (id, kind, options, priority, status, out_dir, overwrite, source, created_at, started_at, ' +
      'finished_at) VALUES (@id, @kind, @options, @priority, @status, @outDir, @overwrite, @source, @createdAt, ' +
      '@startedAt, @finishedAt)',
  );
  const get = db.prepare<[string], RawJob>('SELECT * FROM jobs WHERE id = ?');
  const list = db.prepare<[], RawJob>('SELECT * FROM jobs ORDER BY created_at DESC, id');
  const byStatus = db.prepare<[string], RawJob>(
    'SELECT * FROM jobs WHERE status = ? ORDER BY created_at DESC, id',
  );
  const unfinished = db.prepare<[], RawJob>(
    "SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY priority DESC, created_at",
  );
  const setStatus = db.prepare(`
    UPDATE jobs SET status = @status,
      started_at = CASE WHEN @setStarted THEN @startedAt ELSE started_at END,
      finished_at = CASE WHEN @setFinished THEN @finishedAt ELSE finished_at END
    WHERE id = @id`);
  const counts = db.prepare<[string], { status: string; n: number }>(
    'SELECT status, COUNT(*) AS n FROM items WHERE job_id = ? GROUP BY status',
  );
  const retryable = db.prepare<[string, string], { n: number }>(
    "SELECT COUNT(*) AS n FROM items WHERE job_id = ? AND status = 'failed' " +
      'AND (error_code IS NULL OR error_code NOT IN (SELECT value FROM json_each(?)))',
  );
  const permanent = JSON.stringify(PERMANENT_ERROR_CODES);
  const deleteFinished = db.prepare<[], { id: string }>(
    "DELETE FROM jobs WHERE status IN ('done', 'cancelled') " +
      "AND NOT EXISTS (SELECT 1 FROM items WHERE job_id = jobs.id AND status = 'running') RETURNING id",
  );
  return {
    insert: (job) =>
      insert.run({
        ...job,
        options: JSON.stringify(job.options),
        priority: job.priority === 'interactive' ? 1 : 0,
        overwrite: job.overwrite ? 1 : 0,
      }),
    get: (id) => {
      const r = get.get(id);
      return r && toRow(r);
    },
    list: (status) => (status ? byStatus.all(status) : list.all()).map(toRow),
    unfinished: () => unfinished.all().map(toRow),
    setStatus(id, status, patch = {}) {
      // Hot path: one statement prepared once; the flags say which timestamps to set.
      setStatus.run({
        id,
        status,
        setStarted: 'startedAt' in patch ? 1 : 0,
        startedAt: patch.startedAt ?? null,
        setFinished: 'finishedAt' in patch ? 1 : 0,
        finishedAt: patch.finishedAt ?? null,
      });
    },
    counts(id) {
      const c: JobCounts = {
        total: 0,
        queued: 0,
        running: 0,
        awaiting: 0,
        done: 0,
        failed: 0,
        skipped: 0,
        cancelled: 0,
        retryable: 0,
      };
      for (const row of counts.all(id)) {
        c[row.status as keyof Omit<JobCounts, 'total' | 'retryable'>] = row.n;
        c.total += row.n;
      }
      if (c.failed > 0) c.retryable = retryable.get(id, permanent)?.n ?? 0;
      return c;
    },
    deleteFinished: () => deleteFinished.all().map((r) => r.id),
  };
}
