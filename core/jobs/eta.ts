/**
 * Throughput and ETA for one job from its recent completions, measured on an "active" clock that
 * stops while the job is paused, so a pause never makes the estimate lie afterwards.
 */
export class EtaEstimator {
  private pausedTotal = 0;
  private pausedAt: number | null = null;
  private startedAt: number | null = null;
  /** Active-clock times of recent completions, oldest first; one extra kept as the window's start. */
  private completions: number[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly window = 20,
  ) {}

  /** Milliseconds of wall time minus paused time. */
  active(): number {
    const t = this.now();
    return t - this.pausedTotal - (this.pausedAt === null ? 0 : t - this.pausedAt);
  }

  start(): void {
    this.startedAt ??= this.active();
    this.resume();
  }

  pause(): void {
    this.pausedAt ??= this.now();
  }

  resume(): void {
    if (this.pausedAt === null) return;
    this.pausedTotal += this.now() - this.pausedAt;
    this.pausedAt = null;
  }

  /** One item finished (done, failed or skipped alike: each frees a slot). */
  complete(): void {
    this.completions.push(this.active());
    if (this.completions.length > this.window + 1) this.completions.shift();
  }

  /** Items per second over the window, up to now (so a stall lowers it); null before any completion. */
  itemsPerSecond(): number | null {
    if (this.completions.length === 0 || this.startedAt === null) return null;
    const full = this.completions.length > this.window;
    const from = full ? (this.completions[0] ?? this.startedAt) : this.startedAt;
    const count = full ? this.completions.length - 1 : this.completions.length;
    const span = this.active() - from;
    return span > 0 ? (count * 1000) / span : null;
  }

  /** Milliseconds until `remaining` more items finish at the current rate; null when unknown. */
  etaMs(remaining: number): number | null {
    if (remaining <= 0) return 0;
    const rate = this.itemsPerSecond();
    return rate === null || rate === 0 ? null : Math.round((remaining / rate) * 1000);
  }
}
