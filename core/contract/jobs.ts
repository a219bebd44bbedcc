import { z } from 'zod';
import { summarizeIssues, type JobKindTable, type MethodTable } from './define.js';
import { absolutePath, errorCode } from './schemas.js';

export const JOB_STATUSES = ['queued', 'running', 'paused', 'done', 'cancelled'] as const;
/**
 * `awaiting`: parked on a remote service (a Gemini batch, an upload) without holding a slot;
 * it is picked up again when woken, also after a restart.
 */
export const ITEM_STATUSES = [
  'queued',
  'running',
  'awaiting',
  'done',
  'failed',
  'skipped',
  'cancelled',
] as const;
export const jobStatus = z.enum(JOB_STATUSES);
export const itemStatus = z.enum(ITEM_STATUSES);
export type JobStatus = z.output<typeof jobStatus>;
export type ItemStatus = z.output<typeof itemStatus>;
export const jobPriority = z.enum(['interactive', 'background']);

export const jobCountsSchema = z.object({
  total: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  awaiting: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  cancelled: z.number().int(),
  /** Failed items that may succeed when tried again (`jobs.retryFailed` retries only these). */
  retryable: z.number().int(),
});
export type JobCounts = z.output<typeof jobCountsSchema>;

export const jobSummarySchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: jobStatus,
  priority: jobPriority,
  /** The operation's options after validation, defaults filled in. */
  options: z.record(z.string(), z.unknown()),
  /** Output folder chosen for the job, or null for "next to each input". */
  outDir: z.string().nullable(),
  /** Existing files at the planned paths are replaced (else each output takes a free name). */
  overwrite: z.boolean(),
  /** Where the inputs came from, as the user knows it (a folder, or the one file). */
  source: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  counts: jobCountsSchema,
  /** 0..1, counting partial progress of running items. */
  progress: z.number(),
  /**
   * Estimated ms to finish, paused time excluded: from recent throughput once items finish,
   * before that from the pixels left and this machine's measured speed; null when unknown.
   */
  etaMs: z.number().nullable(),
  itemsPerSecond: z.number().nullable(),
});
export type JobSummary = z.output<typeof jobSummarySchema>;

export const jobItemSchema = z.object({
  id: z.number().int(),
  jobId: z.string(),
  seq: z.number().int(),
  inputPath: z.string(),
  /** The input as the user knows it (an uploaded file by the name it had, not its server path). */
  shownPath: z.string(),
  relDir: z.string(),
  /** Input width × height, once known (given at creation, or read when the item runs). */
  pixels: z.number().int().nullable(),
  inputSha256: z.string().nullable(),
  status: itemStatus,
  attempts: z.number().int(),
  outputPath: z.string().nullable(),
  outputs: z.array(z.string()),
  /** What the operation reports about its result, e.g. the execution provider and tile size used. */
  details: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
  errorCode: errorCode.nullable(),
  errorMessage: z.string().nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  progress: z.number(),
  /** Why an awaiting item waits (a Gemini batch, today's cost cap), else null. */
  waitReason: z.string().nullable(),
  /** When an awaiting item wakes at the latest (ms epoch), else null. */
  waitUntil: z.number().nullable(),
});
export type JobItem = z.output<typeof jobItemSchema>;

export const jobEstimateSchema = z.object({
  photos: z.number().int(),
  inputPixels: z.number(),
  outputPixels: z.number(),
  /** The largest output, or null when the kind cannot say before running. */
  largestOutput: z.object({ width: z.number().int(), height: z.number().int() }).nullable(),
  /** Time on this machine at its measured speed, or null before any such job has run here. */
  estimatedMs: z.number().nullable(),
  /** How many finished photos the speed was measured from. */
  measuredFrom: z.number().int(),
  /** US dollars for paid kinds, null for local work. */
  costUsd: z.number().nullable(),
});
export type JobEstimate = z.output<typeof jobEstimateSchema>;

/** One notable event in a job's life: a retry, a crash recovered, a wait, a fallback. */
export const jobLogEntrySchema = z.object({
  id: z.number().int(),
  jobId: z.string(),
  itemId: z.number().int().nullable(),
  at: z.number(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});
export type JobLogEntry = z.output<typeof jobLogEntrySchema>;

const jobId = z.strictObject({ id: z.string().min(1).max(64) });

/** What every `jobs.create` takes, whatever the kind. */
/** One photo of a selection, where it sits in the tree the outputs mirror, and its size. */
export const jobFileSchema = z.strictObject({
  path: absolutePath,
  relDir: z.string().max(4096).default(''),
  pixels: z.number().int().positive().optional(),
});

const jobCreateCommon = {
  /** Files and folders; every file under them is an input. Give this or `files`. */
  paths: z.array(absolutePath).min(1, 'give at least one file or folder').max(100_000).optional(),
  /** Exactly these photos (the studio's selection). Give this or `paths`. */
  files: z.array(jobFileSchema).min(1, 'select at least one photo').max(100_000).optional(),
  /** Output folder; the input tree is mirrored under it. Default: a folder next to each input. */
  outDir: absolutePath.optional(),
  /** File name template with {name}, {suffix} and {ext}; default `{name}{suffix}.{ext}`. */
  template: z.string().min(1).max(200).optional(),
  suffix: z.string().max(64).optional(),
  /**
   * Replace files already at the planned output paths. Default (the overwriteOutputs setting,
   * off): a file Pixelsmith did not make from this input with these options is never replaced;
   * the output takes a free name (`photo_x2 (2).png`) instead.
   */
  overwrite: z.boolean().optional(),
  priority: jobPriority.default('background'),
};
type Common = { [F in keyof typeof jobCreateCommon]: (typeof jobCreateCommon)[F] };

/** `jobs.create` input as a caller writes it: one branch per kind, options typed by the kind. */
export type JobCreateInput<K extends JobKindTable> = {
  [Kind in keyof K & string]: { kind: Kind; options?: z.input<K[Kind]> } & z.input<z.ZodObject<Common>>;
}[keyof K & string];
/** `jobs.create` input after parsing: the kind's options with their defaults filled in. */
export type JobCreateRequest<K extends JobKindTable> = {
  [Kind in keyof K & string]: { kind: Kind; options: z.output<K[Kind]> } & z.output<z.ZodObject<Common>>;
}[keyof K & string];

/**
 * `jobs.create` as a union discriminated by `kind`, one branch per job kind with that kind's own
 * options schema: an unknown kind or a bad option is refused before anything is stored.
 */
export function jobCreateSchema<K extends JobKindTable>(
  kinds: K,
): z.ZodType<JobCreateRequest<K>, JobCreateInput<K>> {
  const branches = Object.entries(kinds).map(([kind, options]) =>
    z
      .strictObject({ kind: z.literal(kind), options: options.prefault({}), ...jobCreateCommon })
      .refine((r) => (r.paths === undefined) !== (r.files === undefined), {
        message: 'give either paths (files and folders) or files (photos), not both or neither',
        path: ['paths'],
      }),
  );
  if (branches.length === 0) return z.never() as never;
  const [first, ...rest] = branches as [(typeof branches)[number], ...(typeof branches)[number][]];
  return z.discriminatedUnion('kind', [first, ...rest]) as never;
}

/** "Invalid convert options: format: …" rather than a path into the request. */
function describeCreateInvalid(issues: readonly z.core.$ZodIssue[], raw: unknown): string {
  const kind = (raw as { kind?: unknown } | null)?.kind;
  const kindIssue = issues.find((i) => i.path[0] === 'kind');
  if (kindIssue) {
    const known = ((kindIssue as { options?: unknown[] }).options ?? []).join(', ');
    return kind === undefined
      ? `Give the job a kind: one of ${known}.`
      : `Unknown job kind ${JSON.stringify(kind)}; known kinds: ${known}.`;
  }
  if (issues.every((i) => i.path[0] === 'options')) {
    return `Invalid ${String(kind)} options: ${summarizeIssues(issues.map((i) => ({ ...i, path: i.path.slice(1) })))}`;
  }
  return `Invalid input for jobs.create: ${summarizeIssues(issues)}`;
}

/** The jobs.* RPC methods for a set of job kinds; the contract always has them. */
export function jobMethods<K extends JobKindTable>(kinds: K) {
  return {
    'jobs.create': {
      input: jobCreateSchema(kinds),
      output: jobSummarySchema,
      describeInvalid: describeCreateInvalid,
    },
    /**
     * What a job would take, before it is made: photos, output size, time from the pixels and
     * this machine's measured speed for this kind (null until one has run), cost where paid.
     */
    'jobs.estimate': {
      input: z.strictObject({
        kind: z.string().min(1).max(64),
        options: z.record(z.string(), z.unknown()).default({}),
        images: z
          .array(z.strictObject({ width: z.number().int().positive(), height: z.number().int().positive() }))
          .max(100_000),
      }),
      output: jobEstimateSchema,
    },
    'jobs.list': {
      input: z.strictObject({ status: jobStatus.optional() }).optional(),
      output: z.array(jobSummarySchema),
    },
    'jobs.get': {
      input: z.strictObject({
        id: z.string().min(1).max(64),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
        status: itemStatus.optional(),
      }),
      output: z.object({
        job: jobSummarySchema,
        items: z.array(jobItemSchema),
        totalItems: z.number().int(),
      }),
    },
    /** The job's log, oldest first (the last `limit` entries; a job keeps its last 200). */
    'jobs.log': {
      input: z.strictObject({
        id: z.string().min(1).max(64),
        limit: z.number().int().min(1).max(200).default(50),
      }),
      output: z.array(jobLogEntrySchema),
    },
    'jobs.cancel': { input: jobId, output: jobSummarySchema },
    'jobs.pause': { input: jobId, output: jobSummarySchema },
    'jobs.resume': { input: jobId, output: jobSummarySchema },
    /** Queues the failed items again that may succeed (see `isRetryable`); the others stay failed. */
    'jobs.retryFailed': { input: jobId, output: jobSummarySchema },
    /** Forgets finished jobs (done and cancelled); their output files stay where they are. */
    'jobs.clearFinished': {
      input: z.strictObject({}).optional(),
      output: z.object({ removed: z.array(z.string()) }),
    },
    'jobs.cancelItem': {
      input: z.strictObject({ itemId: z.number().int().positive() }),
      output: jobItemSchema,
    },
  } satisfies MethodTable;
}

const itemRef = { jobId: z.string(), itemId: z.number().int() };

/** The job events; the contract always has them. */
export const jobEvents = {
  'job.updated': jobSummarySchema,
  'job.progress': z.object({
    jobId: z.string(),
    counts: jobCountsSchema,
    progress: z.number(),
    etaMs: z.number().nullable(),
    itemsPerSecond: z.number().nullable(),
  }),
  'item.started': z.object({ ...itemRef, inputPath: z.string(), attempt: z.number().int() }),
  'item.progress': z.object({ ...itemRef, progress: z.number() }),
  'item.done': z.object({
    ...itemRef,
    outputs: z.array(z.string()),
    durationMs: z.number(),
    details: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
  }),
  'item.skipped': z.object({ ...itemRef, outputs: z.array(z.string()), reason: z.string() }),
  'item.awaiting': z.object({ ...itemRef, reason: z.string(), until: z.number().nullable() }),
  'job.log': jobLogEntrySchema,
  'jobs.cleared': z.object({ ids: z.array(z.string()) }),
  'item.failed': z.object({ ...itemRef, inputPath: z.string(), code: errorCode, message: z.string() }),
} as const;
