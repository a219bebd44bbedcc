import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/fixtures.js';
import { RpcError } from '../../contract/errors.js';
import { openTestDb } from '../../../test/helpers/db.js';
import { KeyStore } from './keyStore.js';
import { QuotaManager, WINDOW_GUARD_MS, type Lease } from './quota.js';
import { FileSecretBox } from './secretBox.js';

const MODEL = 'gemini-2.5-flash-image';
let dir: { path: string; cleanup: () => void };
let db: Database;
let t: number;
let waits: number[];
let quota: QuotaManager;
let keys: KeyStore;

function setup(start: string, margin = 1): void {
  t = Date.parse(start);
  waits = [];
  const secrets = new FileSecretBox(join(dir.path, 'secret.key'));
  quota = new QuotaManager({
    db,
    secrets,
    margin,
    now: () => t,
    // Waiting advances the fake clock instead of the real one.
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
  });
  keys = new KeyStore({ db, secrets, now: () => t });
}
const secret = (n: number): string => `AIzaSyTEST-${String(n).padStart(4, '0')}-secret-value`;
const add = (label: string, project: string, n: number) =>
  keys.add({ label, project, tier: 'free', secret: secret(n) });
const limit = (rpm: number, rpd: number) => quota.setLimit({ model: MODEL, rpm, rpd });
async function take(n: number): Promise<Lease[]> {
  const out: Lease[] = [];
  for (let i = 0; i < n; i += 1) {
    const lease = await quota.acquire(MODEL);
    quota.release(lease, { kind: 'ok', inputTokens: 10, outputTokens: 1290 });
    out.push(lease);
  }
  return out;
}

beforeEach(() => {
  dir = tempDir();
  db = openTestDb(join(dir.path, 'p.db'));
});
afterEach(() => {
  db.close();
  dir.cleanup();
});

describe('quota manager', () => {
  it('keys of one project share one budget, rotating; keys of two projects double it', async () => {
    setup('2026-06-01T12:00:00Z');
    limit(10, 1000);
    for (const n of [1, 2, 3]) add(`k${n}`, 'p1', n);
    const first = await take(10);
    expect(waits).toEqual([]);
    expect(new Set(first.map((l) => l.label))).toEqual(new Set(['k1', 'k2', 'k3']));
    expect(first.every((l) => l.secret.startsWith('AIzaSyTEST'))).toBe(true);
    await take(1);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(59_000);

    add('k4', 'p2', 4);
    t += 120_000;
    waits = [];
    const both = await take(20);
    expect(waits).toEqual([]);
    expect(both.filter((l) => l.project === 'p1')).toHaveLength(10);
    expect(both.filter((l) => l.project === 'p2')).toHaveLength(10);
  });

  it('the sliding minute never allows more than the limit in any 60 s', async () => {
    setup('2026-06-01T12:00:00Z');
    limit(5, 1000);
    add('k1', 'p1', 1);
    const times: number[] = [];
    for (let i = 0; i < 23; i += 1) {
      await take(1);
      times.push(t);
      t += 7_000;
    }
    for (const start of times)
      expect(times.filter((x) => x >= start && x < start + 60_000).length).toBeLessThanOrEqual(5);
  });

  it('counts a request’s minute from when it left, plus the guard, not from when its slot was reserved', async () => {
    setup('2026-06-01T12:00:00Z');
    limit(1, 1000);
    add('k1', 'p1', 1);
    const start = t;
    const lease = await quota.acquire(MODEL);
    t += 5_000; // the photo was encoded, the client loaded…
    quota.markSent(lease);
    quota.release(lease, { kind: 'ok' });
    waits = [];
    await quota.acquire(MODEL);
    expect(t).toBe(start + 5_000 + 60_000 + WINDOW_GUARD_MS + 1);
  });

  it('honours RetryInfo: a rate-limited project waits its cooldown; another project is used meanwhile', async () => {
    setup('2026-06-01T12:00:00Z');
    limit(100, 1000);
    add('a', 'p1', 1);
    const lease = await quota.acquire(MODEL);
    quota.release(lease, { kind: 'rate-limited', retryAfterMs: 12_000 });
    const after = await quota.acquire(MODEL);
    expect(waits).toEqual([12_000]);
    expect(after.project).toBe('p1');
    quota.release(after, { kind: 'rate-limited', retryAfterMs: 30_000 });
    add('b', 'p2', 2);
    waits = [];
    expect((await quota.acquire(MODEL)).project).toBe('p2');
    expect(waits).toEqual([]);
    expect(quota.summary().find((r) => r.project === 'p1')?.cooldownUntil).toBe(t + 30_000);
  });

  it.each([
    ['a winter day', '2026-01-15T07:30:00Z', '2026-01-15T08:00:00Z'],
    ['the spring-forward day (23 h)', '2026-03-09T06:30:00Z', '2026-03-09T07:00:00Z'],
    ['the fall-back day (25 h)', '2026-11-02T07:30:00Z', '2026-11-02T08:00:00Z'],
  ])('RPD resets at midnight Pacific on %s', async (_name, before, midnight) => {
    setup(before);
    limit(1000, 4);
    add('a', 'p1', 1);
    await take(4);
    const error = await quota.acquire(MODEL).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe('QUOTA_EXHAUSTED');
    expect((error as RpcError).details).toEqual({ resetsAt: Date.parse(midnight) });
    expect(quota.isDailyLimitCritical(MODEL)).toBe(true);
    t = Date.parse(midnight) - 1;
    await expect(quota.acquire(MODEL)).rejects.toMatchObject({ code: 'QUOTA_EXHAUSTED' });
    t = Date.parse(midnight);
    expect(quota.isDailyLimitCritical(MODEL)).toBe(false);
    await expect(take(4)).resolves.toHaveLength(4);
  });

  it('disables an invalid key and carries on with the others; no key at all is a clear error', async () => {
    setup('2026-06-01T12:00:00Z');
    limit(100, 1000);
    add('bad', 'p1', 1);
    add('good', 'p1', 2);
    const first = await quota.acquire(MODEL);
    quota.release(first, { kind: 'invalid-key', reason: 'API key not valid' });
    const next = await take(3);
    expect(next.every((l) => l.label !== first.label)).toBe(true);
    expect(keys.list().find((k) => k.label === first.label)?.disabledReason).toBe('API key not valid');
    for (const k of keys.list()) keys.setDisabled(k.id, 'off');
    await expect(quota.acquire(MODEL)).rejects.toMatchObject({
      code: 'NO_KEYS',
      message: expect.stringMatching(/Keys & usage/),
    });
  });

  it('opens a key circuit after 3 server errors with a growing backoff; a success closes it', async () => {
    setup('2026-06-01T12:00:00Z');
    limit(100, 1000);
    const k = add('flaky', 'p1', 1);
    const fail = async () => quota.release(await quota.acquire(MODEL), { kind: 'server-error' });
    await fail();
    await fail();
    await fail();
    expect(keys.list()[0]?.circuitOpenUntil).toBe(t + 30_000);
    await fail(); // waits for the circuit (30 s), fails again: 60 s now
    expect(waits).toEqual([30_000]);
    expect(keys.list()[0]?.circuitOpenUntil).toBe(t + 60_000);
    const lease = await quota.acquire(MODEL);
    quota.release(lease, { kind: 'ok' });
    expect(keys.list().find((x) => x.id === k.id)).toMatchObject({
      circuitOpenUntil: null,
      consecutiveFailures: 0,
    });
  });

  it('withLease holds a slot for the call and settles it from what the call did', async () => {
    setup('2026-03-02T12:00:00Z');
    add('k1', 'p1', 1);
    limit(5, 100);
    const used = (): number => quota.summary().find((r) => r.project === 'p1')?.rpm ?? 0;
    const value = await quota.withLease(MODEL, async (lease) => {
      expect(lease.secret).toBe(secret(1));
      expect(used()).toBe(1); // reserved while the call runs
      return { value: 'an image', tokens: { input: 10, output: 1290 } };
    });
    expect([value, used()]).toEqual(['an image', 1]);

    const limited = Object.assign(
      new Error(
        JSON.stringify({
          error: {
            code: 429,
            status: 'RESOURCE_EXHAUSTED',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '20s' }],
          },
        }),
      ),
      { status: 429 },
    );
    await expect(quota.withLease(MODEL, () => Promise.reject(limited))).rejects.toBe(limited);
    // Google does not count a refused request; the project waits as told.
    expect(used()).toBe(1);
    expect(quota.summary().find((r) => r.project === 'p1')?.cooldownUntil).toBe(t + 20_000);

    t += 20_000;
    const stop = new AbortController();
    await expect(
      quota.withLease(
        MODEL,
        () => {
          stop.abort();
          return Promise.reject(new Error('aborted before it was sent'));
        },
        { signal: stop.signal },
      ),
    ).rejects.toThrow(/aborted/);
    expect(used()).toBe(1);
  });

  it('prunes usage older than the week a chart shows, keeping what the day and the minute need', async () => {
    setup('2026-03-10T20:00:00Z');
    add('k1', 'p1', 1);
    limit(100, 1000);
    const start = t;
    // One request a day for ten days back, and two in the current minute.
    for (let day = 10; day >= 1; day -= 1) {
      t = start - day * 24 * 3600 * 1000;
      await take(1);
    }
    t = start;
    await take(2);
    const rows = (): number => (db.prepare('SELECT COUNT(*) AS n FROM key_usage').get() as { n: number }).n;
    // Acquiring prunes by itself (at most hourly): today and the 7 Pacific days before it stay,
    // 7 daily rows + the 2 of this minute; the 3 older ones are gone.
    expect(rows()).toBe(9);
    const summary = quota.summary().find((r) => r.project === 'p1');
    expect(summary).toMatchObject({ rpm: 2, rpd: 2 });
    expect(quota.prune(true)).toBe(0);
    expect(quota.summary().find((r) => r.project === 'p1')).toEqual(summary);
    // Within the hour of the last prune it does nothing unless forced.
    const keyId = keys.list()[0]?.id;
    db.prepare("INSERT INTO key_usage (key_id, project, model, at, status) VALUES (?, 'p1', ?, ?, 'ok')").run(
      keyId,
      MODEL,
      start - 30 * 24 * 3600 * 1000,
    );
    t += 30 * 60_000;
    expect(quota.prune()).toBe(0);
    expect(quota.prune(true)).toBe(1);
  });

  it('applies the safety margin to every limit', async () => {
    setup('2026-06-01T12:00:00Z', 0.9);
    limit(20, 250);
    expect(quota.effectiveLimit(MODEL)).toEqual({ rpm: 18, rpd: 225 });
    expect(quota.effectiveLimit('gemini-3-flash-preview')).toEqual({ rpm: 900, rpd: 9000 });
  });

  it('never stores or returns a secret in plain text', async () => {
    setup('2026-06-01T12:00:00Z');
    const info = add('mine', 'p1', 7);
    expect(JSON.stringify(info)).not.toContain(secret(7));
    expect(JSON.stringify(keys.list())).not.toContain(secret(7));
    expect(info.masked).toBe(`…${secret(7).slice(-4)}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(join(dir.path, 'p.db'));
    expect(bytes.includes(Buffer.from(secret(7)))).toBe(false);
    expect(bytes.includes(Buffer.from('AIzaSyTEST'))).toBe(false);
    expect(() => add('again', 'p2', 7)).toThrow(/already saved as "mine"/);
  });
});
