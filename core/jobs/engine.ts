import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import PQueue from 'p-queue';
import type { EventBus } from '../app/events.js';
import { summarizeIssues } from '../contract/dispatch.js';
import { RpcError } from '../contract/errors.js';
import type { JobItem, JobSummary } from '../contract/jobs.js';
import type { Settings } from '../contract/schemas.js';
import { removeStaleTemps } from '../files/atomicWrite.js';
import { createItemsRepo, type ItemRow } from '../db/itemsRepo.js';
import { createJobsRepo, type JobRow } from '../db/jobsRepo.js';
import { createResultsCacheRepo } from '../db/resultsCacheRepo.js';
import { EtaEstimator } from './eta.js';
import { listInputs } from './inputs.js';
import { checkTemplate, DEFAULT_TEMPLATE, planOutputs } from './naming.js';
import { isOrphanOwner, pidAlive } from './owner.js';
import type { OperationRegistry } from './registry.js';
import { runItem } from './runItem.js';

export interface CreateJobRequest {
  kind: string;
  options: Record<string, unknown>;
  paths: string[];
  outDir?: string | undefined;
  template?: string | undefined;
  suffix?: string | undefined;
  priority: 'interactive' | 'background';
}

export interface JobEngineOptions {
  db: Database;
  events: EventBus;
  registry: OperationRegistry;
  settings: () => Settings;
  /** Concurrency per resource, e.g. `{ cpu: cores - 1, gpu: 1 }`. */
  resources: Record<string, number>;
  now?: () => number;
  log?: (line: string) => void;
}

type AbortReason = 'pause' | 'cancel' | 'stop';
const PROGRESS_EVERY_MS = 100;

/**
 * The job engine. SQLite rows are the truth; p-queue only bounds how many items of each resource
 * run at once. Every slot claims its item from the database when it starts, so priorities and
 * pauses apply at once, and two processes sharing the database never take the same item.
 */
export class JobEngine {
  private readonly jobs;
  private readonly items;
  private readonly results;
  private readonly now: () => number;
  private readonly owner = `${hostname()}|${process.pid}|${randomUUID().slice(0, 8)}`;
  private readonly queues = new Map<string, PQueue>();
  private readonly inFlight = new Map<number, { jobId: string; controller: AbortController; reason?: AbortReason }>();
  private readonly estimators = new Map<string, EtaEstimator>();
  private readonly lastProgress = new Map<string, number>();
  /** Job ids this process runs; null = every job (desktop app and server). */
  private scope: Set<string> | null = new Set();
  private claimed = 0;
  /** Removal of a crashed process's temporary files; claiming waits for it. */
  private cleanup: Promise<void> = Promise.resolve();

  constructor(private readonly o: JobEngineOptions) {
    this.jobs = createJobsRepo(o.db);
    this.items = createItemsRepo(o.db);
    this.results = createResultsCacheRepo(o.db);
    this.now = o.now ?? Date.now;
  }

  /**
   * Recovers items left running by a dead process (and the temporary files it left in their
   * output folders), then runs `jobIds` (or every job) from here on. Returns how many recovered.
   */
  start(jobIds: string[] | 'all' = 'all'): number {
    const recovered = this.items.recover((owner) => isOrphanOwner(owner, this.owner));
    if (recovered.length > 0) {
      this.o.log?.(`recovered ${recovered.length} interrupted item(s)`);
      const folders = new Set(recovered.flatMap((i) => (i.outputPath ? [dirname(i.outputPath)] : [])));
      this.cleanup = Promise.all([...folders].map((dir) => removeStaleTemps(dir, pidAlive))).then(() => undefined);
    }
    this.scope = jobIds === 'all' ? null : new Set([...(this.scope ?? []), ...jobIds]);
    void this.cleanup.then(() => this.pump());
    return recovered.length;
  }

  async create(req: CreateJobRequest): Promise<JobSummary> {
    const op = this.o.registry.get(req.kind);
    const parsed = op.optionsSchema.safeParse(req.options);
    if (!parsed.success) throw new RpcError('INVALID_INPUT', `Invalid ${req.kind} options: ${summarizeIssues(parsed.error.issues)}`);
    const template = req.template ?? DEFAULT_TEMPLATE;
    const suffix = req.suffix ?? '';
    checkTemplate(template, suffix);
    const settings = this.o.settings();
    const outDir = req.outDir ? resolve(req.outDir) : null;
    const listed = await listInputs(req.paths, new Set([settings.outputFolderName]));
    const outputs = planOutputs(listed.files, {
      outDir,
      outputFolderName: settings.outputFolderName,
      template,
      suffix,
      fallbackSuffix: `_${req.kind}`,
      extension: (path) => op.outputExtension(parsed.data, path),
    });
    const id = randomUUID();
    const now = this.now();
    const resource = op.resource(parsed.data);
    const job: JobRow = { id, kind: req.kind, options: parsed.data as Record<string, unknown>, priority: req.priority, status: 'queued', outDir, createdAt: now, startedAt: null, finishedAt: null };
    this.o.db.transaction(() => {
      this.jobs.insert(job);
      this.items.insertMany(
        [
          ...listed.files.map((f, i) => ({ jobId: id, seq: i, resource, inputPath: f.path, relDir: f.relDir, outputPath: outputs[i] ?? null })),
          ...listed.errors.map((e, i) => ({ jobId: id, seq: listed.files.length + i, resource, inputPath: e.path, relDir: '', outputPath: null, failed: e.error.toData() })),
        ],
        now,
      );
    }).immediate();
    this.settleIfFinished(id);
    this.emitJob(id);
    this.pump();
    return this.summary(id);
  }

  list(status?: JobSummary['status']): JobSummary[] {
    return this.jobs.list(status).map((j) => this.toSummary(j));
  }

  get(id: string, offset: number, limit: number, status?: JobItem['status']): { job: JobSummary; items: JobItem[]; totalItems: number } {
    const job = this.summary(id);
    const page = this.items.page(id, offset, limit, status);
    return { job, items: page.items.map(publicItem), totalItems: page.total };
  }

  pause(id: string): JobSummary {
    const job = this.require(id, ['queued', 'running'], 'paused');
    this.jobs.setStatus(id, 'paused');
    this.estimator(id).pause();
    this.abortJob(id, 'pause');
    return this.emitJob(job.id);
  }

  resume(id: string): JobSummary {
    const job = this.require(id, ['paused'], 'resumed');
    this.jobs.setStatus(id, job.startedAt === null ? 'queued' : 'running');
    this.estimator(id).resume();
    this.scope?.add(id);
    this.settleIfFinished(id);
    this.pump();
    return this.emitJob(id);
  }

  cancel(id: string): JobSummary {
    this.require(id, ['queued', 'running', 'paused'], 'cancelled');
    const now = this.now();
    this.o.db.transaction(() => {
      this.jobs.setStatus(id, 'cancelled', { finishedAt: now });
      this.items.cancelQueued(id, now);
    }).immediate();
    this.abortJob(id, 'cancel');
    return this.emitJob(id);
  }

  retryFailed(id: string): JobSummary {
    const job = this.require(id, ['queued', 'running', 'paused', 'done'], 'retried');
    const n = this.items.retryFailed(id);
    if (n > 0 && job.status === 'done') this.jobs.setStatus(id, 'running', { finishedAt: null });
    this.scope?.add(id);
    this.pump();
    return this.emitJob(id);
  }

  cancelItem(itemId: number): JobItem {
    const item = this.items.get(itemId);
    if (!item) throw new RpcError('NOT_FOUND', `There is no item ${itemId}.`);
    const local = this.inFlight.get(itemId);
    if (local) {
      local.reason = 'cancel';
      local.controller.abort();
    } else if (item.status === 'queued' || item.status === 'running') {
      this.items.cancelQueuedItem(itemId, this.now());
      if (item.status === 'running') this.o.db.prepare("UPDATE items SET status = 'cancelled', owner = NULL, finished_at = ? WHERE id = ?").run(this.now(), itemId);
      this.settleIfFinished(item.jobId);
      this.emitJob(item.jobId);
    } else {
      throw new RpcError('INVALID_STATE', `Item ${itemId} is already ${item.status}.`);
    }
    return publicItem(this.items.get(itemId) ?? item);
  }

  /** Resolves once nothing in this process's scope is running or claimable. */
  async drain(): Promise<void> {
    const idle = (): Promise<unknown> => Promise.all([...this.queues.values()].map((q) => q.onIdle()));
    await this.cleanup;
    for (;;) {
      await idle();
      const before = this.claimed;
      this.pump();
      await idle();
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
  }

  summary(id: string): JobSummary {
    const job = this.jobs.get(id);
    if (!job) throw new RpcError('NOT_FOUND', `There is no job ${id}.`);
    return this.toSummary(job);
  }

  private require(id: string, allowed: JobRow['status'][], verb: string): JobRow {
    const job = this.jobs.get(id);
    if (!job) throw new RpcError('NOT_FOUND', `There is no job ${id}.`);
    if (!allowed.includes(job.status)) throw new RpcError('INVALID_STATE', `Job ${id} is ${job.status}, so it cannot be ${verb}.`);
    return job;
  }

  private estimator(jobId: string): EtaEstimator {
    let e = this.estimators.get(jobId);
    if (!e) {
      e = new EtaEstimator(this.now);
      this.estimators.set(jobId, e);
    }
    return e;
  }

  private toSummary(job: JobRow): JobSummary {
    const counts = this.jobs.counts(job.id);
    const finished = counts.done + counts.failed + counts.skipped + counts.cancelled;
    const partial = this.items.runningOf(job.id).reduce((sum, i) => sum + i.progress, 0);
    const est = this.estimators.get(job.id);
    const remaining = counts.queued + counts.running;
    return {
      ...job,
      counts,
      progress: counts.total === 0 ? 1 : Math.min(1, (finished + partial) / counts.total),
      etaMs: job.status === 'running' || job.status === 'queued' ? (est?.etaMs(remaining) ?? null) : null,
      itemsPerSecond: est?.itemsPerSecond() ?? null,
    };
  }

  private emitJob(id: string): JobSummary {
    const s = this.summary(id);
    this.o.events.emit('job.updated', s);
    return s;
  }

  private emitProgress(jobId: string, force: boolean): void {
    const t = this.now();
    if (!force && t - (this.lastProgress.get(jobId) ?? 0) < PROGRESS_EVERY_MS) return;
    this.lastProgress.set(jobId, t);
    const { counts, progress, etaMs, itemsPerSecond } = this.summary(jobId);
    this.o.events.emit('job.progress', { jobId, counts, progress, etaMs, itemsPerSecond });
  }

  private abortJob(jobId: string, reason: AbortReason): void {
    for (const entry of this.inFlight.values()) {
      if (entry.jobId !== jobId) continue;
      entry.reason = reason;
      entry.controller.abort();
    }
  }

  /** A job with nothing left queued or running is done (failures included: they are listed). */
  private settleIfFinished(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job || (job.status !== 'queued' && job.status !== 'running') || this.items.hasPending(jobId)) return;
    this.jobs.setStatus(jobId, 'done', { finishedAt: this.now(), ...(job.startedAt === null && { startedAt: this.now() }) });
    this.emitProgress(jobId, true);
    this.emitJob(jobId);
  }

  private pump(): void {
    if (this.scope !== null && this.scope.size === 0) return;
    for (const [resource, concurrency] of Object.entries(this.o.resources)) {
      let q = this.queues.get(resource);
      if (!q) {
        q = new PQueue({ concurrency });
        this.queues.set(resource, q);
      }
      while (q.size + q.pending < concurrency) {
        // Refill from the settled promise: by then p-queue has freed the slot.
        q.add(() => this.claimAndRun(resource)).then(
          (ran) => ran && this.pump(),
          (error: unknown) => this.o.log?.(`job scheduler: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
        );
      }
    }
  }

  /** Claims one item for `resource` and runs it; false when there was nothing to claim. */
  private async claimAndRun(resource: string): Promise<boolean> {
    const item = this.items.claimNext(resource, this.owner, this.now(), this.scope ? [...this.scope] : null);
    if (!item) return false;
    this.claimed += 1;
    const job = this.jobs.get(item.jobId);
    if (!job) return true;
    if (job.status === 'queued') {
      this.jobs.setStatus(job.id, 'running', { startedAt: this.now() });
      this.emitJob(job.id);
    }
    this.estimator(job.id).start();
    const controller = new AbortController();
    const entry: { jobId: string; controller: AbortController; reason?: AbortReason } = { jobId: job.id, controller };
    this.inFlight.set(item.id, entry);
    this.o.events.emit('item.started', { jobId: job.id, itemId: item.id, inputPath: item.inputPath, attempt: item.attempts });
    try {
      await this.execute(item, job, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      this.interrupted(item, entry.reason ?? 'stop');
    } finally {
      this.inFlight.delete(item.id);
    }
    this.settleIfFinished(job.id);
    this.emitProgress(job.id, false);
    return true;
  }

  private async execute(item: ItemRow, job: JobRow, signal: AbortSignal): Promise<void> {
    const settings = this.o.settings();
    let lastSent = 0;
    const result = await runItem(item, {
      operation: this.o.registry.get(job.kind),
      options: job.options,
      results: this.results,
      limits: { maxInputBytes: settings.maxInputBytes, maxInputPixels: settings.maxInputPixels },
      signal,
      progress: (fraction) => {
        const t = this.now();
        if (t - lastSent < PROGRESS_EVERY_MS && fraction < 1) return;
        lastSent = t;
        this.items.setProgress(item.id, fraction);
        this.o.events.emit('item.progress', { jobId: job.id, itemId: item.id, progress: fraction });
      },
    });
    signal.throwIfAborted();
    const finishedAt = this.now();
    const ref = { jobId: job.id, itemId: item.id };
    const recorded = this.o.db.transaction(() => {
      if (result.status === 'done') for (const row of result.cache) this.results.put(row);
      return this.items.finish(item.id, this.owner, {
        status: result.status,
        outputs: result.status === 'failed' ? [] : result.outputs,
        inputSha256: result.inputSha256,
        error: result.status === 'failed' ? result.error : null,
        finishedAt,
      });
    }).immediate();
    if (!recorded) return;
    this.estimator(job.id).complete();
    if (result.status === 'done') this.o.events.emit('item.done', { ...ref, outputs: result.outputs, durationMs: finishedAt - (item.startedAt ?? finishedAt) });
    else if (result.status === 'skipped') this.o.events.emit('item.skipped', { ...ref, outputs: result.outputs, reason: result.reason });
    else this.o.events.emit('item.failed', { ...ref, inputPath: item.inputPath, ...result.error });
  }

  private interrupted(item: ItemRow, reason: AbortReason): void {
    if (reason === 'cancel') {
      const error = { code: 'CANCELLED' as const, message: `${item.inputPath}: cancelled.` };
      this.items.finish(item.id, this.owner, { status: 'cancelled', error, finishedAt: this.now() });
    } else {
      this.items.requeue(item.id, this.owner, true);
    }
  }
}

function publicItem(row: ItemRow): JobItem {
  const { resource: _resource, owner: _owner, ...item } = row;
  return item;
}
