import type { EventBus } from '../kernel/events.js';
import { RpcError } from '../contract/errors.js';
import type { JobSummary } from '../contract/jobs.js';
import type { ItemsRepo } from '../db/itemsRepo.js';
import type { JobRow, JobsRepo } from '../db/jobsRepo.js';
import { EtaEstimator } from './eta.js';

const PROGRESS_EVERY_MS = 100;

/** Job summaries, ETA estimators and the job events, computed from the rows. */
export class JobReporter {
  private readonly estimators = new Map<string, EtaEstimator>();
  private readonly lastProgress = new Map<string, number>();

  constructor(
    private readonly jobs: JobsRepo,
    private readonly items: ItemsRepo,
    private readonly events: EventBus,
    private readonly now: () => number,
    private readonly showPath: (path: string) => string = (path) => path,
  ) {}

  estimator(jobId: string): EtaEstimator {
    let e = this.estimators.get(jobId);
    if (!e) {
      e = new EtaEstimator(this.now);
      this.estimators.set(jobId, e);
    }
    return e;
  }

  summary(id: string): JobSummary {
    const job = this.jobs.get(id);
    if (!job) throw new RpcError('NOT_FOUND', `There is no job ${id}.`);
    return this.toSummary(job);
  }

  toSummary(job: JobRow): JobSummary {
    const counts = this.jobs.counts(job.id);
    const worked = counts.done + counts.failed + counts.skipped;
    const partial =
      counts.running > 0 ? this.items.runningOf(job.id).reduce((sum, i) => sum + i.progress, 0) : 0;
    const est = this.estimators.get(job.id);
    const active = job.status === 'running' || job.status === 'queued';
    // A cancelled job's bar shows the work it did; photos taken off one by one leave the total.
    const of = job.status === 'cancelled' ? counts.total : counts.total - counts.cancelled;
    return {
      ...job,
      source: job.source === null ? null : this.showPath(job.source),
      counts,
      progress: of <= 0 ? 1 : Math.min(1, (worked + partial) / of),
      etaMs: active ? (est?.etaMs(counts.queued + counts.running) ?? this.etaFromPixels(job)) : null,
      itemsPerSecond: est?.itemsPerSecond() ?? null,
    };
  }

  /** Before the first item ends: the pixels left at this machine's measured speed for the kind. */
  private etaFromPixels(job: JobRow): number | null {
    const speed = this.items.measuredSpeed(job.kind, JSON.stringify(job.options));
    if (!speed) return null;
    const left = this.items.pixelsLeft(job.id);
    if (left.withPixels === 0) return null;
    const pixels = left.known + left.withoutPixels * (left.known / left.withPixels);
    return Math.round(pixels * speed.msPerPixel);
  }

  /** Emits `job.updated` and returns the summary it sent. */
  updated(id: string): JobSummary {
    const s = this.summary(id);
    this.events.emit('job.updated', s);
    return s;
  }

  /** Emits `job.progress`, at most every 100 ms per job unless `force`. */
  progress(jobId: string, force: boolean): void {
    const t = this.now();
    if (!force && t - (this.lastProgress.get(jobId) ?? 0) < PROGRESS_EVERY_MS) return;
    this.lastProgress.set(jobId, t);
    const { counts, progress, etaMs, itemsPerSecond } = this.summary(jobId);
    this.events.emit('job.progress', { jobId, counts, progress, etaMs, itemsPerSecond });
  }
}
