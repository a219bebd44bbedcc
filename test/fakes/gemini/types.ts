import type { BatchSchedule, BatchState, StoredBatch } from './batches.js';
import type { FakeClock } from './clock.js';
import type { StoredFile } from './files.js';
import type { ActiveRule, InjectRule } from './inject.js';
import type { FakeModel } from './models.js';
import type { KeyConfig, ModelLimits, QuotaRefusal, UsageSnapshot } from './quota.js';

/** Options of `startFakeGemini`; every one has a default. */
export interface FakeGeminiOptions {
  /**
   * Known API keys and their projects. Default: any non-empty key is accepted and is its own
   * project (`project-<key>`). With a table, unknown keys get 400 API_KEY_INVALID.
   */
  keys?: Record<string, KeyConfig>;
  /** Per-model limits, enforced per project × model, e.g. `{ 'gemini-2.5-flash': { rpm: 5, rpd: 20 } }`. */
  limits?: Record<string, ModelLimits>;
  /** Limits for models not in `limits`. Default: none. */
  defaultLimits?: ModelLimits;
  /** Models served. Default: `DEFAULT_MODELS` (2.5-flash-image, 3-pro-image-preview, 2.5-flash, 2.5-pro). */
  models?: readonly FakeModel[];
  /** Fake time at start (epoch ms, Date or ISO string). Default: real now. */
  startTime?: number | Date | string;
  /** Fake ms per real ms. Default 1; 60 makes a fake minute last a real second; 0 freezes time. */
  timeScale?: number;
  /** Automatic batch progress by fake clock. Default: none (batches move via `batches.advance`). */
  batchSchedule?: BatchSchedule;
  /** Fake ms an uploaded file stays PROCESSING. Default 0 (ACTIVE at once). */
  fileProcessingMs?: number;
  /** Whether uploaded (not generated) files may be downloaded. Default true. */
  downloadUploaded?: boolean;
  /** Long side in px of images generated without an input image. Default 256 (small, fast). */
  generatedImageSide?: number;
  /** Seed of the random numbers behind `probability` rules. Default 1. */
  randomSeed?: number;
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
}

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** URL path without query. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** From `x-goog-api-key` or `?key=`. */
  apiKey: string | undefined;
  /** Bare model id when the path names one. */
  model?: string;
  /** Parsed JSON body, the byte length of a non-JSON (binary) body, or undefined when empty. */
  body: unknown;
  /** Fake-clock ms when it arrived. */
  at: number;
}

/** A running fake Gemini API. */
export interface FakeGemini {
  /** `http://127.0.0.1:PORT`, for `httpOptions.baseUrl`. */
  readonly url: string;
  readonly clock: FakeClock;
  /** Every request, oldest first. Cleared by `reset()` (or `requests.length = 0`). */
  readonly requests: RecordedRequest[];
  /**
   * Adds a failure rule; the first matching rule with uses left wins, and it applies before key
   * checks and quotas. Returns the live rule (see `hits`).
   */
  inject(rule: InjectRule): ActiveRule;
  /** Removes every injection rule. */
  clearInjections(): void;
  readonly quota: {
    setKey(apiKey: string, config: KeyConfig): void;
    setKeys(keys: Record<string, KeyConfig> | undefined): void;
    setLimits(model: string, limits: ModelLimits): void;
    setDefaultLimits(limits: ModelLimits): void;
    /** Counters of one project × model at the current fake time. */
    usage(project: string, model: string): UsageSnapshot;
    /** Every 429 the quotas (not injection rules) answered since the last `reset()`, oldest first. */
    refusals(): readonly QuotaRefusal[];
  };
  readonly files: {
    /** Live files of every project, oldest first. */
    all(): StoredFile[];
    /** A file by `files/<id>` or `<id>`, any project. */
    get(name: string): StoredFile | undefined;
    /** Marks a file FAILED. */
    fail(name: string, message?: string): void;
  };
  readonly batches: {
    /** PENDING → RUNNING → SUCCEEDED, or straight to `to`; resolves when results are written. */
    advance(name: string, to?: BatchState, error?: { code: number; message: string }): Promise<StoredBatch>;
    get(name: string): StoredBatch | undefined;
    all(): StoredBatch[];
    /** Applies the schedule and 48 h expiry to every batch now (reads through the API do this too). */
    tick(): Promise<void>;
    /** Replaces the auto-advance schedule (`undefined`: manual only). */
    setSchedule(schedule: BatchSchedule | undefined): void;
  };
  /**
   * Clears requests, injection rules, quota usage, files, uploads and batches. Configuration
   * (keys, limits, batch schedule, including changes made through `quota`/`batches`) and the
   * clock stay as they are.
   */
  reset(): void;
  /** Stops the server, dropping held (timed-out) requests. */
  close(): Promise<void>;
}
