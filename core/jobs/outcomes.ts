import { basename } from 'node:path';
import type { Database } from 'better-sqlite3';
import { assertNever, type ErrorCode } from '../contract/errors.js';
import type { ItemRow, ItemsRepo } from '../db/itemsRepo.js';
import type { JobRow } from '../db/jobsRepo.js';
import type { ResultRow, ResultsCacheRepo } from '../db/resultsCacheRepo.js';
import type { EventBus } from '../kernel/events.js';
import type { JobLog } from './jobLog.js';
import { OutputOwnership } from './ownership.js';
import type { JobReporter } from './report.js';
import { commitWrites, toItemError, type ItemResult } from './runItem.js';
import { backoffMs, type ParkRequest } from './signals.js';
import type { ItemDetails } from './types.js';

export type AbortReason = 'pause' | 'cancel' | 'stop' | 'timeout';

export type Recorded = {
  outputs: string[];
  cache: ResultRow[];
  inputSha256: string | null;
  details?: ItemDetails | null;
} & (
  | { status: 'done' }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: { code: ErrorCode; message: string } }
);

export interface OutcomeDeps {
  db: Database;
  items: ItemsRepo;
  results: ResultsCacheRepo;
  report: JobReporter;
  events: EventBus;
  log: JobLog;
  now: () => number;
  owner: string;
  maxAttempts: () => number;
  random?: () => number;
}

/**
 * Writes what became of a claimed item: finished (done, skipped, failed), parked to wait on a
 * remote service, put back for a retry after a backoff, or interrupted. Each is one guarded
 * update (only the owner's running item changes), then the events and the job log.
 */
export class OutcomeRecorder {
  private readonly ownership: OutputOwnership;

  constructor(private readonly d: OutcomeDeps) {
    this.ownership = new OutputOwnership(d.results);
  }

  /** Writes the outcome (and its results-cache rows) in one transaction, then tells listeners. */
  finish(item: ItemRow, job: JobRow, r: Recorded): void {
    const finishedAt = this.d.now();
    const ref = { jobId: job.id, itemId: item.id };
    const recorded = this.d.db
      .transaction(() => {
        for (const row of r.cache) this.d.results.put(row);
        return this.d.items.finish(item.id, this.d.owner, {
          status: r.status,
          outputs: r.outputs,
          details: r.details ?? null,
          inputSha256: r.inputSha256,
          error: r.status === 'failed' ? r.error : null,
          finishedAt,
        });
      })
      .immediate();
    if (!recorded) return;
    this.d.report.estimator(job.id).complete();
    if (r.status === 'done') {
      this.d.events.emit('item.done', {
        ...ref,
        outputs: r.outputs,
        durationMs: finishedAt - (item.startedAt ?? finishedAt),
        details: r.details ?? null,
      });
    } else if (r.status === 'skipped') {
      this.d.events.emit('item.skipped', { ...ref, outputs: r.outputs, reason: r.reason });
    } else {
      this.d.events.emit('item.failed', { ...ref, inputPath: item.inputPath, ...r.error });
    }
  }

  /** Writes a done item's outputs (temporary name, fsync, rename); it is done once they are on disk. */
  commit(item: ItemRow, job: JobRow, done: Extract<ItemResult, { status: 'done' }>): Promise<void> {
    const occupied = this.ownership.forJob(done.opHash, job.overwrite);
    return commitWrites(done.writes, {
      inputPath: item.inputPath,
      inputSha256: done.inputSha256,
      opHash: done.opHash,
      occupied: (path) => occupied(path, item.inputPath),
      claim: (path) => this.ownership.claim(path, item.inputPath, done.inputSha256, done.opHash),
    }).then(
      ({ rows, notes }) =>
        this.finish(item, job, {
          status: 'done',
          outputs: rows.map((c) => c.outputPath),
          inputSha256: done.inputSha256,
          cache: rows,
          details: notes.length > 0 ? { ...done.details, note: notes.join(' ') } : done.details,
        }),
      (error: unknown) =>
        this.finish(item, job, {
          status: 'failed',
          inputSha256: done.inputSha256,
          error: toItemError(error, item),
          outputs: [],
          cache: [],
        }),
    );
  }

  /** The item waits on a remote service without holding a slot. */
  park(item: ItemRow, job: JobRow, request: ParkRequest): void {
    this.d.items.park(item.id, this.d.owner, {
      reason: request.reason,
      until: request.until ?? null,
      waitFor: request.waitFor ?? null,
      state: request.state ?? null,
    });
    this.d.log.add(job.id, item.id, 'info', `${basename(item.inputPath)}: ${request.reason}`);
    this.d.events.emit('item.awaiting', {
      jobId: job.id,
      itemId: item.id,
      reason: request.reason,
      until: request.until ?? null,
    });
  }

  /**
   * A retryable failure: back in the queue after a backoff (or the server's delay) until the
   * attempt limit, then failed for good with the last error.
   */
  retry(item: ItemRow, job: JobRow, r: Extract<ItemResult, { status: 'retry' }>): void {
    const name = basename(item.inputPath);
    const max = this.d.maxAttempts();
    if (!r.refund && item.attempts >= max) {
      this.d.log.add(job.id, item.id, 'error', `${name}: gave up after ${max} attempts: ${r.error.message}`);
      this.finish(item, job, {
        status: 'failed',
        inputSha256: r.inputSha256,
        error: { code: r.error.code, message: `${r.error.message} (gave up after ${max} attempts)` },
        outputs: [],
        cache: [],
      });
      return;
    }
    const delay = r.afterMs ?? backoffMs(item.attempts, this.d.random);
    this.d.items.requeue(item.id, this.d.owner, r.refund, this.d.now() + delay);
    const tries = r.refund ? 'this try does not count' : `attempt ${item.attempts} of ${max}`;
    this.d.log.add(
      job.id,
      item.id,
      'warn',
      `${name}: ${r.error.message}; trying again in ${Math.ceil(delay / 1000)} s (${tries})`,
    );
  }

  /** Aborted by a pause, a cancel, the time limit, or the process stopping. */
  interrupted(item: ItemRow, job: JobRow, reason: AbortReason, limitMinutes: number): void {
    switch (reason) {
      case 'cancel': {
        const error = { code: 'CANCELLED' as const, message: `${item.inputPath}: cancelled.` };
        this.d.items.finish(item.id, this.d.owner, { status: 'cancelled', error, finishedAt: this.d.now() });
        break;
      }
      case 'timeout':
        this.finish(item, job, {
          status: 'failed',
          inputSha256: null,
          error: {
            code: 'LIMIT_EXCEEDED',
            message: `${item.inputPath}: stopped after ${limitMinutes} minutes, the time limit per photo (Settings → Time limit per photo).`,
          },
          outputs: [],
          cache: [],
        });
        break;
      case 'pause':
      case 'stop':
        this.d.items.requeue(item.id, this.d.owner, true);
        break;
      default:
        assertNever(reason);
    }
  }
}
