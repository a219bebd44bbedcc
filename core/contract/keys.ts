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
} as const;

/** Sent whenever keys or usage change, so gauges refresh without polling. */
const keyEvents = {
  'keys.changed': z.object({ reason: z.string() }),
} as const;

/** Gemini keys and their usage: keys.*, usage.*. */
export const keysSlice = defineSlice({ methods: keyMethods, events: keyEvents });
