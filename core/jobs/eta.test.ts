import { describe, expect, it } from 'vitest';
import { EtaEstimator } from './eta.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('EtaEstimator', () => {
  it('estimates from recent throughput and knows nothing before the first completion', () => {
    const c = clock();
    const eta = new EtaEstimator(c.now, 5);
    eta.start();
    expect(eta.etaMs(10)).toBeNull();
    for (let i = 0; i < 4; i += 1) {
      c.advance(500);
      eta.complete();
    }
    expect(eta.itemsPerSecond()).toBeCloseTo(2, 5);
    expect(eta.etaMs(10)).toBe(5000);
    expect(eta.etaMs(0)).toBe(0);
  });

  it('excludes paused time', () => {
    const c = clock();
    const eta = new EtaEstimator(c.now, 5);
    eta.start();
    c.advance(1000);
    eta.complete();
    eta.pause();
    c.advance(60_000);
    expect(eta.itemsPerSecond()).toBeCloseTo(1, 5);
    eta.resume();
    c.advance(1000);
    eta.complete();
    expect(eta.itemsPerSecond()).toBeCloseTo(1, 5);
    expect(eta.etaMs(3)).toBe(3000);
  });

  it('weights recent completions: a slowdown shows within one window, and a stall raises the ETA', () => {
    const c = clock();
    const eta = new EtaEstimator(c.now, 4);
    eta.start();
    for (let i = 0; i < 10; i += 1) {
      c.advance(100);
      eta.complete();
    }
    expect(eta.itemsPerSecond()).toBeCloseTo(10, 5);
    for (let i = 0; i < 4; i += 1) {
      c.advance(1000);
      eta.complete();
    }
    expect(eta.itemsPerSecond()).toBeCloseTo(1, 5);
    const before = eta.etaMs(10) ?? 0;
    c.advance(10_000);
    expect(eta.etaMs(10) ?? 0).toBeGreaterThan(before);
  });
});
