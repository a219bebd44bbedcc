import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const MODEL_TASKS = ['upscale', 'face-restore', 'face-detect'] as const;
export type ModelTask = (typeof MODEL_TASKS)[number];

const triple = z.tuple([z.number(), z.number(), z.number()]);
export const conventionSchema = z.object({
  layout: z.literal('NCHW'),
  channels: z.enum(['RGB', 'BGR']),
  range: z.tuple([z.number(), z.number()]),
  mean: triple,
  std: triple,
  size: z.union([z.literal('dynamic'), z.tuple([z.number().int(), z.number().int()])]),
});
export type ModelConvention = z.output<typeof conventionSchema>;

export const catalogEntrySchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  name: z.string(),
  task: z.enum(MODEL_TASKS),
  scale: z.number().int().positive(),
  input: conventionSchema,
  fileName: z.string().regex(/^[A-Za-z0-9._-]+\.onnx$/),
  bytes: z.number().int().positive().nullable(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  licence: z.string(),
  urls: z.array(z.string().url()),
  /** What the model is for, in a sentence for people (no checksums or internals). */
  summary: z.string().min(1),
  /** Technical details: checksums of the official weights, architecture, how to decode outputs. */
  notes: z.string(),
});
export type CatalogEntry = z.output<typeof catalogEntrySchema>;

const catalogSchema = z
  .object({ version: z.literal(1), models: z.array(catalogEntrySchema) })
  .refine(
    (c) => c.models.every((m) => m.urls.length === 0 || (m.sha256 !== null && m.bytes !== null)),
    'a downloadable model needs a verified sha256 and size',
  );

/** Reads and validates `resources/models/catalog.json`. */
export function loadCatalog(resourcesDir: string): CatalogEntry[] {
  const file = join(resourcesDir, 'models', 'catalog.json');
  return catalogSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).models;
}

/** The default upscaler when the user names none: best quality first. */
export const UPSCALER_PREFERENCE = [
  'realesr-general-x4v3',
  'RealESRGAN_x4plus',
  'realesr-animevideov3',
  'RealESRGAN_x2plus',
];
