import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { EventBus } from '../kernel/events.js';
import { summarizeIssues } from '../contract/define.js';
import { RpcError } from '../contract/errors.js';
import type { JobEstimate, JobItem, JobLogEntry, JobSummary } from '../contract/jobs.js';
import type { Settings } from '../contract/schemas.js';
import { createItemsRepo, type ItemRow } from '../db/itemsRepo.js';
import { createJobLogRepo } from '../db/jobLogRepo.js';
import { createJobsRepo, type JobRow } from '../db/jobsRepo.js';
import { createResultsCacheRepo } from '../db/resultsCacheRepo.js';
import { JobLog } from './jobLog.js';
import { OutputOwnership } from './ownership.js';
import { planJob, type CreateJobRequest } from './plan.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import { OperationRegistry } from './registry.js';
import { ResourceRegistry, type ResourceSpec } from './resources.js';
import type { AnyOperation } from './types.js';
import { JobReporter } from './report.js';
import { Scheduler } from './scheduler.js';
export type { CreateJobRequest } from './plan.js';

export interface JobEngineOptions {
  db: Database;
  events: EventBus;
  settings: () => Settings;
  /** Operations and resources known from the start; modules may register more later. */
  operations?: readonly AnyOperation[];
  resources?: readonly ResourceSpec[];
  /**
   * `all`: this process runs every job (desktop app, server). `own`: only the jobs created or
   * resumed through it (the CLI).
   */
  runs?: 'all' | 'own';
  /**
   * Folders no job may write into (the data folder, the app's resources, the server's static
   * files): a job whose outputs would land there is refused.
   */
  protectedDirs?: readonly string[];
  clock?: Clock;
  log?: (line: string) => void;
  /** A path as the user knows it (an upload by the name it had); default the path itself. */
  showPath?: (path: string) => string;
}

/**
 * The job engine's public face: jobs are saved first (items, planned outputs) and run second, by
 * the scheduler. Control calls change the rows, then tell the scheduler.
 */
export class JobEngine {
  readonly operations: OperationRegistry;
  readonly resources = new ResourceRegistry();
  private readonly jobs;
  private readonly items;
  private readonly report: JobReporter;
  private readonly ownership: OutputOwnership;
  private readonly log: JobLog;
  private readonly scheduler: Scheduler;
  private readonly clock: Clock;
  private readonly runs: 'all' | 'own';
  private readonly showPath: (path: string) => string;

  constructor(private readonly o: JobEngineOptions) {
    this.jobs = createJobsRepo(o.db);
    this.ownership = new OutputOwnership(createResultsCacheRepo(o.db));
    this.items = createItemsRepo(o.db);
    this.clock = o.clock ?? systemClock;
    this.runs = o.runs ?? 'all';
    this.showPath = o.showPath ?? ((path) => path);
    this.operations = new OperationRegistry(o.operations);
    for (const spec of o.resources ?? []) this.resources.register(spec);
    const now = (): number => this.clock.now();
    this.report = new JobReporter(this.jobs, this.items, o.events, now, this.showPath);
    this.log = new JobLog(createJobLogRepo(o.db), o.events, now);
    this.scheduler = new Scheduler({
      db: o.db,
      jobs: this.jobs,
      items: this.items,
      results: createResultsCacheRepo(o.db),
      report: this.report,
      events: o.events,
      log: this.log,
      operations: this.operations,
      resources: this.resources,
      settings: o.settings,
      clock: this.clock,
      logLine: o.log,
    });
    this.resources.onChange(() => this.scheduler.pump());
  }

  /**
   * Recovers interrupted items, then runs `jobIds` in this process: by default every job when
   * this engine runs all, none yet when it runs its own.
   */
  start(jobIds: string[] | 'all' = this.runs === 'all' ? 'all' : []): number {
    return this.scheduler.start(jobIds);
  }

  /** Resolves once nothing in this process's scope is running or claimable. */
  drain(): Promise<void> {
    return this.scheduler.drain();
  }

  /** Interrupts running items (they resume next start) and waits for them. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /**
   * Wakes the items parked on `waitFor` (a module saw the remote work they wait on finish);
   * returns how many. Items of other processes are woken too: the rows are shared.
   */
  wake(waitFor: string): number {
    return this.scheduler.wake(waitFor);
  }

  /** The job's log, oldest first. */
  logOf(id: string, limit: number): JobLogEntry[] {
    this.require(id, ['queued', 'running', 'paused', 'done', 'cancelled'], 'read');
    return this.log.tail(id, limit);
  }

  /** Plans (see `planJob`: what it refuses) and stores a job, then schedules it. */
  async create(req: CreateJobRequest, signal?: AbortSignal): Promise<JobSummary> {
    const plan = await planJob(req, this.operations.get(req.kind), {
      settings: this.o.settings(),
      ownership: this.ownership,
      protectedDirs: this.o.protectedDirs ?? [],
      signal: signal ?? new AbortController().signal,
    });
    const { listed, outputs, resource } = plan;
    const id = randomUUID();
    const now = this.clock.now();
    const job: JobRow = {
      id,
      kind: req.kind,
      options: plan.options,
      priority: req.priority,
      status: 'queued',
      outDir: plan.outDir,
      overwrite: plan.overwrite,
      source: plan.source,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    };
    this.o.db
      .transaction(() => {
        this.jobs.insert(job);
        this.items.insertMany(
          [
            ...listed.files.map((f, i) => ({
              jobId: id,
              seq: i,
              resource,
              inputPath: f.path,
              relDir: f.relDir,
              outputPath: outputs[i] ?? null,
              pixels: f.pixels ?? null,
            })),
            ...listed.errors.map((e, i) => ({
              jobId: id,
              seq: listed.files.length + i,
              resource,
              inputPath: e.path,
              relDir: '',
              outputPath: null,
              failed: e.error.toData(),
            })),
          ],
          now,
        );
      })
      .immediate();
    const left = listed.notPhotos;
    if (left.length > 0) {
      const names = left.slice(0, 5).map((p) => this.showPath(p));
      this.log.add(
        id,
        null,
        'info',
        `Left out ${left.length === 1 ? 'a file that is' : `${left.length} files that are`} not an image: ${names.join(', ')}${left.length > 5 ? ', …' : ''}.`,
      );
    }
    this.scheduler.settleIfFinished(id);
    this.report.updated(id);
    if (this.runs === 'own') this.scheduler.include(id);
    else this.scheduler.pump();
    return this.summary(id);
  }

  list(status?: JobSummary['status']): JobSummary[] {
    return this.jobs.list(status).map((j) => this.report.toSummary(j));
  }

  get(
    id: string,
    offset: number,
    limit: number,
    status?: JobItem['status'],
  ): { job: JobSummary; items: JobItem[]; totalItems: number } {
    const job = this.summary(id);
    const page = this.items.page(id, offset, limit, status);
    return { job, items: page.items.map((i) => this.publicItem(i)), totalItems: page.total };
  }

  /**
   * What a job would take (see `jobs.estimate`): output sizes from the kind, time from this
   * machine's speed on earlier items of the kind (the same options first).
   */
  estimate(
    kind: string,
    rawOptions: unknown,
    images: readonly { width: number; height: number }[],
  ): JobEstimate {
    const op = this.operations.get(kind);
    const parsed = op.optionsSchema.safeParse(rawOptions ?? {});
    if (!parsed.success) {
      throw new RpcError('INVALID_INPUT', `Invalid ${kind} options: ${summarizeIssues(parsed.error.issues)}`);
    }
    const options = parsed.data as Record<string, unknown>;
    let inputPixels = 0;
    let outputPixels = 0;
    let largest: { width: number; height: number } | null = null;
    for (const size of images) {
      inputPixels += size.width * size.height;
      const out = op.outputSize?.(options, size);
      if (!out) continue;
      outputPixels += out.width * out.height;
      if (!largest || out.width * out.height > largest.width * largest.height) largest = out;
    }
    const speed = this.items.measuredSpeed(kind, JSON.stringify(options));
    return {
      photos: images.length,
      inputPixels,
      outputPixels: op.outputSize ? outputPixels : 0,
      largestOutput: largest,
      estimatedMs: speed ? Math.round(inputPixels * speed.msPerPixel) : null,
      measuredFrom: speed?.items ?? 0,
      costUsd: null,
    };
  }

  /** Forgets finished jobs (see `jobs.clearFinished`); announces which. */
  clearFinished(): string[] {
    const ids = this.jobs.deleteFinished();
    if (ids.length > 0) this.o.events.emit('jobs.cleared', { ids });
    return ids;
  }

  pause(id: string): JobSummary {
    const job = this.require(id, ['queued', 'running'], 'paused');
    this.jobs.setStatus(id, 'paused');
    this.report.estimator(id).pause();
    this.scheduler.abort(id, 'pause');
    return this.report.updated(job.id);
  }

  /**
   * Resumes a paused job. A queued or running one is left as it is, but runs in this process too
   * from now on (how `pixelsmith jobs resume` picks up a job another process left).
   */
  resume(id: string): JobSummary {
    const job = this.require(id, ['paused', 'queued', 'running'], 'resumed');
    if (job.status !== 'paused') {
      this.scheduler.include(id);
      return this.summary(id);
    }
    this.jobs.setStatus(id, job.startedAt === null ? 'queued' : 'running');
    this.report.estimator(id).resume();
    this.scheduler.settleIfFinished(id);
    this.scheduler.include(id);
    return this.report.updated(id);
  }

  cancel(id: string): JobSummary {
    this.require(id, ['queued', 'running', 'paused'], 'cancelled');
    const now = this.clock.now();
    this.o.db
      .transaction(() => {
        this.jobs.setStatus(id, 'cancelled', { finishedAt: now });
        this.items.cancelQueued(id, now);
      })
      .immediate();
    this.scheduler.abort(id, 'cancel');
    return this.report.updated(id);
  }

  retryFailed(id: string): JobSummary {
    const job = this.require(id, ['queued', 'running', 'paused', 'done'], 'retried');
    const n = this.items.retryFailed(id);
    if (n > 0 && job.status === 'done') this.jobs.setStatus(id, 'running', { finishedAt: null });
    this.scheduler.include(id);
    return this.report.updated(id);
  }

  cancelItem(itemId: number): JobItem {
    const item = this.items.get(itemId);
    if (!item) throw new RpcError('NOT_FOUND', `There is no item ${itemId}.`);
    if (this.scheduler.isLocal(itemId)) {
      this.scheduler.abort(item.jobId, 'cancel', itemId);
    } else if (item.status === 'queued' || item.status === 'running') {
      this.items.cancelQueuedItem(itemId, this.clock.now());
      if (item.status === 'running')
        this.o.db
          .prepare("UPDATE items SET status = 'cancelled', owner = NULL, finished_at = ? WHERE id = ?")
          .run(this.clock.now(), itemId);
      this.scheduler.settleIfFinished(item.jobId);
      this.report.updated(item.jobId);
    } else {
      throw new RpcError('INVALID_STATE', `Item ${itemId} is already ${item.status}.`);
    }
    return this.publicItem(this.items.get(itemId) ?? item);
  }

  private publicItem(row: ItemRow): JobItem {
    const { resource: _r, owner: _o, notBefore: _n, waitFor: _w, state: _s, ...item } = row;
    return { ...item, shownPath: this.showPath(row.inputPath) };
  }

  summary(id: string): JobSummary {
    return this.report.summary(id);
  }

  private require(id: string, allowed: JobRow['status'][], verb: string): JobRow {
    const job = this.jobs.get(id);
    if (!job) throw new RpcError('NOT_FOUND', `There is no job ${id}.`);
    if (!allowed.includes(job.status))
      throw new RpcError('INVALID_STATE', `Job ${id} is ${job.status}, so it cannot be ${verb}.`);
    return job;
  }
}
