import { performance } from 'node:perf_hooks';

/**
 * The fake's notion of "now". Everything time-based in the fake (RPM windows, RPD days,
 * RetryInfo delays, file expiry, batch auto-advance) reads this clock, never `Date.now()`, so a
 * test can jump across a Pacific midnight or squeeze a minute into a second.
 *
 * now = base + (real elapsed since base was taken) × timeScale. `set`/`advance` move `base`
 * (the manual offset); `setTimeScale` re-bases so that changing speed never makes time jump.
 */
export class FakeClock {
  private baseFake: number;
  private baseReal: number;
  private scale: number;

  /**
   * @param start fake epoch ms at creation (default: real `Date.now()`).
   * @param timeScale fake ms per real ms (default 1; 60 makes a fake minute last a real second;
   *   0 freezes the clock so only `set`/`advance` move it).
   */
  constructor(start: number = Date.now(), timeScale = 1) {
    assertTimeScale(timeScale);
    this.baseFake = start;
    this.baseReal = performance.now();
    this.scale = timeScale;
  }

  /** Current fake time, epoch ms (integer). */
  now(): number {
    return Math.floor(this.baseFake + (performance.now() - this.baseReal) * this.scale);
  }

  /** Jumps the clock to `ms` (epoch ms, a `Date` or an ISO string); it keeps running from there. */
  set(ms: number | Date | string): void {
    this.baseFake = toEpochMs(ms);
    this.baseReal = performance.now();
  }

  /** Moves the clock forward (or back, if negative) by `ms` fake milliseconds. */
  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Current time scale (fake ms per real ms). */
  get timeScale(): number {
    return this.scale;
  }

  /** Changes the speed from now on without moving the current fake time. */
  setTimeScale(timeScale: number): void {
    assertTimeScale(timeScale);
    this.set(this.now());
    this.scale = timeScale;
  }

  /** Current fake time as RFC 3339 with millisecond precision, as Google timestamps are. */
  iso(ms: number = this.now()): string {
    return new Date(ms).toISOString();
  }
}

function assertTimeScale(timeScale: number): void {
  if (!Number.isFinite(timeScale) || timeScale < 0) {
    throw new RangeError(`Expected timeScale to be a finite number >= 0, got ${timeScale}`);
  }
}

/** Accepts epoch ms, a Date or an ISO string; throws on anything unparseable. */
export function toEpochMs(value: number | Date | string): number {
  const ms =
    typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (!Number.isFinite(ms))
    throw new RangeError(`Expected a time (epoch ms, Date or ISO string), got ${String(value)}`);
  return ms;
}

const PACIFIC = 'America/Los_Angeles';
// One formatter, reused: constructing Intl formatters is slow and this runs on every request.
const pacificParts = new Intl.DateTimeFormat('en-US', {
  timeZone: PACIFIC,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function pacificWallTime(ms: number): WallTime {
  const out: Record<string, number> = {};
  for (const part of pacificParts.formatToParts(new Date(ms))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return {
    year: out.year ?? 0,
    month: out.month ?? 0,
    day: out.day ?? 0,
    hour: out.hour ?? 0,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

/** UTC offset of Pacific time at instant `ms`, in ms (−8 h in PST, −7 h in PDT). */
function pacificOffsetMs(ms: number): number {
  const w = pacificWallTime(ms);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The Pacific calendar date of instant `ms` as `YYYY-MM-DD`: the key of the RPD window, since
 * Google resets daily quotas at midnight America/Los_Angeles (23 h or 25 h days on DST changes).
 */
export function pacificDay(ms: number): string {
  const w = pacificWallTime(ms);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/**
 * The first instant after `ms` at which the Pacific date changes (the next RPD reset), epoch ms.
 * Midnight never falls in a US DST gap (changes happen at 02:00), so local midnight always exists
 * exactly once; two passes settle the offset when the DST change lies between `ms` and midnight.
 */
export function nextPacificMidnight(ms: number): number {
  const w = pacificWallTime(ms);
  const midnightAsUtc = Date.UTC(w.year, w.month - 1, w.day + 1);
  let guess = midnightAsUtc - pacificOffsetMs(ms);
  guess = midnightAsUtc - pacificOffsetMs(guess);
  return guess;
}
