import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import PQueue from 'p-queue';
import type { EventBus } from '../kernel/events.js';
import { summarizeIssues } from '../contract/define.js';
import type { ErrorCode } from '../contract/errors.js';
import type { Settings } from '../contract/schemas.js';
import { removeStaleTemps } from '../kernel/atomicWrite.js';
import type { ItemRow, ItemsRepo } from '../db/itemsRepo.js';
import type { JobRow, JobsRepo } from '../db/jobsRepo.js';
import type { ResultRow, ResultsCacheRepo } from '../db/resultsCacheRepo.js';
import { isOrphanOwner, pidAlive } from '../kernel/owner.js';
import type { OperationRegistry } from './registry.js';
import type { ResourceRegistry } from './resources.js';
import type { ItemDetails } from './types.js';
import type { JobReporter } from './report.js';
import { commitWrites, runItem, toItemError, type ItemResult } from './runItem.js';

export type AbortReason = 'pause' | 'cancel' | 'stop';
const PROGRESS_EVERY_MS = 100;
/** Items whose outputs may be on their way to disk at once (bounds memory held by encoded data). */
const MAX_TAILS = 2;

type Recorded = {
  outputs: string[];
  cache: ResultRow[];
  inputSha256: string | null;
  details?: ItemDetails | null;
} & (
  | { status: 'done' }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: { code: ErrorCode; message: string } }
);

export interface SchedulerDeps {
  db: Database;
  jobs: JobsRepo;
  items: ItemsRepo;
  results: ResultsCacheRepo;
  report: JobReporter;
  events: EventBus;
  operations: OperationRegistry;
  resources: ResourceRegistry;
  settings: () => Settings;
  now: () => number;
  log?: ((line: string) => void) | undefined;
}

/**
 * Runs items. SQLite rows are the truth; p-queue only bounds how many items of each resource run
 * at once. Every slot claims its item from the database when it starts, so priorities and pauses
 * apply at once, and two processes sharing the database never take the same item.
 */
export class Scheduler {
  readonly owner = `${hostname()}|${process.pid}|${randomUUID().slice(0, 8)}`;
  private readonly queues = new Map<string, PQueue>();
  private readonly inFlight = new Map<
    number,
    { jobId: string; controller: AbortController; reason?: AbortReason }
  >();
  /** Job ids this process runs; null = every job (desktop app and server). */
  private scope: Set<string> | null = new Set();
  private claimed = 0;
  private readonly tails = new Set<Promise<void>>();
  private readonly unservedSeen = new Set<string>();
  /** Removal of a crashed process's temporary files; claiming waits for it. */
  private cleanup: Promise<void> = Promise.resolve();

  constructor(private readonly d: SchedulerDeps) {}

  /** Recovers items a dead process left running (and its temp files), then runs `jobIds` or all. */
  start(jobIds: string[] | 'all'): number {
    const recovered = this.d.items.recover((owner) => isOrphanOwner(owner, this.owner));
    if (recovered.length > 0) {
      this.d.log?.(`recovered ${recovered.length} interrupted item(s)`);
      const folders = new Set(recovered.flatMap((i) => (i.outputPath ? [dirname(i.outputPath)] : [])));
      this.cleanup = Promise.all([...folders].map((dir) => removeStaleTemps(dir, pidAlive))).then(
        () => undefined,
      );
    }
    this.scope = jobIds === 'all' ? null : new Set([...(this.scope ?? []), ...jobIds]);
    void this.cleanup.then(() => this.pump());
    return recovered.length;
  }

  /** Lets this process run `jobId` too (a resumed or retried job). */
  include(jobId: string): void {
    this.scope?.add(jobId);
    this.pump();
  }

  isLocal(itemId: number): boolean {
    return this.inFlight.has(itemId);
  }

  /** Resolves once nothing in this process's scope is running or claimable. */
  async drain(): Promise<void> {
    const idle = (): Promise<unknown> => Promise.all([...this.queues.values()].map((q) => q.onIdle()));
    const settled = async (): Promise<void> => {
      await idle();
      await Promise.all([...this.tails]);
    };
    await this.cleanup;
    for (;;) {
      await settled();
      const before = this.claimed;
      this.pump();
      await settled();
      if (this.claimed === before) return;
    }
  }

  /** Interrupts running items (they go back to the queue, attempt refunded) and waits for them. */
  async stop(): Promise<void> {
    this.scope = new Set();
    for (const entry of this.inFlight.values()) {
      entry.reason = 'stop';
      entry.controller.abort();
    }
    await Promise.all([...this.queues.values()].map((q) => q.onIdle()));
    await Promise.all([...this.tails]);
  }

  /** Aborts this process's running items of a job (`itemId`: just that one). */
  abort(jobId: string, reason: AbortReason, itemId?: number): void {
    for (const entry of this.inFlight.values()) {
      if (entry.jobId !== jobId) continue;
      if (itemId !== undefined && this.inFlight.get(itemId) !== entry) continue;
      entry.reason = reason;
      entry.controller.abort();
    }
  }

  /** A job with nothing left queued or running is done (failures included: they are listed). */
  settleIfFinished(jobId: string): void {
    const job = this.d.jobs.get(jobId);
    if (!job || (job.status !== 'queued' && job.status !== 'running') || this.d.items.hasPending(jobId))
      return;
    this.d.jobs.setStatus(jobId, 'done', {
      finishedAt: this.d.now(),
      ...(job.startedAt === null && { startedAt: this.d.now() }),
    });
    this.d.report.progress(jobId, true);
    this.d.report.updated(jobId);
  }

  /** Fills every resource's free slots with claimers; resources appear as their items do. */
  pump(): void {
    if (this.scope !== null && this.scope.size === 0) return;
    for (const resource of this.d.items.queuedResources()) {
      const concurrency = this.d.resources.concurrency(resource);
      if (concurrency === null) {
        this.unserved(resource);
        continue;
      }
      let q = this.queues.get(resource);
      if (!q) {
        q = new PQueue({ concurrency: Math.max(1, concurrency) });
        this.queues.set(resource, q);
      } else if (concurrency > 0 && q.concurrency !== concurrency) {
        q.concurrency = concurrency;
      }
      while (q.size + q.pending < concurrency) {
        // Refill from the settled promise: by then p-queue has freed the slot.
        q.add(() => this.claimAndRun(resource)).then(
          (ran) => ran && this.pump(),
          (error: unknown) =>
            this.d.log?.(
              `job scheduler: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
            ),
        );
      }
    }
  }

  /** Items wait for a resource nothing here serves yet (a module may register it later): say so once. */
  private unserved(resource: string): void {
    if (this.unservedSeen.has(resource)) return;
    this.unservedSeen.add(resource);
    this.d.log?.(`items wait for "${resource}", which nothing in this process runs yet`);
  }

  /**
   * Claims one item for `resource` and computes it in the slot; its outputs are then written in a
   * tail outside the slot (at most MAX_TAILS at once). False when there was nothing to claim.
   */
  private async claimAndRun(resource: string): Promise<boolean> {
    const item = this.d.items.claimNext(
      resource,
      this.owner,
      this.d.now(),
      this.scope ? [...this.scope] : null,
    );
    if (!item) return false;
    this.claimed += 1;
    const job = this.d.jobs.get(item.jobId);
    if (!job) return true;
    if (job.status === 'queued') {
      this.d.jobs.setStatus(job.id, 'running', { startedAt: this.d.now() });
      this.d.report.updated(job.id);
    }
    this.d.report.estimator(job.id).start();
    const controller = new AbortController();
    const entry: { jobId: string; controller: AbortController; reason?: AbortReason } = {
      jobId: job.id,
      controller,
    };
    this.inFlight.set(item.id, entry);
    this.d.events.emit('item.started', {
      jobId: job.id,
      itemId: item.id,
      inputPath: item.inputPath,
      attempt: item.attempts,
    });
    let result: ItemResult;
    try {
      result = await this.compute(item, job, controller.signal);
    } catch (error) {
      this.inFlight.delete(item.id);
      if (!controller.signal.aborted) throw error;
      this.interrupted(item, entry.reason ?? 'stop');
      this.afterItem(job.id);
      return true;
    }
    if (result.status !== 'done') {
      this.inFlight.delete(item.id);
      this.record(
        item,
        job,
        result.status === 'skipped' ? { ...result, cache: [] } : { ...result, outputs: [], cache: [] },
      );
      this.afterItem(job.id);
      return true;
    }
    const done = result;
    const tail: Promise<void> = commitWrites(done.writes, done.inputSha256, done.opHash)
      .then(
        (cache) =>
          this.record(item, job, {
            status: 'done',
            outputs: cache.map((c) => c.outputPath),
            inputSha256: done.inputSha256,
            cache,
            details: done.details,
          }),
        (error: unknown) =>
          this.record(item, job, {
            status: 'failed',
            inputSha256: done.inputSha256,
            error: toItemError(error, item),
            outputs: [],
            cache: [],
          }),
      )
      .finally(() => {
        this.tails.delete(tail);
        this.inFlight.delete(item.id);
        this.afterItem(job.id);
      });
    this.tails.add(tail);
    if (this.tails.size >= MAX_TAILS) await Promise.race(this.tails);
    return true;
  }

  private afterItem(jobId: string): void {
    this.settleIfFinished(jobId);
    this.d.report.progress(jobId, false);
  }

  private compute(item: ItemRow, job: JobRow, signal: AbortSignal): Promise<ItemResult> {
    // Options were stored when the job was made, perhaps by another version: parse them again.
    const operation = this.d.operations.find(job.kind);
    if (!operation) {
      return Promise.resolve(outdated(item, `it is a "${job.kind}" job, which this Pixelsmith does not run`));
    }
    const options = operation.optionsSchema.safeParse(job.options);
    if (!options.success) {
      return Promise.resolve(
        outdated(item, `its options are not valid any more (${summarizeIssues(options.error.issues)})`),
      );
    }
    const settings = this.d.settings();
    let lastSent = 0;
    return runItem(item, {
      operation,
      options: options.data,
      results: this.d.results,
      limits: { maxInputBytes: settings.maxInputBytes, maxInputPixels: settings.maxInputPixels },
      signal,
      progress: (fraction) => {
        const t = this.d.now();
        // Completion is recorded with the outcome; only partial progress needs its own write.
        if (fraction >= 1 || t - lastSent < PROGRESS_EVERY_MS) return;
        lastSent = t;
        this.d.items.setProgress(item.id, fraction);
        this.d.events.emit('item.progress', { jobId: job.id, itemId: item.id, progress: fraction });
      },
    });
  }

  /** Writes the outcome (and its results-cache rows) in one transaction, then tells listeners. */
  private record(item: ItemRow, job: JobRow, r: Recorded): void {
    const finishedAt = this.d.now();
    const ref = { jobId: job.id, itemId: item.id };
    const recorded = this.d.db
      .transaction(() => {
        for (const row of r.cache) this.d.results.put(row);
        return this.d.items.finish(item.id, this.owner, {
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
    if (r.status === 'done')
      this.d.events.emit('item.done', {
        ...ref,
        outputs: r.outputs,
        durationMs: finishedAt - (item.startedAt ?? finishedAt),
        details: r.details ?? null,
      });
    else if (r.status === 'skipped')
      this.d.events.emit('item.skipped', { ...ref, outputs: r.outputs, reason: r.reason });
    else this.d.events.emit('item.failed', { ...ref, inputPath: item.inputPath, ...r.error });
  }

  private interrupted(item: ItemRow, reason: AbortReason): void {
    if (reason === 'cancel') {
      const error = { code: 'CANCELLED' as const, message: `${item.inputPath}: cancelled.` };
      this.d.items.finish(item.id, this.owner, { status: 'cancelled', error, finishedAt: this.d.now() });
    } else {
      this.d.items.requeue(item.id, this.owner, true);
    }
  }
}

/** A job stored by another version that this one cannot run: the item fails, saying what to do. */
function outdated(item: ItemRow, why: string): ItemResult {
  return {
    status: 'failed',
    inputSha256: null,
    error: {
      code: 'OPTIONS_OUTDATED',
      message: `${item.inputPath}: this job was made by another version of Pixelsmith and ${why}; create the job again.`,
    },
  };
}
