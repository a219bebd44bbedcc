import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/helpers/db.js';
import { tempDir } from '../../../test/helpers/fixtures.js';
import { RpcError } from '../../contract/errors.js';
import { CostBook, type CostAlert } from './cost.js';
import { KeyStore } from './keyStore.js';
import { QuotaManager } from './quota.js';
import { FileSecretBox } from './secretBox.js';

const FLASH = 'gemini-2.5-flash-image';
const PRO = 'gemini-3-pro-image-preview';
let dir: { path: string; cleanup: () => void };
let db: Database;
let t: number;
let cap: number;
let alerts: CostAlert[];
let book: CostBook;

beforeEach(() => {
  dir = tempDir('pixelsmith-cost-');
  db = openTestDb(join(dir.path, 'p.db'));
  t = Date.parse('2026-06-01T18:00:00Z');
  cap = 1;
  alerts = [];
  book = new CostBook({ db, now: () => t, cap: () => cap, onAlert: (a) => alerts.push(a) });
});
afterEach(() => {
  db.close();
  dir.cleanup();
});

const call = (usd: number) => ({
  model: FLASH,
  imageSize: '1K',
  usd,
  jobId: 'j1',
  label: 'a.jpg · ink_wash',
});

describe('CostBook', () => {
  it('prices images by model and size, input tokens per million, batch at half', () => {
    expect(book.cost(FLASH, '1K', 0)).toBeCloseTo(0.039, 9);
    expect(book.cost(FLASH, '1K', 1_000_000)).toBeCloseTo(0.039 + 0.3, 9);
    expect(book.cost(PRO, '2K', 0)).toBeCloseTo(0.134, 9);
    expect(book.cost(PRO, '4K', 0)).toBeCloseTo(0.24, 9);
    expect(book.cost(PRO, '4K', 0, 1, true)).toBeCloseTo(0.12, 9);
    // A model nobody priced costs like the dearest image known, so the cap still holds.
    expect(book.price('gemini-9-image', '1K')).toMatchObject({ usdPerImage: 0.24, known: false });
  });

  it('takes the user’s prices over the shipped ones and resets them', () => {
    const edited = book.setPrice({ model: FLASH, imageSize: '*', usdPerImage: 0.05 });
    expect(edited).toMatchObject({
      usdPerImage: 0.05,
      inputUsdPerMillion: 0.3,
      edited: true,
      source: 'set by you',
    });
    expect(book.cost(FLASH, '1K', 0)).toBeCloseTo(0.05, 9);
    book.setPrice({ model: 'my-model', imageSize: '2K', usdPerImage: 0.01, inputUsdPerMillion: 0 });
    expect(book.prices().map((p) => `${p.model}/${p.imageSize}`)).toContain('my-model/2K');
    expect(book.resetPrice(FLASH, '*')).toBe(true);
    expect(book.prices().find((p) => p.model === FLASH)).toMatchObject({
      usdPerImage: 0.039,
      edited: false,
      asOf: '2026-06',
    });
  });

  it('refuses a reservation that would cross the cap, counting calls in flight', () => {
    const a = book.reserve(call(0.4));
    const b = book.reserve(call(0.4));
    expect(() => book.reserve(call(0.4))).toThrow(RpcError);
    try {
      book.reserve(call(0.4));
    } catch (error) {
      expect((error as RpcError).code).toBe('COST_CAP_REACHED');
      expect((error as RpcError).message).toMatch(/\$1\.00 is reached: \$0\.00 spent and \$0\.80 held/);
    }
    // Settled for less than held, the room comes back.
    book.settle(a, { status: 'ok', images: 1, promptTokens: 300 });
    book.settle(b, { status: 'void' });
    expect(book.today()).toMatchObject({ calls: 1, reservedUsd: 0 });
    expect(book.today().spentUsd).toBeCloseTo(0.039 + (300 * 0.3) / 1e6, 9);
    expect(() => book.reserve(call(0.9))).not.toThrow();
  });

  it('a reservation left by a dead process stops holding budget after 30 minutes', () => {
    book.reserve(call(0.9));
    expect(() => book.reserve(call(0.2))).toThrow(/cap/);
    t += 31 * 60_000;
    expect(() => book.reserve(call(0.2))).not.toThrow();
  });

  it('raises each alert once per Pacific day, at 50, 75 and 90 %', () => {
    cap = 0.1;
    const spend = (): void => {
      book.settle(book.reserve(call(0.039)), { status: 'ok', images: 1 });
    };
    spend(); // 39 %
    expect(alerts).toEqual([]);
    spend(); // 78 %: 50 and 75 at once
    expect(alerts.map((a) => a.threshold)).toEqual([50, 75]);
    expect(() => spend()).toThrow(/cap/); // 117 % would cross the cap
    book.settle(book.reserve(call(0.015)), { status: 'failed', images: 0, promptTokens: 40_000 }); // 0.012 → 90 %
    expect(alerts.map((a) => a.threshold)).toEqual([50, 75, 90]);
    expect(book.today().alerts).toEqual([50, 75, 90]);
    // A second book on the same database (another process) never announces them again.
    const other: CostAlert[] = [];
    const second = new CostBook({ db, now: () => t, cap: () => 10, onAlert: (a) => other.push(a) });
    second.settle(second.reserve(call(0.039)), { status: 'ok', images: 1 });
    expect(other).toEqual([]);
    // Midnight Pacific (07:00 UTC in June) starts a new day.
    t = Date.parse('2026-06-02T07:00:01Z');
    expect(book.today()).toMatchObject({ day: '2026-06-02', spentUsd: 0, alerts: [] });
    cap = 0.05;
    spend();
    expect(alerts.at(-1)).toMatchObject({ day: '2026-06-02', threshold: 75 });
  });

  it('lists the ledger by day with tokens', () => {
    const id = book.reserve(call(0.05));
    book.settle(id, { status: 'ok', images: 1, promptTokens: 263, outputTokens: 1290, totalTokens: 1553 });
    const { rows, totalUsd, calls } = book.ledger('2026-06-01', 10);
    expect(calls).toBe(1);
    expect(rows[0]).toMatchObject({
      status: 'ok',
      promptTokens: 263,
      outputTokens: 1290,
      totalTokens: 1553,
      jobId: 'j1',
    });
    expect(totalUsd).toBeCloseTo(0.039 + (263 * 0.3) / 1e6, 9);
    expect(book.ledger('2026-05-31', 10).rows).toEqual([]);
  });

  it('reserves in the quota slot’s own transaction: a refused cost leaves no slot behind', async () => {
    const secrets = new FileSecretBox(join(dir.path, 'secret.key'));
    new KeyStore({ db, secrets }).add({
      label: 'k',
      project: 'p',
      tier: 'free',
      secret: 'AIzaSyCOST-0123456789abcdefghij',
    });
    const quota = new QuotaManager({ db, secrets, now: () => t, margin: 1 });
    const count = (): number => (db.prepare('SELECT COUNT(*) AS n FROM key_usage').get() as { n: number }).n;
    const lease = await quota.acquire(FLASH, { alsoReserve: () => book.reserve(call(0.9)) });
    expect(count()).toBe(1);
    await expect(quota.acquire(FLASH, { alsoReserve: () => book.reserve(call(0.2)) })).rejects.toThrow(/cap/);
    expect(count()).toBe(1);
    quota.release(lease, { kind: 'ok' });
  });
});
