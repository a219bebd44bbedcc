import type { JobLogEntry } from '../contract/jobs.js';
import type { JobLogRepo } from '../db/jobLogRepo.js';
import type { EventBus } from '../kernel/events.js';

/** Writes a job's log and announces each entry (`job.log`), so the Queue shows it as it happens. */
export class JobLog {
  private readonly seen = new Set<string>();

  constructor(
    private readonly repo: JobLogRepo,
    private readonly events: EventBus,
    private readonly now: () => number,
  ) {}

  add(jobId: string, itemId: number | null, level: JobLogEntry['level'], message: string): void {
    const entry = this.repo.add({ jobId, itemId, at: this.now(), level, message });
    this.events.emit('job.log', entry);
  }

  /** Adds the entry unless this job already logged the same message in this process. */
  once(jobId: string, itemId: number | null, level: JobLogEntry['level'], message: string): void {
    const key = `${jobId}\n${message}`;
    if (this.seen.has(key)) return;
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.add(key);
    this.add(jobId, itemId, level, message);
  }

  tail(jobId: string, limit: number): JobLogEntry[] {
    return this.repo.tail(jobId, limit);
  }
}
