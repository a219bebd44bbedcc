import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from 'better-sqlite3';
import PQueue from 'p-queue';
import { assertNever } from '../contract/errors.js';
import type { Settings } from '../contract/schemas.js';
import type { ItemRow, ItemsRepo } from '../db/itemsRepo.js';
import type { JobRow, JobsRepo } from '../db/jobsRepo.js';
import type { ResultsCacheRepo } from '../db/resultsCacheRepo.js';
import type { Clock } from '../kernel/clock.js';
import type { EventBus } from '../kernel/events.js';
import type { JobLog } from './jobLog.js';
import { OutcomeRecorder, type AbortReason } from './outcomes.js';
import type { OperationRegistry } from './registry.js';
import type { JobReporter } from './report.js';
import type { ResourceRegistry } from './resources.js';
import { recoverOrphans } from './recovery.js';
import { prepareRun, runItem, type ItemResult } from './runItem.js';

export type { AbortReason } from './outcomes.js';
const PROGRESS_EVERY_MS = 100;
/** How often a running engine looks for other processes' work (new jobs, dead owners). */
const WATCH_MS = 2000;
const RECOVER_EVERY = 5;
/** Items whose outputs may be on their way to disk at once (bounds memory held by encoded data). */
const MAX_TAILS = 2;

export interface SchedulerDeps {
  db: Database;
  jobs: JobsRepo;
  items: ItemsRepo;
  results: ResultsCacheRepo;
  report: JobReporter;
  events: EventBus;
  log: JobLog;
  operations: OperationRegistry;
  resources: ResourceRegistry;
  settings: () => Settings;
  clock: Clock;
  /** Process-level messages (not tied to one job). */
  logLine?: ((line: string) => void) | undefined;
}

interface Running {
  jobId: string;
  controller: AbortController;
  reason?: AbortReason;
}

/**
 * Runs items. SQLite rows are the truth; p-queue only bounds how many items of each resource run
 * at once. Every slot claims its item from the database when it starts, so priorities and pauses
 * apply at once, and two processes sharing the database never take the same item. Items held
 * back (retry backoff) or parked (awaiting) come due on one timer for the earliest of them.
 */
export class Scheduler {
  readonly owner = `${hostname()}|${process.pid}|${randomUUID().slice(0, 8)}`;
  private readonly queues = new Map<string, PQueue>();
  private readonly inFlight = new Map<number, Running>();
  /** Job ids this process runs; null = every job (desktop app and server). */
  private scope: Set<string> | null = new Set();
  private claimed = 0;
  private readonly tails = new Set<Promise<void>>();
  private readonly unservedSeen = new Set<string>();
  /** Removal of a crashed process's temporary files; claiming waits for it. */
  private cleanup: Promise<void> = Promise.resolve();
  private readonly outcomes: OutcomeRecorder;
  private timer: { at: number; cancel: () => void } | null = null;
  private watch: (() => void) | null = null;
  private dataVersion = -1;
  private stopped = false;

  constructor(private readonly d: SchedulerDeps) {
    this.outcomes = new OutcomeRecorder({
      db: d.db,
      items: d.items,
      results: d.results,
      report: d.report,
      events: d.events,
      log: d.log,
      now: () => d.clock.now(),
      owner: this.owner,
      maxAttempts: () => d.settings().maxAttempts,
    });
  }

  /**
   * Recovers items a dead process left running (and its temp files; an item that has used its
   * attempts fails instead of crashing the process again), wakes what came due while nothing
   * ran, then runs `jobIds` or all.
   */
  start(jobIds: string[] | 'all'): number {
    this.stopped = false;
    const requeued = this.recover();
    this.scope = jobIds === 'all' ? null : new Set([...(this.scope ?? []), ...jobIds]);
    void this.cleanup.then(() => this.wakeDue());
    this.armWatch(1);
    return requeued;
  }

  /** Items of dead processes on this machine: back to the queue (or failed, at the limit). */
  private recover(): number {
    const { requeued, failed, cleanup } = recoverOrphans(
      this.d.items,
      this.d.log,
      this.owner,
      this.d.settings().maxAttempts,
      this.d.clock.now(),
    );
    for (const jobId of new Set(failed.map((i) => i.jobId))) this.settleIfFinished(jobId);
    if (requeued.length + failed.length > 0) {
      this.d.logLine?.(`recovered ${requeued.length + failed.length} interrupted item(s)`);
      this.cleanup = this.cleanup.then(() => cleanup);
    }
    return requeued.length;
  }

  /**
   * A running engine notices what other processes do to the shared database: every WATCH_MS,
   * when SQLite's data_version says another connection committed (a job created by the CLI,
   * items woken elsewhere), it schedules again; every RECOVER_EVERY ticks it recovers the items
   * of processes that died meanwhile. One cheap pragma per tick when nothing changed.
   */
  private armWatch(tick: number): void {
    this.watch?.();
    this.watch = this.d.clock.setTimer(WATCH_MS, () => {
      if (this.stopped) return;
      const version = this.d.db.pragma('data_version', { simple: true }) as number;
      const changed = version !== this.dataVersion;
      this.dataVersion = version;
      const recovered = tick % RECOVER_EVERY === 0 ? this.recover() : 0;
      if (changed || recovered > 0) void this.cleanup.then(() => this.wakeDue());
      this.armWatch(tick + 1);
    });
  }

  /** Lets this process run `jobId` too (a resumed or retried job). */
  include(jobId: string): void {
    this.scope?.add(jobId);
    this.pump();
  }

  isLocal(itemId: number): boolean {
    return this.inFlight.has(itemId);
  }

  /** Wakes the awaiting items that wait on `waitFor` (a module saw its remote work finish). */
  wake(waitFor: string): number {
    const woken = this.d.items.wake(waitFor);
    if (woken > 0) this.pump();
    return woken;
  }

  /** Resolves once nothing in this process's scope is running or claimable now. */
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
    this.stopped = true;
    this.scope = new Set();
    this.timer?.cancel();
    this.timer = null;
    this.watch?.();
    this.watch = null;
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

  /** A job with nothing left queued, running or awaiting is done (failures are listed in it). */
  settleIfFinished(jobId: string): void {
    const job = this.d.jobs.get(jobId);
    if (!job || (job.status !== 'queued' && job.status !== 'running') || this.d.items.hasPending(jobId))
      return;
    const now = this.d.clock.now();
    this.d.jobs.setStatus(jobId, 'done', {
      finishedAt: now,
      ...(job.startedAt === null && { startedAt: now }),
    });
    this.d.report.progress(jobId, true);
    this.d.report.updated(jobId);
  }

  /**
   * Fills every resource's free slots with claimers; resources appear as their items do. Called
   * when work may have appeared (a job created, resumed, woken); after an item, only its own
   * resource is refilled, so the per-item cost stays one claim.
   */
  pump(): void {
    if (this.stopped || (this.scope !== null && this.scope.size === 0)) return;
    for (const resource of this.d.items.queuedResources()) this.fill(resource);
    this.armTimer();
  }

  private fill(resource: string): void {
    if (this.stopped || (this.scope !== null && this.scope.size === 0)) return;
    const concurrency = this.d.resources.concurrency(resource);
    if (concurrency === null) {
      this.unserved(resource);
      return;
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
        (ran) => ran && this.fill(resource),
        (error: unknown) =>
          this.d.logLine?.(
            `job scheduler: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          ),
      );
    }
  }

  /** Items wait for a resource nothing here serves yet (a module may register it later): say so once. */
  private unserved(resource: string): void {
    if (this.unservedSeen.has(resource)) return;
    this.unservedSeen.add(resource);
    this.d.logLine?.(`items wait for "${resource}", which nothing in this process runs yet`);
  }

  /** Parked items whose time came go back to the queue; then everything due is claimed. */
  private wakeDue(): void {
    if (this.stopped) return;
    this.d.items.wakeDue(this.d.clock.now());
    this.pump();
  }

  /** One timer, for the earliest item held back or parked until a time. */
  private armTimer(): void {
    const now = this.d.clock.now();
    const at = this.d.items.nextDueAt(now);
    if (at === null || (this.timer && this.timer.at <= at && this.timer.at > now)) return;
    this.timer?.cancel();
    const cancel = this.d.clock.setTimer(at - now, () => {
      this.timer = null;
      this.wakeDue();
    });
    this.timer = { at, cancel };
  }

  /**
   * Claims one item for `resource` and computes it in the slot; its outputs are then written in a
   * tail outside the slot (at most MAX_TAILS at once). False when there was nothing to claim.
   */
  private async claimAndRun(resource: string): Promise<boolean> {
    const now = this.d.clock.now();
    const item = this.d.items.claimNext(resource, this.owner, now, this.scope ? [...this.scope] : null);
    if (!item) return false;
    this.claimed += 1;
    const job = this.d.jobs.get(item.jobId);
    if (!job) return true;
    if (job.status === 'queued') {
      this.d.jobs.setStatus(job.id, 'running', { startedAt: now });
      this.d.report.updated(job.id);
    }
    this.d.report.estimator(job.id).start();
    const entry: Running = { jobId: job.id, controller: new AbortController() };
    this.inFlight.set(item.id, entry);
    // The time limit per photo: an item still computing then is stopped and fails.
    const limitMinutes = this.d.settings().itemTimeLimitMinutes;
    const cancelLimit = this.d.clock.setTimer(limitMinutes * 60_000, () => {
      entry.reason = 'timeout';
      entry.controller.abort();
    });
    this.d.events.emit('item.started', {
      jobId: job.id,
      itemId: item.id,
      inputPath: item.inputPath,
      attempt: item.attempts,
    });
    let result: ItemResult;
    try {
      result = await this.compute(item, job, entry.controller.signal);
    } catch (error) {
      this.inFlight.delete(item.id);
      if (!entry.controller.signal.aborted) throw error;
      this.outcomes.interrupted(item, job, entry.reason ?? 'stop', limitMinutes);
      this.afterItem(job.id);
      return true;
    } finally {
      cancelLimit();
    }
    if (result.status === 'done') {
      this.writeTail(item, job, result);
      if (this.tails.size >= MAX_TAILS) await Promise.race(this.tails);
      return true;
    }
    this.inFlight.delete(item.id);
    switch (result.status) {
      case 'skipped':
        this.outcomes.finish(item, job, { ...result, cache: [] });
        break;
      case 'failed':
        this.outcomes.finish(item, job, { ...result, outputs: [], cache: [] });
        break;
      case 'parked':
        this.outcomes.park(item, job, result.request);
        this.armTimer();
        break;
      case 'retry':
        this.outcomes.retry(item, job, result);
        this.armTimer();
        break;
      default:
        assertNever(result);
    }
    this.afterItem(job.id);
    return true;
  }

  /** Writes a done item's outputs outside its slot; it is done only once they are on disk. */
  private writeTail(item: ItemRow, job: JobRow, done: Extract<ItemResult, { status: 'done' }>): void {
    const tail: Promise<void> = this.outcomes.commit(item, job, done).finally(() => {
      this.tails.delete(tail);
      this.inFlight.delete(item.id);
      this.afterItem(job.id);
    });
    this.tails.add(tail);
  }

  private afterItem(jobId: string): void {
    this.settleIfFinished(jobId);
    if (this.d.items.hasActive(jobId)) {
      this.d.report.progress(jobId, false);
      return;
    }
    // Nothing left to run here: the last counts go out now, not throttled away. A job whose last
    // items parked (a batch, the cost cap) keeps its status, so job.updated says it too, and
    // whoever follows the job (the CLI) sees that all it has left is waiting.
    const job = this.d.jobs.get(jobId);
    if (job?.status === 'queued' || job?.status === 'running') {
      this.d.report.progress(jobId, true);
      this.d.report.updated(jobId);
    }
  }

  private compute(item: ItemRow, job: JobRow, signal: AbortSignal): Promise<ItemResult> {
    const prepared = prepareRun(item, job, this.d.operations);
    if ('status' in prepared) return Promise.resolve(prepared);
    const settings = this.d.settings();
    let lastSent = 0;
    return runItem(item, {
      ...prepared,
      results: this.d.results,
      limits: { maxInputBytes: settings.maxInputBytes, maxInputPixels: settings.maxInputPixels },
      signal,
      progress: (fraction) => {
        const t = this.d.clock.now();
        // Completion is recorded with the outcome; only partial progress needs its own write.
        if (fraction >= 1 || t - lastSent < PROGRESS_EVERY_MS) return;
        lastSent = t;
        this.d.items.setProgress(item.id, fraction);
        this.d.events.emit('item.progress', { jobId: job.id, itemId: item.id, progress: fraction });
        // A long item moves the job's bar too (throttled per job).
        this.d.report.progress(job.id, false);
      },
      pixels: (count) => this.d.items.setPixels(item.id, count),
      log: (message, { level = 'info', once = false } = {}) =>
        once
          ? this.d.log.once(job.id, item.id, level, message)
          : this.d.log.add(job.id, item.id, level, message),
    });
  }
}
