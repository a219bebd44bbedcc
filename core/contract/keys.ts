import { z } from 'zod';
import { defineSlice } from './define.js';

export const KEY_TIERS = ['free', 'tier1', 'tier2', 'tier3'] as const;

/** An API key as the UI sees it: never the secret, only its last four characters. */
export const keyInfoSchema = z.object({
  id: z.string(),
  label: z.string(),
  project: z.string(),
  tier: z.enum(KEY_TIERS),
  /** `…AbCd` */
  masked: z.string(),
  createdAt: z.number(),
  disabledReason: z.string().nullable(),
  /** While open, the key is not used (after 3 consecutive server errors); ms epoch or null. */
  circuitOpenUntil: z.number().nullable(),
  consecutiveFailures: z.number().int(),
  /** The last test (a real call): when, whether it worked, what was said; null: never tested. */
  lastCheck: z.object({ at: z.number(), ok: z.boolean(), message: z.string() }).nullable(),
});
export type KeyInfo = z.output<typeof keyInfoSchema>;

/** Usage of one project × model, for the gauges. */
export const usageRowSchema = z.object({
  project: z.string(),
  model: z.string(),
  /** Requests in the last 60 s, and the limit after the safety margin. */
  rpm: z.number().int(),
  rpmLimit: z.number().int(),
  /** Requests since midnight Pacific, and the limit after the safety margin. */
  rpd: z.number().int(),
  rpdLimit: z.number().int(),
  /** Next midnight Pacific (ms epoch): when `rpd` resets. */
  resetsAt: z.number(),
  /** A 429 put this project × model on hold until then (ms epoch), or null. */
  cooldownUntil: z.number().nullable(),
  /** Keys of this project that can be used now / in total. */
  usableKeys: z.number().int(),
  keys: z.number().int(),
});
export type UsageRow = z.output<typeof usageRowSchema>;

export const modelLimitSchema = z.object({
  model: z.string(),
  rpm: z.number().int().positive(),
  rpd: z.number().int().positive(),
});

/** One row of the price table: a model at an image size (`*`: every size without its own row). */
export const priceSchema = z.object({
  model: z.string(),
  imageSize: z.enum(['*', '1K', '2K', '4K']),
  /** US dollars per output image. */
  usdPerImage: z.number().nonnegative(),
  /** US dollars per million input tokens (the photo and the prompt). */
  inputUsdPerMillion: z.number().nonnegative(),
  /** When the shipped price was published (YYYY-MM), or when the user changed it (YYYY-MM-DD). */
  asOf: z.string(),
  /** Where the price comes from. */
  source: z.string(),
  /** True when the user changed it (reset restores the shipped price). */
  edited: z.boolean(),
});
export type Price = z.output<typeof priceSchema>;

/** One Gemini call as billed (or its reservation, while it runs). */
export const ledgerRowSchema = z.object({
  id: z.number().int(),
  at: z.number(),
  /** The Pacific day it counts toward, YYYY-MM-DD. */
  day: z.string(),
  model: z.string(),
  imageSize: z.string().nullable(),
  /** `reserved`: in flight; `ok`: billed; `failed`: answered without an image (billed for input); `void`: never billed. */
  status: z.enum(['reserved', 'ok', 'failed', 'void']),
  usd: z.number(),
  /** From the answer's usageMetadata. */
  promptTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  totalTokens: z.number().int().nullable(),
  /** Batch calls cost half. */
  batch: z.boolean(),
  jobId: z.string().nullable(),
  /** What the call was for, e.g. "IMG_0042.jpg · ink_wash". */
  label: z.string().nullable(),
});
export type LedgerRow = z.output<typeof ledgerRowSchema>;

/** Today's Gemini spend against the daily cap. */
export const costTodaySchema = z.object({
  day: z.string(),
  /** Billed today (settled calls). */
  spentUsd: z.number(),
  /** Held by calls in flight. */
  reservedUsd: z.number(),
  calls: z.number().int(),
  capUsd: z.number(),
  /** Alert thresholds (50, 75, 90) already passed today. */
  alerts: z.array(z.number().int()),
  /** Next midnight Pacific (ms epoch), when the day's spend starts again from 0. */
  resetsAt: z.number(),
  pricesAsOf: z.string(),
});
export type CostToday = z.output<typeof costTodaySchema>;

const label = z.string().trim().min(1, 'give the key a label').max(80);
const project = z.string().trim().min(1, 'give the Google Cloud project the key belongs to').max(120);

/** The keys.* and usage.* RPC methods. */
const keyMethods = {
  'keys.list': { input: z.strictObject({}).optional(), output: z.array(keyInfoSchema) },
  'keys.add': {
    input: z.strictObject({
      label,
      project,
      tier: z.enum(KEY_TIERS).default('free'),
      secret: z.string().trim().min(20, 'that does not look like a Gemini API key').max(200),
    }),
    output: keyInfoSchema,
  },
  /** Makes a real models.list call with the key. */
  'keys.test': {
    input: z.strictObject({ id: z.string() }),
    output: z.object({ ok: z.boolean(), message: z.string() }),
  },
  'keys.disable': {
    input: z.strictObject({ id: z.string(), reason: z.string().max(200).optional() }),
    output: keyInfoSchema,
  },
  'keys.enable': { input: z.strictObject({ id: z.string() }), output: keyInfoSchema },
  'keys.remove': { input: z.strictObject({ id: z.string() }), output: z.object({ removed: z.boolean() }) },
  'usage.summary': {
    input: z.strictObject({}).optional(),
    output: z.object({
      rows: z.array(usageRowSchema),
      limits: z.array(modelLimitSchema),
      margin: z.number(),
      /** Successful Gemini calls since midnight Pacific and their cost at public prices. */
      today: z.object({ calls: z.number().int(), usd: z.number(), pricesAsOf: z.string() }),
    }),
  },
  'usage.setLimit': {
    input: z.strictObject({
      model: z.string().min(1),
      rpm: z.number().int().positive(),
      rpd: z.number().int().positive(),
    }),
    output: modelLimitSchema,
  },
  /** Today's spend, what calls in flight hold, and the cap. */
  'cost.today': { input: z.strictObject({}).optional(), output: costTodaySchema },
  /** Ledger rows, newest first: one Pacific day (`day`), or every day kept. */
  'cost.ledger': {
    input: z
      .strictObject({
        day: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD')
          .optional(),
        limit: z.number().int().min(1).max(10_000).default(500),
      })
      .optional(),
    output: z.object({ rows: z.array(ledgerRowSchema), totalUsd: z.number(), calls: z.number().int() }),
  },
  'cost.prices': { input: z.strictObject({}).optional(), output: z.array(priceSchema) },
  'cost.setPrice': {
    input: z.strictObject({
      model: z.string().min(1).max(100),
      imageSize: z.enum(['*', '1K', '2K', '4K']).default('*'),
      usdPerImage: z.number().nonnegative().max(100),
      inputUsdPerMillion: z.number().nonnegative().max(1000).optional(),
    }),
    output: priceSchema,
  },
  /** Back to the shipped price (a price the user added is removed). */
  'cost.resetPrice': {
    input: z.strictObject({
      model: z.string().min(1).max(100),
      imageSize: z.enum(['*', '1K', '2K', '4K']).default('*'),
    }),
    output: z.object({ removed: z.boolean() }),
  },
} as const;

/** Sent whenever keys or usage change, so gauges refresh without polling. */
const keyEvents = {
  'keys.changed': z.object({ reason: z.string() }),
  /** Today's spend passed 50, 75 or 90 % of the cap: once per threshold and day, whichever process crossed it. */
  'cost.alert': z.object({
    day: z.string(),
    threshold: z.number().int(),
    spentUsd: z.number(),
    capUsd: z.number(),
  }),
  /** A call was billed or released (for gauges). */
  'cost.changed': z.object({ spentUsd: z.number(), reservedUsd: z.number(), capUsd: z.number() }),
} as const;

/** Gemini keys, their usage and what it costs: keys.*, usage.*, cost.*. */
export const keysSlice = defineSlice({ methods: keyMethods, events: keyEvents });
