import { describe, expect, it } from 'vitest';
import { FakeClock, nextPacificMidnight, pacificDay } from './clock.js';

describe('fake Gemini clock', () => {
  it('is settable, advances, and changes speed without jumping', () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'), 0);
    expect(clock.iso()).toBe('2026-01-01T00:00:00.000Z');
    clock.advance(90_000);
    expect(clock.iso()).toBe('2026-01-01T00:01:30.000Z');
    clock.set('2026-07-04T12:00:00Z');
    expect(clock.now()).toBe(Date.parse('2026-07-04T12:00:00Z'));
    const before = clock.now();
    clock.setTimeScale(1000);
    expect(clock.now() - before).toBeLessThan(1000 * 50); // within 50 real ms of the switch
    expect(() => clock.setTimeScale(-1)).toThrow(/Expected timeScale/);
    expect(() => clock.set('not a date')).toThrow(/Expected a time/);
  });

  it('finds Pacific midnights on ordinary, 23-hour and 25-hour days', () => {
    // Ordinary winter day: PST, UTC−8.
    expect(nextPacificMidnight(Date.parse('2026-01-15T20:00:00Z'))).toBe(Date.parse('2026-01-16T08:00:00Z'));
    // 2026-03-08: starts in PST (08:00Z), ends in PDT (07:00Z next day).
    expect(nextPacificMidnight(Date.parse('2026-03-08T07:59:59Z'))).toBe(Date.parse('2026-03-08T08:00:00Z'));
    expect(nextPacificMidnight(Date.parse('2026-03-08T08:00:00Z'))).toBe(Date.parse('2026-03-09T07:00:00Z'));
    // 2026-11-01: starts in PDT (07:00Z), ends in PST (08:00Z next day).
    expect(nextPacificMidnight(Date.parse('2026-11-01T12:00:00Z'))).toBe(Date.parse('2026-11-02T08:00:00Z'));
    expect(pacificDay(Date.parse('2026-11-02T07:59:59Z'))).toBe('2026-11-01');
    expect(pacificDay(Date.parse('2026-11-02T08:00:00Z'))).toBe('2026-11-02');
    expect(pacificDay(Date.parse('2026-03-09T06:59:59Z'))).toBe('2026-03-08');
    expect(pacificDay(Date.parse('2026-03-09T07:00:00Z'))).toBe('2026-03-09');
  });
});
