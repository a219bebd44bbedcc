/**
 * Time as core sees it. Everything that waits or schedules goes through a Clock, so tests move
 * time by hand (`manualClock`) instead of sleeping: no test depends on how busy the machine is.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `Clock.sleep` over a clock's own timers (for clocks made elsewhere, e.g. a benchmark's scaled one). */
export function sleepWith(clock: Pick<Clock, 'setTimer'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason as Error);
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The real clock. Its timers keep the process alive like any other: a CLI waiting for an item's
 * retry must not exit; whoever owns a timer cancels it when it closes.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
  sleep: (ms, signal) => sleepWith(systemClock, ms, signal),
};

export interface ManualClock extends Clock {
  /** Moves time forward, firing every timer that falls due, in order. */
  advance(ms: number): void;
  /** Timers not yet fired. */
  pending(): number;
}

/** A clock that only moves when told to (tests). `sleep` resolves when `advance` passes it. */
export function manualClock(start = Date.UTC(2026, 0, 15, 12)): ManualClock {
  let t = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: ManualClock = {
    now: () => t,
    setTimer(ms, fn) {
      const id = (seq += 1);
      timers.set(id, { at: t + Math.max(0, ms), fn });
      return () => timers.delete(id);
    },
    sleep: (ms, signal) => sleepWith(clock, ms, signal),
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, timer]) => timer.at <= end)
          .sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
        if (!due) break;
        timers.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].fn();
      }
      t = end;
    },
    pending: () => timers.size,
  };
  return clock;
}
