import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { EventBus } from '../kernel/events.js';
import { summarizeIssues } from '../contract/dispatch.js';
import { RpcError } from '../contract/errors.js';
import type { JobItem, JobSummary } from '../contract/jobs.js';
import type { Settings } from '../contract/schemas.js';
import { createItemsRepo, type ItemRow } from '../db/itemsRepo.js';
import { createJobsRepo, type JobRow } from '../db/jobsRepo.js';
import { createResultsCacheRepo } from '../db/resultsCacheRepo.js';
import { listInputs } from './inputs.js';
import { checkTemplate, DEFAULT_TEMPLATE, planOutputs } from './naming.js';
import type { OperationRegistry } from './registry.js';
import { JobReporter } from './report.js';
import { Scheduler } from './scheduler.js';
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

/**
 * The job engine's public face: jobs are saved first (items, planned outputs) and run second, by
 * the scheduler. Control calls change the rows, then tell the scheduler.
 */
export class JobEngine {
  private readonly jobs;
  private readonly items;
  private readonly report: JobReporter;
  private readonly scheduler: Scheduler;
  private readonly now: () => number;

  constructor(private readonly o: JobEngineOptions) {
    this.jobs = createJobsRepo(o.db);
    this.items = createItemsRepo(o.db);
    this.now = o.now ?? Date.now;
    this.report = new JobReporter(this.jobs, this.items, o.events, this.now);
    this.scheduler = new Scheduler({
      db: o.db,
      jobs: this.jobs,
      items: this.items,
      results: createResultsCacheRepo(o.db),
      report: this.report,
      events: o.events,
      registry: o.registry,
      settings: o.settings,
      resources: o.resources,
      now: this.now,
      log: o.log,
    });
  }

  /** Recovers interrupted items, then runs `jobIds` (or every job) in this process. */
  start(jobIds: string[] | 'all' = 'all'): number {
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

  async create(req: CreateJobRequest): Promise<JobSummary> {
    const op = this.o.registry.get(req.kind);
    const parsed = op.optionsSchema.safeParse(req.options);
    if (!parsed.success)
      throw new RpcError(
        'INVALID_INPUT',
        `Invalid ${req.kind} options: ${summarizeIssues(parsed.error.issues)}`,
      );
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
    const job: JobRow = {
      id,
      kind: req.kind,
      options: parsed.data as Record<string, unknown>,
      priority: req.priority,
      status: 'queued',
      outDir,
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
    this.scheduler.settleIfFinished(id);
    this.report.updated(id);
    this.scheduler.pump();
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
    return { job, items: page.items.map(publicItem), totalItems: page.total };
  }

  pause(id: string): JobSummary {
    const job = this.require(id, ['queued', 'running'], 'paused');
    this.jobs.setStatus(id, 'paused');
    this.report.estimator(id).pause();
    this.scheduler.abort(id, 'pause');
    return this.report.updated(job.id);
  }

  resume(id: string): JobSummary {
    const job = this.require(id, ['paused'], 'resumed');
    this.jobs.setStatus(id, job.startedAt === null ? 'queued' : 'running');
    this.report.estimator(id).resume();
    this.scheduler.settleIfFinished(id);
    this.scheduler.include(id);
    return this.report.updated(id);
  }

  cancel(id: string): JobSummary {
    this.require(id, ['queued', 'running', 'paused'], 'cancelled');
    const now = this.now();
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
      this.items.cancelQueuedItem(itemId, this.now());
      if (item.status === 'running')
        this.o.db
          .prepare("UPDATE items SET status = 'cancelled', owner = NULL, finished_at = ? WHERE id = ?")
          .run(this.now(), itemId);
      this.scheduler.settleIfFinished(item.jobId);
      this.report.updated(item.jobId);
    } else {
      throw new RpcError('INVALID_STATE', `Item ${itemId} is already ${item.status}.`);
    }
    return publicItem(this.items.get(itemId) ?? item);
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

function publicItem(row: ItemRow): JobItem {
  const { resource: _resource, owner: _owner, ...item } = row;
  return item;
}
