import { nextPacificMidnight, pacificDay, type FakeClock } from './clock.js';
import {
  apiKeyInvalid,
  leakedKey,
  quotaExceeded,
  unregisteredCaller,
  type GoogleApiError,
} from './errors.js';

/** How the fake treats one API key. */
export interface KeyConfig {
  /** Google Cloud project the key belongs to; quotas, files and batches are per project. */
  project: string;
  /** `false` answers 400 API_KEY_INVALID (a deleted or mistyped key). Default true. */
  valid?: boolean;
  /** `true` answers 403 PERMISSION_DENIED "reported as leaked". Default false. */
  leaked?: boolean;
}

/** Per-model request limits, enforced per project × model. Leave one out for no limit. */
export interface ModelLimits {
  /** Requests per sliding 60 s window. 0 means every request is refused. */
  rpm?: number;
  /** Requests per Pacific calendar day (resets at midnight America/Los_Angeles). */
  rpd?: number;
  /** Which metric names and quota ids the 429 reports. Default 'free'. */
  tier?: 'free' | 'paid';
}

/**
 * Metric and quota-id names per tier. Free-tier names come from real 429s (wire reference §5);
 * the paid per-day metric is quoted there too, the paid per-minute one is the same pattern
 * without the day suffix (not verified).
 */
const METRICS = {
  free: {
    rpm: {
      metric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
      id: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
    },
    rpd: {
      metric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
      id: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
    },
  },
  paid: {
    rpm: {
      metric: 'generativelanguage.googleapis.com/generate_requests_per_model',
      id: 'GenerateRequestsPerMinutePerProjectPerModel',
    },
    rpd: {
      metric: 'generativelanguage.googleapis.com/generate_requests_per_model_per_day',
      id: 'GenerateRequestsPerDayPerProjectPerModel',
    },
  },
} as const;

const WINDOW_MS = 60_000;

interface Usage {
  /** Fake-clock times of accepted requests still inside the RPM window, oldest first. */
  minute: number[];
  /** Pacific date the `day` counter belongs to. */
  dayKey: string;
  day: number;
}

/** A snapshot of one project × model counter, for assertions. */
export interface UsageSnapshot {
  /** Requests in the last 60 fake seconds. */
  minute: number;
  /** Requests since the last Pacific midnight. */
  day: number;
}

/** One request the quota refused with 429 (injected 429s are not quota refusals). */
export interface QuotaRefusal {
  /** Fake-clock ms of the refusal. */
  at: number;
  project: string;
  /** Bare model id. */
  model: string;
  /** The limit that refused it. */
  limit: 'rpm' | 'rpd';
}

/** Who is calling: resolved from the key, or an error to answer with. */
export type Caller = { apiKey: string; project: string };

/**
 * Knows which key belongs to which project and counts requests per project × model, refusing
 * over-limit ones with the real 429 body. Only accepted requests are counted, as on the real API
 * (a refused request does not use quota).
 */
export class QuotaBook {
  private keys: Map<string, KeyConfig> | undefined;
  private readonly limits = new Map<string, ModelLimits>();
  private readonly usage = new Map<string, Usage>();
  /** Every quota refusal since the last `resetUsage`, oldest first: benchmarks count them. */
  readonly refusals: QuotaRefusal[] = [];

  /**
   * @param keys known keys; `undefined` accepts any non-empty key as its own project, so
   *   quick tests need no setup.
   * @param limits per-model limits; models not listed have no limit (see `defaultLimits`).
   * @param defaultLimits limits for models not in `limits`.
   */
  constructor(
    private readonly clock: FakeClock,
    keys: Record<string, KeyConfig> | undefined,
    limits: Record<string, ModelLimits> = {},
    private defaultLimits: ModelLimits = {},
  ) {
    this.setKeys(keys);
    for (const [model, l] of Object.entries(limits)) this.setLimits(model, l);
  }

  /** Replaces the key table (`undefined`: any key is accepted as its own project). */
  setKeys(keys: Record<string, KeyConfig> | undefined): void {
    this.keys = keys ? new Map(Object.entries(keys)) : undefined;
  }

  /** Adds or changes one key. */
  setKey(apiKey: string, config: KeyConfig): void {
    this.keys ??= new Map();
    this.keys.set(apiKey, config);
  }

  /** Sets the limits of one model (bare id, e.g. `gemini-2.5-flash`). */
  setLimits(model: string, limits: ModelLimits): void {
    this.limits.set(bareModel(model), limits);
  }

  /** Sets the limits of models that have none of their own. */
  setDefaultLimits(limits: ModelLimits): void {
    this.defaultLimits = limits;
  }

  /** Resolves the caller of a request or returns the error the real API would give. */
  authenticate(apiKey: string | undefined): Caller | GoogleApiError {
    if (!apiKey) return unregisteredCaller();
    if (!this.keys) return { apiKey, project: `project-${apiKey}` };
    const config = this.keys.get(apiKey);
    if (!config || config.valid === false) return apiKeyInvalid();
    if (config.leaked) return leakedKey();
    return { apiKey, project: config.project };
  }

  /**
   * Counts one request of `project` on `model`, or returns the 429 to send without counting it.
   * RPD is checked first: when both are exhausted, the day is the binding limit to report.
   */
  consume(project: string, model: string): GoogleApiError | undefined {
    const id = bareModel(model);
    const limits = this.limits.get(id) ?? this.defaultLimits;
    const now = this.clock.now();
    const usage = this.current(project, id, now);
    const tier = limits.tier ?? 'free';
    if (limits.rpd !== undefined && usage.day >= limits.rpd) {
      this.refusals.push({ at: now, project, model: id, limit: 'rpd' });
      return quotaExceeded({
        quotaMetric: METRICS[tier].rpd.metric,
        quotaId: METRICS[tier].rpd.id,
        model: id,
        limit: limits.rpd,
        retryDelayMs: nextPacificMidnight(now) - now,
      });
    }
    if (limits.rpm !== undefined && usage.minute.length >= limits.rpm) {
      const oldest = usage.minute[usage.minute.length - limits.rpm] ?? now;
      this.refusals.push({ at: now, project, model: id, limit: 'rpm' });
      return quotaExceeded({
        quotaMetric: METRICS[tier].rpm.metric,
        quotaId: METRICS[tier].rpm.id,
        model: id,
        limit: limits.rpm,
        // limit 0 never frees up; report a minute, as Google does for zero-quota models.
        retryDelayMs: limits.rpm === 0 ? WINDOW_MS : oldest + WINDOW_MS - now,
      });
    }
    usage.minute.push(now);
    usage.day += 1;
    return undefined;
  }

  /** Current counters of one project × model (after expiring old entries). */
  snapshot(project: string, model: string): UsageSnapshot {
    const usage = this.current(project, bareModel(model), this.clock.now());
    return { minute: usage.minute.length, day: usage.day };
  }

  /** Forgets all counted usage and refusals (keys and limits stay). */
  resetUsage(): void {
    this.usage.clear();
    this.refusals.length = 0;
  }

  private current(project: string, model: string, now: number): Usage {
    const key = `${project}\u0000${model}`;
    const dayKey = pacificDay(now);
    let usage = this.usage.get(key);
    if (!usage) {
      usage = { minute: [], dayKey, day: 0 };
      this.usage.set(key, usage);
    }
    if (usage.dayKey !== dayKey) {
      usage.dayKey = dayKey;
      usage.day = 0;
    }
    // A clock moved backwards may leave entries "in the future"; they still count until they age out.
    while (usage.minute.length > 0 && (usage.minute[0] ?? 0) <= now - WINDOW_MS) usage.minute.shift();
    return usage;
  }
}

/** `models/gemini-x` and `gemini-x` name the same model. */
export function bareModel(model: string): string {
  return model.replace(/^models\//, '');
}
