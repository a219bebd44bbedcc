import type { Database } from 'better-sqlite3';
import { assertNever, RpcError } from '../../contract/errors.js';
import type { UsageRow } from '../../contract/keys.js';
import { createApiKeysRepo, type ApiKeyRow, type ApiKeysRepo } from './apiKeysRepo.js';
import { systemClock } from '../../kernel/clock.js';
import { createKeyCooldownsRepo } from './keyCooldownsRepo.js';
import { createKeyUsageRepo } from './keyUsageRepo.js';
import { createModelLimitsRepo, type ModelLimit } from './modelLimitsRepo.js';
import { outcomeFromError, type Outcome } from './outcome.js';

export type { Outcome } from './outcome.js';
import { nextPacificMidnight, pacificDayStart } from './pacific.js';
import type { SecretBox } from './secretBox.js';

/** A reserved request slot: which key to call with, and the row that counts it. */
export interface Lease {
  usageId: number;
  keyId: string;
  label: string;
  project: string;
  model: string;
  secret: string;
}

export interface QuotaOptions {
  db: Database;
  secrets: SecretBox;
  now?: () => number;
  /** Waits for a free slot; tests pass one that advances a fake clock. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The `api_keys` repo, shared with the key store (default: its own). */
  apiKeys?: ApiKeysRepo;
  /** Share of every published limit actually used (default 0.9); a function is read at every use (a setting). */
  margin?: number | (() => number);
  onChange?: (reason: string) => void;
}

const WINDOW_MS = 60_000;
/**
 * A minute slot frees this much later than our own count says: Google counts a request when it
 * arrives, a little after we reserve it, on a clock that may differ from ours by a second.
 */
export const WINDOW_GUARD_MS = 2_000;
/** Calls of one model in flight at most, whatever the quota: each holds its photo in memory. */
const MAX_IN_FLIGHT = 32;
const FAILURES_TO_OPEN = 3;
const FIRST_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 30 * 60_000;
const DEFAULT_LIMIT = { rpm: 10, rpd: 500 };

/** Raw usage rows kept: today and the Pacific days before it that a usage chart shows. */
export const USAGE_HISTORY_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;

export interface AcquireOptions {
  signal?: AbortSignal;
  /**
   * Runs inside the transaction that reserves the slot, once one is found; whatever it writes
   * commits with the slot, and if it throws neither is kept and `acquire` rethrows.
   */
  alsoReserve?: (lease: Omit<Lease, 'secret'>) => void;
}

type Attempt = { lease: Omit<Lease, 'secret'>; key: ApiKeyRow } | { waitUntil: number };

/**
 * Rate limits are per Google Cloud project × model, not per key: keys of one project share a
 * budget, keys of different projects add up. RPM is a sliding 60 s window; RPD counts from
 * midnight Pacific. A reservation (count, then insert) happens inside one BEGIN IMMEDIATE
 * transaction, so processes sharing the database never overshoot.
 */
export class QuotaManager {
  private readonly keys;
  private readonly usage;
  private readonly cooldowns;
  private readonly limits;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly marginOf: () => number;

  private lastPrune = -Infinity;

  constructor(private readonly o: QuotaOptions) {
    this.keys = o.apiKeys ?? createApiKeysRepo(o.db);
    this.usage = createKeyUsageRepo(o.db);
    this.cooldowns = createKeyCooldownsRepo(o.db);
    this.limits = createModelLimitsRepo(o.db);
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? systemClock.sleep;
    const margin = o.margin ?? 0.9;
    this.marginOf = typeof margin === 'number' ? () => margin : margin;
  }

  /** Share of every published limit used now. */
  get margin(): number {
    return this.marginOf();
  }

  /** The limits in force for a model, after the safety margin. */
  effectiveLimit(model: string): { rpm: number; rpd: number } {
    const l: Pick<ModelLimit, 'rpm' | 'rpd'> = this.limits.get(model) ?? DEFAULT_LIMIT;
    return {
      rpm: Math.max(1, Math.floor(l.rpm * this.margin)),
      rpd: Math.max(1, Math.floor(l.rpd * this.margin)),
    };
  }

  /**
   * A lease on the project with the most headroom. When none has room, waits (a timer, never a
   * busy loop) until the earliest slot frees: the minute window moving, a cooldown or an open
   * circuit ending. Throws NO_KEYS with no usable key, QUOTA_EXHAUSTED when every project has
   * used its day.
   */
  async acquire(model: string, options: AcquireOptions = {}): Promise<Lease> {
    this.prune();
    for (;;) {
      options.signal?.throwIfAborted();
      const attempt = this.o.db
        .transaction((): Attempt => {
          const a = this.tryReserve(model);
          // In the same transaction: what else the call holds (its cost against the daily cap).
          // Throwing here rolls the slot back too.
          if ('lease' in a) options.alsoReserve?.(a.lease);
          return a;
        })
        .immediate();
      if ('lease' in attempt) {
        let secret: string;
        try {
          secret = this.o.secrets.decrypt(attempt.key.secret);
        } catch (error) {
          // An undecryptable key (its key file was replaced) is set aside; the run goes on with the others.
          this.release(
            { ...attempt.lease, secret: '' },
            { kind: 'invalid-key', reason: (error as Error).message },
          );
          continue;
        }
        this.o.onChange?.('acquired');
        return { ...attempt.lease, secret };
      }
      await this.sleep(Math.max(1, attempt.waitUntil - this.now()), options.signal);
    }
  }

  private tryReserve(model: string): Attempt {
    const now = this.now();
    const { rpm: rpmLimit, rpd: rpdLimit } = this.effectiveLimit(model);
    const enabled = this.keys.list().filter((k) => k.disabledReason === null);
    if (enabled.length === 0) {
      throw new RpcError(
        'NO_KEYS',
        'No Gemini API key is enabled. Add one in Keys & usage (or `pixelsmith keys add`).',
      );
    }
    const dayStart = pacificDayStart(now);
    const projects = [...new Set(enabled.map((k) => k.project))];
    let best: { project: string; headroom: number; key: ApiKeyRow } | null = null;
    let waitUntil = Infinity;
    let exhausted = 0;
    for (const project of projects) {
      const keys = enabled.filter((k) => k.project === project);
      if (this.usage.countSince(project, model, dayStart - 1) >= rpdLimit) {
        exhausted += 1;
        continue;
      }
      const usable = keys.filter((k) => k.circuitOpenUntil === null || k.circuitOpenUntil <= now);
      if (usable.length === 0) {
        waitUntil = Math.min(waitUntil, ...keys.map((k) => k.circuitOpenUntil ?? now));
        continue;
      }
      const cooldown = this.cooldowns.get(project, model);
      if (cooldown !== null && cooldown > now) {
        waitUntil = Math.min(waitUntil, cooldown);
        continue;
      }
      const window = WINDOW_MS + WINDOW_GUARD_MS;
      const rpm = this.usage.countSince(project, model, now - window);
      if (rpm >= rpmLimit) {
        waitUntil = Math.min(
          waitUntil,
          (this.usage.oldestSince(project, model, now - window) ?? now) + window + 1,
        );
        continue;
      }
      const rpd = this.usage.countSince(project, model, dayStart - 1);
      const headroom = Math.min((rpmLimit - rpm) / rpmLimit, (rpdLimit - rpd) / rpdLimit);
      // Within a project, the least recently used key, so rotation spreads evenly.
      const key = [...usable].sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
      if (key && (!best || headroom > best.headroom)) best = { project, headroom, key };
    }
    if (best) {
      const usageId = this.usage.reserve(best.key.id, best.project, model, now);
      this.keys.touch(best.key.id, now);
      return {
        lease: { usageId, keyId: best.key.id, label: best.key.label, project: best.project, model },
        key: best.key,
      };
    }
    if (exhausted === projects.length) {
      const reset = nextPacificMidnight(now);
      throw new RpcError(
        'QUOTA_EXHAUSTED',
        `Every project has used today's ${rpdLimit} requests for ${model} (${projects.length} project${projects.length === 1 ? '' : 's'}). Counts reset at midnight Pacific, in ${Math.ceil((reset - now) / 60_000)} min; add a key from another project for more.`,
        { resetsAt: reset },
      );
    }
    return { waitUntil };
  }

  /**
   * Drops usage rows older than today and the USAGE_HISTORY_DAYS Pacific days before it, and
   * cooldowns long over: the minute window and the day count never need them. Runs at most once
   * an hour unless forced; returns the rows removed.
   */
  prune(force = false): number {
    const now = this.now();
    if (!force && now - this.lastPrune < PRUNE_EVERY_MS) return 0;
    this.lastPrune = now;
    let cutoff = pacificDayStart(now);
    for (let day = 0; day < USAGE_HISTORY_DAYS; day += 1) cutoff = pacificDayStart(cutoff - 1);
    return this.usage.prune(cutoff) + this.cooldowns.prune(now - WINDOW_MS);
  }

  /**
   * Holds a lease for the time of one call: acquired before `call` runs, released when it ends,
   * with the outcome read from what it returned or threw (a 429 puts the project on hold, a
   * refused key is disabled, a server error counts toward the key's circuit). A call that never
   * reached Google (aborted first) frees its slot. The call's result or error passes through.
   */
  async withLease<T>(
    model: string,
    call: (lease: Lease) => Promise<{ value: T; tokens?: { input?: number; output?: number } }>,
    options: AcquireOptions = {},
  ): Promise<T> {
    const lease = await this.acquire(model, options);
    let result: { value: T; tokens?: { input?: number; output?: number } };
    try {
      result = await call(lease);
    } catch (error) {
      this.release(
        lease,
        options.signal?.aborted ? { kind: 'not-sent' } : (outcomeFromError(error) ?? { kind: 'ok' }),
      );
      throw error;
    }
    this.release(lease, {
      kind: 'ok',
      ...(result.tokens?.input !== undefined && { inputTokens: result.tokens.input }),
      ...(result.tokens?.output !== undefined && { outputTokens: result.tokens.output }),
    });
    return result.value;
  }

  /**
   * The leased request is leaving now: its minute is counted from here, not from when the slot
   * was reserved. What happens in between (a client loaded, a photo encoded, other calls' work on
   * a busy event loop) would otherwise let our window slide while Google's, which counts from
   * arrival, is still full.
   */
  markSent(lease: Pick<Lease, 'usageId'>): void {
    this.usage.sent(lease.usageId, this.now());
  }

  /** Records how a leased request went; see `Outcome`. */
  release(lease: Lease, outcome: Outcome): void {
    const now = this.now();
    this.o.db
      .transaction(() => {
        switch (outcome.kind) {
          case 'ok':
            this.usage.settle(lease.usageId, 'ok', outcome.inputTokens ?? null, outcome.outputTokens ?? null);
            this.keys.succeeded(lease.keyId);
            break;
          case 'rate-limited':
            // Google does not count a refused request; the project × model waits as told.
            this.usage.settle(lease.usageId, 'refused', null, null);
            this.cooldowns.hold(
              lease.project,
              lease.model,
              now + (outcome.retryAfterMs ?? WINDOW_MS),
              'rate limited (429)',
            );
            break;
          case 'invalid-key':
            this.usage.settle(lease.usageId, 'refused', null, null);
            this.keys.setDisabled(lease.keyId, outcome.reason);
            break;
          case 'server-error': {
            this.usage.settle(lease.usageId, 'failed', null, null);
            const key = this.keys.get(lease.keyId);
            if (!key) break;
            const failures = key.consecutiveFailures + 1;
            if (failures >= FAILURES_TO_OPEN) {
              const backoff =
                key.circuitBackoffMs > 0
                  ? Math.min(MAX_BACKOFF_MS, key.circuitBackoffMs * 2)
                  : FIRST_BACKOFF_MS;
              this.keys.failed(lease.keyId, failures, now + backoff, backoff);
            } else {
              this.keys.failed(lease.keyId, failures, key.circuitOpenUntil, key.circuitBackoffMs);
            }
            break;
          }
          case 'not-sent':
            this.usage.cancel(lease.usageId);
            break;
          default:
            assertNever(outcome);
        }
      })
      .immediate();
    this.o.onChange?.(outcome.kind);
  }

  /**
   * What the enabled projects allow for `model`: calls a minute (after the margin; projects whose
   * keys are all in an open circuit count nothing until it closes), calls left today, and how
   * many calls may sensibly be in flight at once (one minute's worth).
   */
  capacity(model: string): { perMinute: number; remainingToday: number; projects: number; inFlight: number } {
    const now = this.now();
    const { rpm, rpd } = this.effectiveLimit(model);
    const enabled = this.keys.list().filter((k) => k.disabledReason === null);
    const projects = [...new Set(enabled.map((k) => k.project))];
    let perMinute = 0;
    let remainingToday = 0;
    for (const project of projects) {
      const left = Math.max(0, rpd - this.usage.countSince(project, model, pacificDayStart(now) - 1));
      remainingToday += left;
      const usable = enabled.some(
        (k) => k.project === project && (k.circuitOpenUntil === null || k.circuitOpenUntil <= now),
      );
      if (usable && left > 0) perMinute += rpm;
    }
    return {
      perMinute,
      remainingToday,
      projects: projects.length,
      inFlight: Math.max(1, Math.min(MAX_IN_FLIGHT, perMinute)),
    };
  }

  /** True once today's requests for `model` reach 90 % of all enabled projects' daily total. */
  isDailyLimitCritical(model: string): boolean {
    const now = this.now();
    const projects = [
      ...new Set(
        this.keys
          .list()
          .filter((k) => k.disabledReason === null)
          .map((k) => k.project),
      ),
    ];
    if (projects.length === 0) return true;
    const limit = this.effectiveLimit(model).rpd * projects.length;
    const used = projects.reduce(
      (sum, p) => sum + this.usage.countSince(p, model, pacificDayStart(now) - 1),
      0,
    );
    return used >= 0.9 * limit;
  }

  /** Gauges: every project × model used today or on hold. */
  summary(): UsageRow[] {
    const now = this.now();
    const dayStart = pacificDayStart(now);
    const keys = this.keys.list();
    return this.usage.pairsSince(dayStart - 1).map(({ project, model }) => {
      const { rpm, rpd } = this.effectiveLimit(model);
      const mine = keys.filter((k) => k.project === project);
      const cooldown = this.cooldowns.get(project, model);
      return {
        project,
        model,
        rpm: this.usage.countSince(project, model, now - WINDOW_MS),
        rpmLimit: rpm,
        rpd: this.usage.countSince(project, model, dayStart - 1),
        rpdLimit: rpd,
        resetsAt: nextPacificMidnight(now),
        cooldownUntil: cooldown !== null && cooldown > now ? cooldown : null,
        usableKeys: mine.filter(
          (k) => k.disabledReason === null && (k.circuitOpenUntil === null || k.circuitOpenUntil <= now),
        ).length,
        keys: mine.length,
      };
    });
  }

  limitsList(): ModelLimit[] {
    return this.limits.list();
  }

  setLimit(limit: ModelLimit): ModelLimit {
    this.limits.set(limit);
    this.o.onChange?.('limits');
    return limit;
  }
}
