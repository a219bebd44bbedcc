import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  inlinedResponses,
  inlineLines,
  parseJsonl,
  resultsJsonl,
  runLines,
  type BatchLine,
  type BatchResult,
} from './batch-run.js';
import type { FakeClock } from './clock.js';
import { GoogleApiError, invalidArgument, modelNotFound, notFound } from './errors.js';
import type { FileStore } from './files.js';
import type { GenerateDeps } from './generate.js';
import type { Ctx, Reply } from './http.js';
import type { Injector } from './inject.js';
import { paginate } from './models.js';

/** Batch states as the wire spells them (the SDK maps them to JOB_STATE_*). */
export type BatchState =
  | 'BATCH_STATE_PENDING'
  | 'BATCH_STATE_RUNNING'
  | 'BATCH_STATE_SUCCEEDED'
  | 'BATCH_STATE_FAILED'
  | 'BATCH_STATE_CANCELLED'
  | 'BATCH_STATE_EXPIRED';

const TERMINAL: ReadonlySet<BatchState> = new Set([
  'BATCH_STATE_SUCCEEDED',
  'BATCH_STATE_FAILED',
  'BATCH_STATE_CANCELLED',
  'BATCH_STATE_EXPIRED',
]);
const EXPIRY_MS = 48 * 3600_000;
const TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1main.';

/**
 * When batches move on their own, in fake ms after creation. Without a schedule they move only
 * through `advance`. Pending or running batches expire after 48 h either way.
 */
export interface BatchSchedule {
  runningAfterMs?: number;
  succeededAfterMs?: number;
}

/** A batch as the fake keeps it. */
export interface StoredBatch {
  id: string;
  project: string;
  model: string;
  displayName?: string | undefined;
  fileName?: string | undefined;
  lines: BatchLine[];
  state: BatchState;
  createTime: number;
  updateTime: number;
  endTime?: number;
  results?: BatchResult[];
  /** Results file for file-sourced batches. */
  responsesFile?: string;
  error?: { code: number; message: string };
  /** Set while results are being computed, so concurrent reads finish a batch only once. */
  finishing?: Promise<void> | undefined;
}

const CreateBody = z.looseObject({
  batch: z.looseObject({
    displayName: z.string().optional(),
    inputConfig: z.looseObject({
      fileName: z.string().optional(),
      requests: z.looseObject({ requests: z.array(z.unknown()) }).optional(),
    }),
  }),
});

/** The Batch API: create (inline or JSONL file), get, list, cancel, delete, state control. */
export class BatchStore {
  private readonly batches = new Map<string, StoredBatch>();
  schedule: BatchSchedule | undefined;

  constructor(
    private readonly clock: FakeClock,
    private readonly files: FileStore,
    private readonly injector: Injector,
    private readonly deps: GenerateDeps,
    schedule?: BatchSchedule,
  ) {
    this.schedule = schedule;
  }

  /** `POST /v1beta/models/{model}:batchGenerateContent`. */
  create(ctx: Ctx, project: string, model: string): Reply {
    if (!this.deps.models.has(model)) throw modelNotFound(model, 'batchGenerateContent');
    const parsed = CreateBody.safeParse(ctx.json);
    if (!parsed.success)
      throw invalidArgument('Invalid JSON payload received. Expected {"batch":{"inputConfig":{…}}}.');
    const { displayName, inputConfig } = parsed.data.batch;
    if ((inputConfig.fileName === undefined) === (inputConfig.requests === undefined)) {
      throw invalidArgument('batch.input_config must set exactly one of file_name or requests.');
    }
    let lines: BatchLine[];
    if (inputConfig.fileName !== undefined) {
      const file = this.files.get(inputConfig.fileName, project);
      lines = parseJsonl(file.bytes.toString('utf8'));
    } else {
      lines = inlineLines(inputConfig.requests?.requests ?? []);
    }
    if (lines.length === 0) throw invalidArgument('The batch has no requests.');
    const now = this.clock.now();
    const batch: StoredBatch = {
      id: newBatchId(),
      project,
      model,
      displayName,
      fileName:
        inputConfig.fileName === undefined
          ? undefined
          : `files/${inputConfig.fileName.replace(/^files\//, '')}`,
      lines,
      state: 'BATCH_STATE_PENDING',
      createTime: now,
      updateTime: now,
    };
    this.batches.set(batch.id, batch);
    return { json: this.operation(batch) };
  }

  /** `GET /v1beta/batches/{id}`. */
  async get(id: string, project: string): Promise<Reply> {
    const batch = this.find(id, project);
    await this.sync(batch);
    return { json: this.operation(batch) };
  }

  /** `GET /v1beta/batches?pageSize=&pageToken=`. */
  async list(ctx: Ctx, project: string): Promise<Reply> {
    const mine = [...this.batches.values()].filter((b) => b.project === project);
    await Promise.all(mine.map((b) => this.sync(b)));
    const { page, nextPageToken } = paginate(mine, ctx.query, { pageSize: 10, maxPageSize: 100 });
    return {
      json: {
        ...(page.length > 0 ? { operations: page.map((b) => this.operation(b)) } : {}),
        ...(nextPageToken ? { nextPageToken } : {}),
      },
    };
  }

  /** `POST /v1beta/batches/{id}:cancel` → `{}`; the job becomes CANCELLED. */
  async cancel(id: string, project: string): Promise<Reply> {
    const batch = this.find(id, project);
    await this.sync(batch);
    if (TERMINAL.has(batch.state)) {
      throw new GoogleApiError(
        400,
        `Batch batches/${id} is already ${batch.state} and cannot be cancelled.`,
        'FAILED_PRECONDITION',
      );
    }
    this.finish(batch, 'BATCH_STATE_CANCELLED', this.clock.now());
    return { json: {} };
  }

  /** `DELETE /v1beta/batches/{id}` → `{}`. The results file, if any, stays. */
  delete(id: string, project: string): Reply {
    this.find(id, project);
    this.batches.delete(id);
    return { json: {} };
  }

  /** A batch by `batches/<id>` or `<id>`, regardless of project (for tests). */
  peek(name: string): StoredBatch | undefined {
    return this.batches.get(name.replace(/^batches\//, ''));
  }

  /** Every batch, oldest first (for tests). */
  all(): StoredBatch[] {
    return [...this.batches.values()];
  }

  /**
   * Moves a batch on: PENDING → RUNNING → SUCCEEDED by default, or straight to `to` (any state;
   * SUCCEEDED computes the results, FAILED sets `error`). Resolves once results are written.
   */
  async advance(
    name: string,
    to?: BatchState,
    error?: { code: number; message: string },
  ): Promise<StoredBatch> {
    const batch = this.peek(name);
    if (!batch) throw new Error(`No batch ${name}`);
    if (batch.finishing) await batch.finishing;
    if (TERMINAL.has(batch.state)) throw new Error(`Batch ${name} is already ${batch.state}`);
    const target =
      to ?? (batch.state === 'BATCH_STATE_PENDING' ? 'BATCH_STATE_RUNNING' : 'BATCH_STATE_SUCCEEDED');
    await this.moveTo(batch, target, this.clock.now(), error);
    return batch;
  }

  /**
   * Applies the schedule and expiry to every batch now. The API does this lazily when it reads a
   * batch (get/list/cancel); tests that only peek at the store call this first.
   */
  async tick(): Promise<void> {
    await Promise.all(this.all().map((b) => this.sync(b)));
  }

  clear(): void {
    this.batches.clear();
  }

  /** Applies the schedule and the 48 h expiry for the current fake time. */
  private async sync(batch: StoredBatch): Promise<void> {
    // No await between the state check and moveTo(), which sets `finishing` synchronously:
    // that is what keeps two concurrent reads from computing the results twice.
    if (batch.finishing) await batch.finishing;
    if (TERMINAL.has(batch.state)) return;
    const s = this.schedule;
    const now = this.clock.now();
    const expireAt = batch.createTime + EXPIRY_MS;
    const doneAt = s?.succeededAfterMs === undefined ? undefined : batch.createTime + s.succeededAfterMs;
    if (doneAt !== undefined && doneAt <= now && doneAt < expireAt)
      return this.moveTo(batch, 'BATCH_STATE_SUCCEEDED', doneAt);
    if (expireAt <= now) return this.moveTo(batch, 'BATCH_STATE_EXPIRED', expireAt);
    const runAt = s?.runningAfterMs === undefined ? undefined : batch.createTime + s.runningAfterMs;
    if (runAt !== undefined && runAt <= now && batch.state === 'BATCH_STATE_PENDING') {
      await this.moveTo(batch, 'BATCH_STATE_RUNNING', runAt);
    }
  }

  private async moveTo(
    batch: StoredBatch,
    to: BatchState,
    at: number,
    error?: { code: number; message: string },
  ): Promise<void> {
    if (to === 'BATCH_STATE_SUCCEEDED') {
      batch.finishing = this.complete(batch, at).finally(() => {
        batch.finishing = undefined;
      });
      return batch.finishing;
    }
    if (to === 'BATCH_STATE_FAILED')
      batch.error = error ?? { code: 13, message: 'Batch failed: internal error.' };
    if (TERMINAL.has(to)) return this.finish(batch, to, at);
    batch.state = to;
    batch.updateTime = at;
  }

  private async complete(batch: StoredBatch, at: number): Promise<void> {
    let results: BatchResult[];
    try {
      results = await runLines(this.deps, this.injector, batch.project, batch.model, batch.lines);
    } catch (err) {
      batch.error = {
        code: 13,
        message: `Batch failed: ${err instanceof Error ? err.message : String(err)}`,
      };
      return this.finish(batch, 'BATCH_STATE_FAILED', at);
    }
    batch.results = results;
    if (batch.fileName !== undefined) {
      const file = this.files.add(
        batch.project,
        Buffer.from(resultsJsonl(results), 'utf8'),
        'application/jsonl',
        {
          id: `batch${batch.id}`,
          source: 'GENERATED',
        },
      );
      batch.responsesFile = `files/${file.id}`;
    }
    this.finish(batch, 'BATCH_STATE_SUCCEEDED', at);
  }

  private finish(batch: StoredBatch, state: BatchState, at: number): void {
    batch.state = state;
    batch.updateTime = at;
    batch.endTime = at;
  }

  private find(id: string, project: string): StoredBatch {
    const batch = this.batches.get(id);
    // Another project's batch is as invisible as a missing one.
    if (!batch || batch.project !== project) throw notFound();
    return batch;
  }

  /** The long-running Operation the API returns for a batch (wire reference §4). */
  operation(b: StoredBatch): Record<string, unknown> {
    const done = TERMINAL.has(b.state);
    const ok = b.results?.filter((r) => !r.error).length ?? 0;
    const failed = b.results?.filter((r) => r.error).length ?? 0;
    const pending = done ? 0 : b.lines.length;
    const stats = {
      requestCount: String(b.lines.length),
      ...(pending > 0 ? { pendingRequestCount: String(pending) } : {}),
      ...(ok > 0 ? { successfulRequestCount: String(ok) } : {}),
      ...(failed > 0 ? { failedRequestCount: String(failed) } : {}),
    };
    let output: Record<string, unknown> | undefined;
    if (b.state === 'BATCH_STATE_SUCCEEDED' && b.results) {
      output =
        b.responsesFile !== undefined
          ? { responsesFile: b.responsesFile }
          : { inlinedResponses: { inlinedResponses: inlinedResponses(b.results) } };
    }
    const iso = (ms: number): string => new Date(ms).toISOString();
    const metadata = {
      '@type': `${TYPE}GenerateContentBatch`,
      name: `batches/${b.id}`,
      model: `models/${b.model}`,
      ...(b.displayName !== undefined ? { displayName: b.displayName } : {}),
      ...(b.fileName !== undefined ? { inputConfig: { fileName: b.fileName } } : {}),
      createTime: iso(b.createTime),
      updateTime: iso(b.updateTime),
      ...(b.endTime !== undefined ? { endTime: iso(b.endTime) } : {}),
      batchStats: stats,
      state: b.state,
      ...(output ? { output } : {}),
    };
    const end = !done
      ? {}
      : b.error
        ? { done: true, error: b.error }
        : output
          ? { done: true, response: { '@type': `${TYPE}GenerateContentBatchOutput`, ...output } }
          : { done: true };
    return { name: `batches/${b.id}`, metadata, ...end };
  }
}

function newBatchId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
}
