import { GoogleApiError, quotaExceeded, type ErrorDetail } from './errors.js';

/** Which requests a rule applies to; every given field must match. */
export interface InjectMatch {
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Tested against the URL path without the query, e.g. `/v1beta/models/x:generateContent`. */
  path?: RegExp;
  /** Bare model id (`gemini-2.5-flash-image`) or `models/…`. */
  model?: string;
  apiKey?: string;
  /**
   * Makes the rule apply to batch lines instead of HTTP requests: the line whose key (JSONL
   * `key`, or inline `metadata.key`) matches gets the failure as its per-line result.
   */
  batchKey?: string | RegExp;
}

/** Reply with a Google error envelope. */
export interface StatusResponse {
  status: 400 | 403 | 404 | 429 | 500 | 503 | 504;
  /** Default: the usual message for the status. */
  message?: string;
  /** Default: the canonical status for the code (INVALID_ARGUMENT, INTERNAL…). */
  statusName?: string;
  details?: ErrorDetail[];
  /**
   * For 429 without `details`: the quota reply Google sends (QuotaFailure, RetryInfo) asking the
   * client to come back after this many fake ms. Default 5000.
   */
  retryDelayMs?: number;
}

/**
 * Hold the request open for `timeoutMs` real milliseconds (a client timeout shorter than that
 * fires first), then destroy the socket, or with `then: 504` answer DEADLINE_EXCEEDED.
 */
export interface TimeoutResponse {
  timeoutMs: number;
  then?: 'destroy' | 504;
}

/**
 * generateContent answers HTTP 200 but blocked: 'prompt' (default) gives no candidates and
 * `promptFeedback.blockReason` (default SAFETY); 'candidate' gives one candidate without content
 * and `finishReason` (default IMAGE_SAFETY).
 */
export interface SafetyBlockResponse {
  safetyBlock: true | 'prompt' | 'candidate';
  reason?: string;
}

/**
 * generateContent answers HTTP 200 without an image: a candidate with no `inlineData` and
 * `finishReason` (default NO_IMAGE; with STOP the candidate carries only a text part).
 */
export interface EmptyImageResponse {
  emptyImage: true;
  finishReason?: string;
}

/** What a matching rule does instead of the normal handling. */
export type InjectResponse = StatusResponse | TimeoutResponse | SafetyBlockResponse | EmptyImageResponse;

/** A failure to inject, see `FakeGemini.inject`. */
export interface InjectRule {
  match?: InjectMatch;
  /** How many matching requests it applies to before it retires. Default: unlimited. */
  times?: number;
  /**
   * The share of matching requests it applies to (0..1), drawn from the fake's seeded random
   * numbers (`randomSeed`), so a "30 % of calls get 429" storm is the same on every run. Default 1.
   */
  probability?: number;
  respond: InjectResponse;
}

/** The rule as stored: with a use counter, so a test can see whether it fired. */
export interface ActiveRule extends InjectRule {
  readonly id: number;
  hits: number;
}

/** The facts a rule is matched against. */
export interface MatchInput {
  method: string;
  path: string;
  model?: string | undefined;
  apiKey?: string | undefined;
  batchKey?: string | undefined;
  /** Whether the target generates content: safety-block and empty-image rules skip the rest. */
  generates: boolean;
}

/** Ordered rules; the first one that matches and has uses left wins. */
export class Injector {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  /** @param random numbers in [0, 1) for `probability` (seeded, so runs repeat). */
  constructor(private readonly random: () => number = seededRandom(1)) {}

  add(rule: InjectRule): ActiveRule {
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
      throw new RangeError(`Expected times to be a positive integer, got ${rule.times}`);
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new RangeError(`Expected probability in 0..1, got ${rule.probability}`);
    }
    const active: ActiveRule = { ...rule, id: this.nextId++, hits: 0 };
    this.rules.push(active);
    return active;
  }

  remove(rule: ActiveRule): void {
    this.rules = this.rules.filter((r) => r.id !== rule.id);
  }

  clear(): void {
    this.rules = [];
  }

  /** Rules still able to fire. */
  list(): readonly ActiveRule[] {
    return this.rules;
  }

  /** Finds the rule for this request or batch line and uses it up once. */
  take(input: MatchInput): InjectResponse | undefined {
    const rule = this.rules.find(
      (r) =>
        (input.generates || !shapesContent(r.respond)) &&
        matches(r.match ?? {}, input) &&
        (r.probability === undefined || this.random() < r.probability),
    );
    if (!rule) return undefined;
    rule.hits += 1;
    if (rule.times !== undefined && rule.hits >= rule.times) this.remove(rule);
    return rule.respond;
  }
}

function matches(m: InjectMatch, input: MatchInput): boolean {
  // Batch-line rules and request rules never cross: a rule for line "k2" must not fail the
  // batch-create request itself.
  if ((m.batchKey === undefined) !== (input.batchKey === undefined)) return false;
  if (m.batchKey !== undefined && !test(m.batchKey, input.batchKey ?? '')) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== input.method.toUpperCase()) return false;
  if (m.path !== undefined && !test(m.path, input.path)) return false;
  if (m.model !== undefined && m.model.replace(/^models\//, '') !== input.model) return false;
  if (m.apiKey !== undefined && m.apiKey !== input.apiKey) return false;
  return true;
}

/** Rules that shape a generateContent answer; they make no sense on other routes. */
function shapesContent(r: InjectResponse): boolean {
  return 'safetyBlock' in r || 'emptyImage' in r;
}

function test(pattern: string | RegExp, value: string): boolean {
  if (typeof pattern === 'string') return pattern === value;
  pattern.lastIndex = 0; // a /g or /y RegExp keeps state between calls
  return pattern.test(value);
}

/** The error an injected status rule stands for. */
export function injectedError(r: StatusResponse, model?: string): GoogleApiError {
  if (r.status === 429 && r.details === undefined) {
    return quotaExceeded({
      quotaMetric: 'generativelanguage.googleapis.com/generate_content_paid_tier_requests',
      quotaId: 'GenerateRequestsPerMinutePerProjectPerModel',
      model: model ?? 'unknown',
      limit: 0,
      retryDelayMs: r.retryDelayMs ?? 5000,
    });
  }
  return new GoogleApiError(r.status, r.message, r.statusName, r.details);
}

/** mulberry32: small, fast, and the same numbers for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function isStatus(r: InjectResponse): r is StatusResponse {
  return 'status' in r;
}
export function isTimeout(r: InjectResponse): r is TimeoutResponse {
  return 'timeoutMs' in r;
}
export function isSafetyBlock(r: InjectResponse): r is SafetyBlockResponse {
  return 'safetyBlock' in r;
}
export function isEmptyImage(r: InjectResponse): r is EmptyImageResponse {
  return 'emptyImage' in r;
}
