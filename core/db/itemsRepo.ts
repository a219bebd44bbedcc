import type { Database } from 'better-sqlite3';
import { PERMANENT_ERROR_CODES, type ErrorCode } from '../contract/errors.js';
import type { ItemStatus, JobItem } from '../contract/jobs.js';

export interface NewItem {
  jobId: string;
  seq: number;
  resource: string;
  inputPath: string;
  relDir: string;
  outputPath: string | null;
  /** Input width × height when the caller knows it (a library selection). */
  pixels?: number | null;
  /** Items that already failed while being listed (an unreadable folder, a link loop). */
  failed?: { code: ErrorCode; message: string };
}

interface RawItem {
  id: number;
  job_id: string;
  seq: number;
  resource: string;
  input_path: string;
  rel_dir: string;
  input_sha256: string | null;
  status: ItemStatus;
  attempts: number;
  owner: string | null;
  output_path: string | null;
  outputs: string;
  details: string | null;
  error_code: string | null;
  error_message: string | null;
  progress: number;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  pixels: number | null;
  not_before: number | null;
  wait_for: string | null;
  wait_reason: string | null;
  state: string | null;
}

/** An item as the engine sees it: the public item plus what only scheduling needs. */
export type ItemRow = Omit<JobItem, 'shownPath'> & {
  resource: string;
  owner: string | null;
  /** Not claimed (queued) or not woken (awaiting) before this time. */
  notBefore: number | null;
  /** What an awaiting item waits on, for the module that wakes it (e.g. `batch:<name>`). */
  waitFor: string | null;
  /** What the operation saved when it parked, handed back when it runs again. */
  state: unknown;
};

const toItem = (r: RawItem): ItemRow => ({
  id: r.id,
  jobId: r.job_id,
  seq: r.seq,
  resource: r.resource,
  owner: r.owner,
  inputPath: r.input_path,
  relDir: r.rel_dir,
  pixels: r.pixels,
  inputSha256: r.input_sha256,
  status: r.status,
  attempts: r.attempts,
  outputPath: r.output_path,
  outputs: JSON.parse(r.outputs) as string[],
  details: r.details === null ? null : (JSON.parse(r.details) as Record<string, string | number>),
  errorCode: r.error_code as ErrorCode | null,
  errorMessage: r.error_message,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationMs: r.duration_ms,
  progress: r.progress,
  waitReason: r.status === 'awaiting' ? r.wait_reason : null,
  waitUntil: r.status === 'awaiting' ? r.not_before : null,
  notBefore: r.not_before,
  waitFor: r.wait_for,
  state: r.state === null ? null : (JSON.parse(r.state) as unknown),
});

export interface Outcome {
  status: Extract<ItemStatus, 'done' | 'failed' | 'skipped' | 'cancelled'>;
  outputs?: string[];
  details?: Record<string, string | number> | null;
  inputSha256?: string | null;
  error?: { code: ErrorCode; message: string } | null;
  finishedAt: number;
}

export interface Park {
  /** Why it waits, as shown with the item. */
  reason: string;
  /** Woken by time at the latest (null: only when a module wakes it). */
  until: number | null;
  waitFor: string | null;
  state: unknown;
}

export interface ItemsRepo {
  insertMany(items: readonly NewItem[], now: number): void;
  get(id: number): ItemRow | undefined;
  page(
    jobId: string,
    offset: number,
    limit: number,
    status?: ItemStatus,
  ): { items: ItemRow[]; total: number };
  /**
   * Atomically takes the next queued item for `resource` that is due (interactive jobs first,
   * then oldest job, then list order), marks it running for `owner` and counts the attempt. One
   * statement, so two processes sharing the database never take the same item.
   */
  claimNext(
    resource: string,
    owner: string,
    now: number,
    scope: readonly string[] | null,
  ): ItemRow | undefined;
  /** Records an outcome, but only if `owner` still holds the item (a cancel may have won). */
  finish(id: number, owner: string, outcome: Outcome): boolean;
  /**
   * Puts a running item back in the queue, claimable from `notBefore` (null: at once);
   * `refundAttempt` when the try does not count (a pause, a rate limit).
   */
  requeue(id: number, owner: string, refundAttempt: boolean, notBefore?: number | null): void;
  /** Parks a running item as `awaiting` (the try does not count); it holds no slot until woken. */
  park(id: number, owner: string, park: Park): void;
  /** Wakes awaiting items whose time has come; returns how many. */
  wakeDue(now: number): number;
  /** Wakes the awaiting items that wait on `waitFor`; returns how many. */
  wake(waitFor: string): number;
  /** The earliest future time an item becomes due (queued with a backoff, or awaiting), or null. */
  nextDueAt(now: number): number | null;
  setProgress(id: number, progress: number): void;
  /** Resources that have queued items (the scheduler makes a queue for each it can serve). */
  queuedResources(): string[];
  runningOf(jobId: string): ItemRow[];
  runningAll(): ItemRow[];
  /** Cancels a job's items that have not started (queued and awaiting). */
  cancelQueued(jobId: string, now: number): number;
  cancelQueuedItem(id: number, now: number): boolean;
  /** Queues a job's failed items again, those that may succeed (see `isRetryable`). */
  retryFailed(jobId: string): number;
  /** Records an input's size once its item has read it. */
  setPixels(id: number, pixels: number): void;
  /** Pixels of a job's unfinished items: the sum of those known, and how many are (not) known. */
  pixelsLeft(jobId: string): { known: number; withPixels: number; withoutPixels: number };
  /**
   * This machine's speed for a kind of work, from its last 50 finished items with a known size:
   * those with the same options when there are any, else any of the kind. Null before any.
   */
  measuredSpeed(kind: string, options: string): { msPerPixel: number; items: number } | null;
  /**
   * Running items whose owner is gone go back to the queue (their attempt stays counted); those
   * that have used `maxAttempts` fail with `giveUp`'s error instead. Returns both kinds.
   */
  recover(
    isOrphan: (owner: string | null) => boolean,
    maxAttempts: number,
    giveUp: (item: ItemRow) => { code: ErrorCode; message: string },
    now: number,
  ): { requeued: ItemRow[]; failed: ItemRow[] };
  hasPending(jobId: string): boolean;
  /** Whether any item of the job is queued or running (awaiting ones are not). */
  hasActive(jobId: string): boolean;
}

/** The `items` table. Every statement is prepared once: these run for every item of every job. */
export function createItemsRepo(db: Database): ItemsRepo {
  const insert = db.prepare(
    'INSERT INTO items (job_id, seq, resource, input_path, rel_dir, status, output_path, error_code, ' +
      'error_message, finished_at, pixels) VALUES (@jobId, @seq, @resource, @inputPath, @relDir, @status, ' +
      '@outputPath, @errorCode, @errorMessage, @finishedAt, @pixels)',
  );
  const get = db.prepare<[number], RawItem>('SELECT * FROM items WHERE id = ?');
  const pageAll = db.prepare<[string, number, number], RawItem>(
    'SELECT * FROM items WHERE job_id = ? ORDER BY seq LIMIT ? OFFSET ?',
  );
  const pageByStatus = db.prepare<[string, string, number, number], RawItem>(
    'SELECT * FROM items WHERE job_id = ? AND status = ? ORDER BY seq LIMIT ? OFFSET ?',
  );
  const countAll = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM items WHERE job_id = ?');
  const countByStatus = db.prepare<[string, string], { n: number }>(
    'SELECT COUNT(*) AS n FROM items WHERE job_id = ? AND status = ?',
  );
  const claim = db.prepare<{ resource: string; owner: string; now: number; scope: string | null }, RawItem>(`
    UPDATE items SET status = 'running', attempts = attempts + 1, owner = @owner, started_at = @now,
      progress = 0, not_before = NULL
    WHERE id = (
      SELECT i.id FROM items i
      WHERE i.status = 'queued' AND i.resource = @resource AND (i.not_before IS NULL OR i.not_before <= @now)
        AND i.job_id = (
          -- First the job (few rows), then its first due item: both are index seeks.
          SELECT j.id FROM jobs j
          WHERE j.status IN ('queued', 'running')
            AND (@scope IS NULL OR j.id IN (SELECT value FROM json_each(@scope)))
            AND EXISTS (
              SELECT 1 FROM items q
              WHERE q.status = 'queued' AND q.resource = @resource AND q.job_id = j.id
                AND (q.not_before IS NULL OR q.not_before <= @now)
            )
          ORDER BY j.priority DESC, j.created_at, j.id
          LIMIT 1
        )
      ORDER BY i.seq
      LIMIT 1
    )
    RETURNING *`);
  const finish = db.prepare(`
    UPDATE items SET status = @status, outputs = @outputs, details = @details,
      input_sha256 = COALESCE(@inputSha256, input_sha256), error_code = @errorCode,
      error_message = @errorMessage, finished_at = @finishedAt, owner = NULL, state = NULL, wait_for = NULL,
      progress = CASE WHEN @status = 'done' OR @status = 'skipped' THEN 1 ELSE progress END,
      duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE @finishedAt - started_at END
    WHERE id = @id AND status = 'running' AND owner = @owner`);
  const requeue = db.prepare(`
    UPDATE items SET status = 'queued', owner = NULL, started_at = NULL, progress = 0, not_before = @notBefore,
      attempts = CASE WHEN @refund THEN MAX(attempts - 1, 0) ELSE attempts END
    WHERE id = @id AND status = 'running' AND owner = @owner`);
  const park = db.prepare(`
    UPDATE items SET status = 'awaiting', owner = NULL, started_at = NULL, progress = 0,
      not_before = @until, wait_for = @waitFor, wait_reason = @reason, state = @state,
      attempts = MAX(attempts - 1, 0)
    WHERE id = @id AND status = 'running' AND owner = @owner`);
  const wakeDue = db.prepare(
    "UPDATE items SET status = 'queued', not_before = NULL WHERE status = 'awaiting' AND not_before <= ?",
  );
  const wake = db.prepare(
    "UPDATE items SET status = 'queued', not_before = NULL WHERE status = 'awaiting' AND wait_for = ?",
  );
  const nextDue = db.prepare<[number], { at: number | null }>(
    "SELECT MIN(not_before) AS at FROM items WHERE not_before > ? AND status IN ('queued', 'awaiting')",
  );
  const setProgress = db.prepare("UPDATE items SET progress = ? WHERE id = ? AND status = 'running'");
  const running = db.prepare<[string], RawItem>(
    "SELECT * FROM items WHERE job_id = ? AND status = 'running'",
  );
  const runningAll = db.prepare<[], RawItem>("SELECT * FROM items WHERE status = 'running'");
  const queuedResources = db.prepare<[], { resource: string }>(
    "SELECT DISTINCT resource FROM items WHERE status = 'queued'",
  );
  const cancelQueued = db.prepare(
    "UPDATE items SET status = 'cancelled', finished_at = ?, wait_for = NULL, state = NULL " +
      "WHERE job_id = ? AND status IN ('queued', 'awaiting')",
  );
  const cancelQueuedItem = db.prepare(
    "UPDATE items SET status = 'cancelled', finished_at = ?, wait_for = NULL, state = NULL " +
      "WHERE id = ? AND status IN ('queued', 'awaiting')",
  );
  const retryFailed = db.prepare(
    "UPDATE items SET status = 'queued', error_code = NULL, error_message = NULL, finished_at = NULL, " +
      "duration_ms = NULL, progress = 0, not_before = NULL WHERE job_id = ? AND status = 'failed' " +
      'AND (error_code IS NULL OR error_code NOT IN (SELECT value FROM json_each(?)))',
  );
  const permanent = JSON.stringify(PERMANENT_ERROR_CODES);
  const setPixels = db.prepare('UPDATE items SET pixels = ? WHERE id = ?');
  const pixelsLeft = db.prepare<[string], { known: number | null; with: number; n: number }>(
    'SELECT SUM(pixels) AS known, COUNT(pixels) AS with, COUNT(*) AS n FROM items ' +
      "WHERE job_id = ? AND status IN ('queued', 'running', 'awaiting')",
  );
  const speed = db.prepare<
    [string, string | null, string | null],
    { ms: number | null; px: number | null; n: number }
  >(`
    SELECT SUM(d) AS ms, SUM(p) AS px, COUNT(*) AS n FROM (
      SELECT i.duration_ms AS d, i.pixels AS p FROM items i JOIN jobs j ON j.id = i.job_id
      WHERE i.status = 'done' AND i.pixels IS NOT NULL AND i.duration_ms > 0 AND j.kind = ?
        AND (? IS NULL OR j.options = ?)
      ORDER BY i.finished_at DESC LIMIT 50
    )`);
  const reset = db.prepare(
    "UPDATE items SET status = 'queued', owner = NULL, started_at = NULL, progress = 0 " +
      "WHERE id = ? AND status = 'running'",
  );
  const giveUp = db.prepare(
    "UPDATE items SET status = 'failed', owner = NULL, error_code = ?, error_message = ?, finished_at = ? " +
      "WHERE id = ? AND status = 'running'",
  );
  // EXISTS-style: stops at the first pending row instead of counting them all.
  const pending = db.prepare<[string], { one: number }>(
    "SELECT 1 AS one FROM items WHERE status IN ('queued', 'running', 'awaiting') AND job_id = ? LIMIT 1",
  );
  const active = db.prepare<[string], { one: number }>(
    "SELECT 1 AS one FROM items WHERE status IN ('queued', 'running') AND job_id = ? LIMIT 1",
  );

  return {
    insertMany(items, now) {
      for (const item of items) {
        insert.run({
          ...item,
          status: item.failed ? 'failed' : 'queued',
          errorCode: item.failed?.code ?? null,
          errorMessage: item.failed?.message ?? null,
          finishedAt: item.failed ? now : null,
          pixels: item.pixels ?? null,
        });
      }
    },
    get: (id) => {
      const r = get.get(id);
      return r && toItem(r);
    },
    page(jobId, offset, limit, status) {
      const rows = status
        ? pageByStatus.all(jobId, status, limit, offset)
        : pageAll.all(jobId, limit, offset);
      const total = (status ? countByStatus.get(jobId, status) : countAll.get(jobId))?.n ?? 0;
      return { items: rows.map(toItem), total };
    },
    claimNext(resource, owner, now, scope) {
      const r = claim.get({ resource, owner, now, scope: scope ? JSON.stringify(scope) : null });
      return r && toItem(r);
    },
    finish(id, owner, o) {
      return (
        finish.run({
          id,
          owner,
          status: o.status,
          outputs: JSON.stringify(o.outputs ?? []),
          details: o.details ? JSON.stringify(o.details) : null,
          inputSha256: o.inputSha256 ?? null,
          errorCode: o.error?.code ?? null,
          errorMessage: o.error?.message ?? null,
          finishedAt: o.finishedAt,
        }).changes === 1
      );
    },
    requeue: (id, owner, refund, notBefore = null) =>
      void requeue.run({ id, owner, refund: refund ? 1 : 0, notBefore }),
    park: (id, owner, p) =>
      void park.run({
        id,
        owner,
        until: p.until,
        waitFor: p.waitFor,
        reason: p.reason,
        state: p.state === undefined || p.state === null ? null : JSON.stringify(p.state),
      }),
    wakeDue: (now) => wakeDue.run(now).changes,
    wake: (waitFor) => wake.run(waitFor).changes,
    nextDueAt: (now) => nextDue.get(now)?.at ?? null,
    setProgress: (id, progress) => void setProgress.run(progress, id),
    runningOf: (jobId) => running.all(jobId).map(toItem),
    queuedResources: () => queuedResources.all().map((r) => r.resource),
    runningAll: () => runningAll.all().map(toItem),
    cancelQueued: (jobId, now) => cancelQueued.run(now, jobId).changes,
    cancelQueuedItem: (id, now) => cancelQueuedItem.run(now, id).changes === 1,
    retryFailed: (jobId) => retryFailed.run(jobId, permanent).changes,
    setPixels: (id, pixels) => void setPixels.run(pixels, id),
    pixelsLeft(jobId) {
      const r = pixelsLeft.get(jobId);
      return { known: r?.known ?? 0, withPixels: r?.with ?? 0, withoutPixels: (r?.n ?? 0) - (r?.with ?? 0) };
    },
    measuredSpeed(kind, options) {
      for (const same of [options, null]) {
        const r = speed.get(kind, same, same);
        if (r && r.n > 0 && r.ms && r.px) return { msPerPixel: r.ms / r.px, items: r.n };
      }
      return null;
    },
    recover(isOrphan, maxAttempts, giveUpWith, now) {
      const out: { requeued: ItemRow[]; failed: ItemRow[] } = { requeued: [], failed: [] };
      db.transaction(() => {
        for (const raw of runningAll.all()) {
          if (!isOrphan(raw.owner)) continue;
          const row = toItem(raw);
          if (row.attempts >= maxAttempts) {
            const error = giveUpWith(row);
            if (giveUp.run(error.code, error.message, now, row.id).changes === 1) out.failed.push(row);
          } else if (reset.run(row.id).changes === 1) {
            out.requeued.push(row);
          }
        }
      }).immediate();
      return out;
    },
    hasPending: (jobId) => pending.get(jobId) !== undefined,
    hasActive: (jobId) => active.get(jobId) !== undefined,
  };
}
