import { z } from 'zod';
import { defineSlice } from './define.js';
import { jobFileSchema } from './jobs.js';
import { absolutePath } from './schemas.js';

/** Output sizes Gemini image models take (`imageConfig.imageSize`, upper-case K). */
export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

/** Aspect ratios Gemini image models take; `auto` picks the one nearest the photo's own. */
export const ASPECT_RATIOS = [
  'auto',
  '1:1',
  '2:3',
  '3:2',
  '3:4',
  '4:3',
  '4:5',
  '5:4',
  '9:16',
  '16:9',
  '21:9',
] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/**
 * The Gemini image models Pixelsmith knows: which output sizes each makes, and whether it takes
 * `candidateCount` > 1 (neither does: every variation is its own call). Other model ids may be
 * typed in (a newer model); they get every size and one candidate per call.
 */
export const GEMINI_IMAGE_MODELS = [
  { id: 'gemini-2.5-flash-image', name: 'Gemini 2.5 Flash Image', sizes: ['1K'] },
  { id: 'gemini-3-pro-image-preview', name: 'Gemini 3 Pro Image (preview)', sizes: ['1K', '2K', '4K'] },
] as const satisfies readonly { id: string; name: string; sizes: readonly ImageSize[] }[];
export const DEFAULT_IMAGE_MODEL = 'gemini-2.5-flash-image';

/** The sizes a model makes (every size for a model Pixelsmith does not know). */
export function sizesOf(model: string): readonly ImageSize[] {
  return GEMINI_IMAGE_MODELS.find((m) => m.id === model)?.sizes ?? IMAGE_SIZES;
}

/** Why `model` cannot make `size`, or null when it can. */
export function sizeProblem(model: string, size: ImageSize): string | null {
  const sizes = sizesOf(model);
  if (sizes.includes(size)) return null;
  const bigger = GEMINI_IMAGE_MODELS.filter((m) => (m.sizes as readonly string[]).includes(size)).map(
    (m) => m.id,
  );
  return `${model} makes ${sizes.join('/')} images only; ${size} needs ${bigger.join(' or ') || 'another model'}`;
}

export const BUILTIN_STYLE_IDS = ['bw_fine_art', 'ink_wash', 'van_gogh'] as const;

/** A style's id: it goes into output names (`photo_<id>.png`), so it is short and plain. */
export const styleIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_]{0,39}$/, 'use 1–40 lower-case letters, digits and _ (it goes into file names)');

const modelId = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9.\-_]{1,99}$/, 'must be a Gemini model id such as gemini-2.5-flash-image');

/** What a user sets on a style. Sampling fields left out use the model's own defaults. */
const styleFields = {
  name: z.string().trim().min(1, 'give the style a name').max(80),
  prompt: z.string().trim().min(20, 'write a prompt of at least 20 characters').max(8000),
  model: modelId.default(DEFAULT_IMAGE_MODEL),
  aspectRatio: z.enum(ASPECT_RATIOS).default('4:5'),
  imageSize: z.enum(IMAGE_SIZES).default('1K'),
  temperature: z.number().min(0).max(2).nullable().default(null),
  topP: z.number().min(0).max(1).nullable().default(null),
  topK: z.number().int().min(1).max(500).nullable().default(null),
};
const sizeFits = (s: { model: string; imageSize: ImageSize }): boolean =>
  sizeProblem(s.model, s.imageSize) === null;
const sizeMessage = {
  message: 'this model does not make images of that size',
  path: ['imageSize'],
};

/** A new style, or every field of an edited one. */
export const styleDraftSchema = z.strictObject(styleFields).refine(sizeFits, sizeMessage);
export type StyleDraft = z.input<typeof styleDraftSchema>;

export const styleSchema = z.object({
  id: styleIdSchema,
  /** Built-in styles ship with Pixelsmith and cannot be edited; duplicate one to change it. */
  builtin: z.boolean(),
  name: z.string(),
  prompt: z.string(),
  model: z.string(),
  aspectRatio: z.enum(ASPECT_RATIOS),
  imageSize: z.enum(IMAGE_SIZES),
  temperature: z.number().nullable(),
  topP: z.number().nullable(),
  topK: z.number().int().nullable(),
  createdAt: z.number().nullable(),
  updatedAt: z.number().nullable(),
  /** Thumbnail refs (`files.thumbnail`) of the latest results in this style, newest first. */
  samples: z.array(z.string()),
});
export type Style = z.output<typeof styleSchema>;

/** A style as a job runs it: frozen when the job is made, with the job's overrides applied. */
export const resolvedStyleSchema = z.strictObject(
  styleSchema.pick({
    id: true,
    name: true,
    prompt: true,
    model: true,
    aspectRatio: true,
    imageSize: true,
    temperature: true,
    topP: true,
    topK: true,
  }).shape,
);
export type ResolvedStyle = z.output<typeof resolvedStyleSchema>;

/** Most variations one photo gets per style. */
export const MAX_VARIATIONS = 8;

export const restyleOptionsSchema = z
  .strictObject({
    /** Style ids; every photo is restyled in each ("all styles at once" lists them all). */
    styles: z
      .array(styleIdSchema)
      .min(1, 'choose at least one style')
      .max(20)
      .refine((s) => new Set(s).size === s.length, 'a style is listed twice'),
    /** Images per photo and style: `_c2`, `_c3` … after the first. Each is its own call. */
    variations: z.number().int().min(1).max(MAX_VARIATIONS).default(1),
    /** Use this model for every style instead of each style's own. */
    model: modelId.optional(),
    /** Use this size for every style instead of each style's own. */
    imageSize: z.enum(IMAGE_SIZES).optional(),
    /**
     * Filled in when the job is made: the styles exactly as they were then (prompt, model,
     * config), so an edit afterwards never changes a job already queued. Anything given is replaced.
     */
    resolved: z.array(resolvedStyleSchema).optional(),
  })
  .refine(
    (o) =>
      o.model === undefined ||
      o.imageSize === undefined ||
      sizeFits({ model: o.model, imageSize: o.imageSize }),
    {
      message: 'this model does not make images of that size',
      path: ['imageSize'],
    },
  );
export type RestyleOptions = z.output<typeof restyleOptionsSchema>;

/** What the request to Gemini is for a style: shown by the style editor's preview. */
export const stylePreviewSchema = z.object({
  prompt: z.string(),
  model: z.string(),
  /** `generationConfig` as sent (imageConfig inside it). */
  generationConfig: z.record(z.string(), z.unknown()),
  /** One image at the current prices. */
  usdPerImage: z.number(),
  /** What is wrong with it, if anything (a size the model does not make). */
  problems: z.array(z.string()),
});

/** Per model, for an estimate. */
export const restyleEstimateModelSchema = z.object({
  model: z.string(),
  calls: z.number().int(),
  usd: z.number(),
  /** Calls a minute the enabled projects allow now (after the margin), 0 with no key. */
  perMinute: z.number(),
  /** Calls left today across projects. */
  remainingToday: z.number().int(),
});

export const restyleEstimateSchema = z.object({
  photos: z.number().int(),
  /** Photo × style × variation. */
  outputs: z.number().int(),
  /** Outputs already in the content cache: no call, no cost. */
  cached: z.number().int(),
  /** Outputs that need a call. */
  calls: z.number().int(),
  costUsd: z.number(),
  /** At the current quota; null when no key is enabled. */
  seconds: z.number().nullable(),
  models: z.array(restyleEstimateModelSchema),
  today: z.object({ spentUsd: z.number(), capUsd: z.number() }),
  /** Whether this run fits under today's cap after what is already spent. */
  fitsCap: z.boolean(),
  /** Things the user should know: no key, over the cap, more calls than today's quota… */
  notes: z.array(z.string()),
  pricesAsOf: z.string(),
});
export type RestyleEstimate = z.output<typeof restyleEstimateSchema>;

const styleRef = z.strictObject({ id: styleIdSchema });

const restyleMethods = {
  'styles.list': { input: z.strictObject({}).optional(), output: z.array(styleSchema) },
  'styles.get': { input: styleRef, output: styleSchema },
  /** A new user style; `id` defaults to one made from the name. */
  'styles.create': {
    input: z.strictObject({ id: styleIdSchema.optional(), style: styleDraftSchema }),
    output: styleSchema,
  },
  /** Replaces a user style's fields (built-ins are refused: duplicate them). */
  'styles.update': {
    input: z.strictObject({ id: styleIdSchema, style: styleDraftSchema }),
    output: styleSchema,
  },
  'styles.duplicate': {
    input: z.strictObject({
      id: styleIdSchema,
      newId: styleIdSchema.optional(),
      name: z.string().trim().min(1).max(80).optional(),
    }),
    output: styleSchema,
  },
  'styles.remove': { input: styleRef, output: z.object({ removed: z.boolean() }) },
  /** The request a stored style, or a draft being edited, would make. */
  'styles.preview': {
    input: z.union([styleRef, z.strictObject({ draft: z.strictObject(styleFields) })]),
    output: stylePreviewSchema,
  },
  /** Calls, cache hits, cost and time for a restyle run, before it is made. */
  'restyle.estimate': {
    input: z
      .strictObject({
        options: restyleOptionsSchema,
        paths: z.array(absolutePath).min(1).max(100_000).optional(),
        files: z.array(jobFileSchema).min(1).max(100_000).optional(),
      })
      .refine((r) => (r.paths === undefined) !== (r.files === undefined), {
        message: 'give either paths (files and folders) or files (photos), not both or neither',
        path: ['paths'],
      }),
    output: restyleEstimateSchema,
  },
} as const;

const restyleEvents = {
  'styles.changed': z.object({ id: z.string(), reason: z.enum(['created', 'updated', 'removed']) }),
} as const;

/** Restyling with Gemini: styles.*, restyle.estimate and the `restyle` job kind. */
export const restyleSlice = defineSlice({
  methods: restyleMethods,
  events: restyleEvents,
  jobKinds: { restyle: restyleOptionsSchema },
});
