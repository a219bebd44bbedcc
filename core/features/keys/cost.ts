import type { Database } from 'better-sqlite3';
import { RpcError } from '../../contract/errors.js';
import type { CostToday, LedgerRow, Price } from '../../contract/keys.js';
import { nextPacificMidnight, pacificDay } from './pacific.js';
import { BATCH_PRICE_FACTOR, PRICE_SOURCE, PRICES_AS_OF, SHIPPED_PRICES, type PriceSize } from './pricing.js';

/** Thresholds of the daily cap that raise an alert, in percent. */
export const COST_ALERT_THRESHOLDS = [50, 75, 90] as const;

/**
 * A reservation older than this no longer holds budget: its process died mid-call (the longest
 * call timeout is 15 minutes).
 */
const STALE_RESERVATION_MS = 30 * 60_000;

/** Today's spend passed a threshold of the cap. */
export interface CostAlert {
  day: string;
  threshold: number;
  spentUsd: number;
  capUsd: number;
}

/** What a call is, for its ledger row and its price. */
export interface CallCost {
  model: string;
  imageSize: string | null;
  /** Dollars held while the call runs: its estimate (see `CostBook.estimate`). */
  usd: number;
  batch?: boolean;
  jobId?: string | null;
  label?: string | null;
}

/** How a reserved call ended. */
export interface CallBill {
  /** `ok`: an image came back; `failed`: answered without one (the input is still billed); `void`: never billed. */
  status: 'ok' | 'failed' | 'void';
  images?: number;
  promptTokens?: number | null;
  outputTokens?: number | null;
  totalTokens?: number | null;
}

export interface CostBookOptions {
  db: Database;
  now: () => number;
  /** The daily cap in dollars (the `dailyCostCapUsd` setting), read at every reservation. */
  cap: () => number;
  onAlert?: (alert: CostAlert) => void;
  onChange?: (today: { spentUsd: number; reservedUsd: number; capUsd: number }) => void;
}

interface LedgerDbRow {
  id: number;
  at: number;
  day: string;
  model: string;
  image_size: string | null;
  status: LedgerRow['status'];
  usd: number;
  prompt_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  batch: number;
  job_id: string | null;
  label: string | null;
}

const money = (usd: number): string => `$${usd.toFixed(2)}`;

/**
 * What Gemini calls cost, and the daily cap. A call's estimate is reserved before it is made, in
 * the same IMMEDIATE transaction that takes its quota slot (`QuotaManager.acquire`'s
 * `alsoReserve`), after checking that today's billed and held dollars plus it stay within the
 * cap; so processes sharing the database can never cross the cap together. When the call ends
 * its row is settled with what the answer's usageMetadata says it cost.
 */
export class CostBook {
  private readonly s;

  constructor(private readonly o: CostBookOptions) {
    const db = o.db;
    this.s = {
      insert: db.prepare<
        [number, string, string, string | null, number, number, string | null, string | null]
      >(
        "INSERT INTO cost_ledger (at, day, model, image_size, status, usd, batch, job_id, label) VALUES (?, ?, ?, ?, 'reserved', ?, ?, ?, ?)",
      ),
      settle: db.prepare<[string, number, number | null, number | null, number | null, number]>(
        'UPDATE cost_ledger SET status = ?, usd = ?, prompt_tokens = ?, output_tokens = ?, total_tokens = ? WHERE id = ?',
      ),
      get: db.prepare<[number], LedgerDbRow>('SELECT * FROM cost_ledger WHERE id = ?'),
      sums: db.prepare<[number, string], { spent: number | null; held: number | null; calls: number }>(
        "SELECT SUM(CASE WHEN status IN ('ok', 'failed') THEN usd END) AS spent, " +
          "SUM(CASE WHEN status = 'reserved' AND at > ? THEN usd END) AS held, " +
          "COUNT(CASE WHEN status IN ('ok', 'failed') THEN 1 END) AS calls FROM cost_ledger WHERE day = ?",
      ),
      byDay: db.prepare<[string, number], LedgerDbRow>(
        'SELECT * FROM cost_ledger WHERE day = ? ORDER BY id DESC LIMIT ?',
      ),
      all: db.prepare<[number], LedgerDbRow>('SELECT * FROM cost_ledger ORDER BY id DESC LIMIT ?'),
      alert: db.prepare<[string, number, number, number, number]>(
        'INSERT OR IGNORE INTO cost_alerts (day, threshold, at, spent_usd, cap_usd) VALUES (?, ?, ?, ?, ?)',
      ),
      alerts: db.prepare<[string], { threshold: number }>(
        'SELECT threshold FROM cost_alerts WHERE day = ? ORDER BY threshold',
      ),
      prices: db.prepare<
        [],
        {
          model: string;
          image_size: PriceSize;
          usd_per_image: number;
          input_usd_per_million: number;
          updated_at: number;
        }
      >('SELECT * FROM gemini_prices ORDER BY model, image_size'),
      setPrice: db.prepare<[string, string, number, number, number]>(
        'INSERT INTO gemini_prices (model, image_size, usd_per_image, input_usd_per_million, updated_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (model, image_size) DO UPDATE SET usd_per_image = excluded.usd_per_image, ' +
          'input_usd_per_million = excluded.input_usd_per_million, updated_at = excluded.updated_at',
      ),
      resetPrice: db.prepare<[string, string]>(
        'DELETE FROM gemini_prices WHERE model = ? AND image_size = ?',
      ),
    };
  }

  /** The price table: the shipped prices with the user's changes over them, and prices the user added. */
  prices(): Price[] {
    const edited = this.s.prices.all();
    const rows: Price[] = SHIPPED_PRICES.map((p) => {
      const e = edited.find((x) => x.model === p.model && x.image_size === p.imageSize);
      return e ? this.editedPrice(e) : { ...p, asOf: PRICES_AS_OF, source: PRICE_SOURCE, edited: false };
    });
    for (const e of edited) {
      if (!SHIPPED_PRICES.some((p) => p.model === e.model && p.imageSize === e.image_size))
        rows.push(this.editedPrice(e));
    }
    return rows;
  }

  private editedPrice(e: {
    model: string;
    image_size: PriceSize;
    usd_per_image: number;
    input_usd_per_million: number;
    updated_at: number;
  }): Price {
    return {
      model: e.model,
      imageSize: e.image_size,
      usdPerImage: e.usd_per_image,
      inputUsdPerMillion: e.input_usd_per_million,
      asOf: new Date(e.updated_at).toISOString().slice(0, 10),
      source: 'set by you',
      edited: true,
    };
  }

  /**
   * The price of one image of `model` at `size`: its own row, else the model's `*` row. A model
   * with no price at all is priced like the dearest known one, so the cap still holds.
   */
  price(
    model: string,
    size: string | null,
  ): { usdPerImage: number; inputUsdPerMillion: number; known: boolean } {
    const rows = this.prices();
    const own =
      rows.find((p) => p.model === model && p.imageSize === size) ??
      rows.find((p) => p.model === model && p.imageSize === '*');
    if (own) return { usdPerImage: own.usdPerImage, inputUsdPerMillion: own.inputUsdPerMillion, known: true };
    const dearest = rows.reduce((a, b) => (b.usdPerImage > a.usdPerImage ? b : a));
    return { usdPerImage: dearest.usdPerImage, inputUsdPerMillion: dearest.inputUsdPerMillion, known: false };
  }

  /** Dollars for `images` images of `model` at `size` from `inputTokens` of input; batch at half. */
  cost(model: string, size: string | null, inputTokens: number, images = 1, batch = false): number {
    const p = this.price(model, size);
    const usd = images * p.usdPerImage + (inputTokens * p.inputUsdPerMillion) / 1e6;
    return batch ? usd * BATCH_PRICE_FACTOR : usd;
  }

  setPrice(input: {
    model: string;
    imageSize: PriceSize;
    usdPerImage: number;
    inputUsdPerMillion?: number;
  }): Price {
    const current = this.price(input.model, input.imageSize);
    this.s.setPrice.run(
      input.model,
      input.imageSize,
      input.usdPerImage,
      input.inputUsdPerMillion ?? current.inputUsdPerMillion,
      this.o.now(),
    );
    this.changed();
    const row = this.prices().find((p) => p.model === input.model && p.imageSize === input.imageSize);
    if (!row) throw new RpcError('INTERNAL', 'The price was not stored.');
    return row;
  }

  resetPrice(model: string, imageSize: PriceSize): boolean {
    const removed = this.s.resetPrice.run(model, imageSize).changes > 0;
    if (removed) this.changed();
    return removed;
  }

  /**
   * Holds `call.usd` of today's budget for a call about to be made, or throws COST_CAP_REACHED
   * when billed + held + it would cross the cap. Call it inside the transaction that reserves the
   * call's quota slot (it is one statement pair, atomic only there). Returns the ledger row id.
   */
  reserve(call: CallCost): number {
    const now = this.o.now();
    const day = pacificDay(now);
    const cap = this.o.cap();
    const { spent, held } = this.sums(day, now);
    if (spent + held + call.usd > cap + 1e-9) {
      throw new RpcError(
        'COST_CAP_REACHED',
        `Today's Gemini cost cap of ${money(cap)} is reached: ${money(spent)} spent${held > 0 ? ` and ${money(held)} held by calls in flight` : ''}, and this call would add about ${money(call.usd)}. The cap resets at midnight Pacific; raise it in Settings (dailyCostCapUsd) to go on now.`,
        { capUsd: cap, spentUsd: spent, heldUsd: held, resetsAt: nextPacificMidnight(now) },
      );
    }
    return Number(
      this.s.insert.run(
        now,
        day,
        call.model,
        call.imageSize,
        call.usd,
        call.batch ? 1 : 0,
        call.jobId ?? null,
        call.label ?? null,
      ).lastInsertRowid,
    );
  }

  /**
   * Settles a reservation with what the call cost: images at the per-image price and the prompt
   * tokens at the input price (batch at half); `void` releases it. Passing a threshold of the
   * cap raises its alert, once per day across processes.
   */
  settle(id: number, bill: CallBill): { usd: number; alerts: CostAlert[] } {
    const now = this.o.now();
    const fired: CostAlert[] = [];
    let usd = 0;
    this.o.db
      .transaction(() => {
        const row = this.s.get.get(id);
        if (!row) return;
        usd =
          bill.status === 'void'
            ? 0
            : this.cost(row.model, row.image_size, bill.promptTokens ?? 0, bill.images ?? 0, row.batch === 1);
        this.s.settle.run(
          bill.status,
          usd,
          bill.promptTokens ?? null,
          bill.outputTokens ?? null,
          bill.totalTokens ?? null,
          id,
        );
        if (usd === 0) return;
        const cap = this.o.cap();
        const { spent } = this.sums(row.day, now);
        for (const threshold of COST_ALERT_THRESHOLDS) {
          if (cap <= 0 || spent < (cap * threshold) / 100) continue;
          if (this.s.alert.run(row.day, threshold, now, spent, cap).changes > 0)
            fired.push({ day: row.day, threshold, spentUsd: spent, capUsd: cap });
        }
      })
      .immediate();
    for (const alert of fired) this.o.onAlert?.(alert);
    this.changed();
    return { usd, alerts: fired };
  }

  private sums(day: string, now: number): { spent: number; held: number; calls: number } {
    const r = this.s.sums.get(now - STALE_RESERVATION_MS, day);
    return { spent: r?.spent ?? 0, held: r?.held ?? 0, calls: r?.calls ?? 0 };
  }

  today(): CostToday {
    const now = this.o.now();
    const day = pacificDay(now);
    const { spent, held, calls } = this.sums(day, now);
    return {
      day,
      spentUsd: spent,
      reservedUsd: held,
      calls,
      capUsd: this.o.cap(),
      alerts: this.s.alerts.all(day).map((a) => a.threshold),
      resetsAt: nextPacificMidnight(now),
      pricesAsOf: PRICES_AS_OF,
    };
  }

  ledger(day: string | undefined, limit: number): { rows: LedgerRow[]; totalUsd: number; calls: number } {
    const raw = day === undefined ? this.s.all.all(limit) : this.s.byDay.all(day, limit);
    const rows = raw.map((r): LedgerRow => ({
      id: r.id,
      at: r.at,
      day: r.day,
      model: r.model,
      imageSize: r.image_size,
      status: r.status,
      usd: r.usd,
      promptTokens: r.prompt_tokens,
      outputTokens: r.output_tokens,
      totalTokens: r.total_tokens,
      batch: r.batch === 1,
      jobId: r.job_id,
      label: r.label,
    }));
    const billed = rows.filter((r) => r.status === 'ok' || r.status === 'failed');
    return { rows, totalUsd: billed.reduce((a, r) => a + r.usd, 0), calls: billed.length };
  }

  private changed(): void {
    const t = this.today();
    this.o.onChange?.({ spentUsd: t.spentUsd, reservedUsd: t.reservedUsd, capUsd: t.capUsd });
  }
}
