import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const MODEL_TASKS = ['upscale', 'face-restore', 'face-detect'] as const;
export type ModelTask = (typeof MODEL_TASKS)[number];

const triple = z.tuple([z.number(), z.number(), z.number()]);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** Model files Pixelsmith reads: ONNX, PyTorch checkpoints and safetensors. */
export const MODEL_FILE_NAME = /^[A-Za-z0-9._-]+\.(onnx|pth|safetensors)$/;

/** A checkpoint to convert, or a graph to load as it is. */
export function isCheckpointFile(fileName: string): boolean {
  return /\.(pth|safetensors)$/i.test(fileName);
}
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
  /** The published file: an ONNX model, or a PyTorch checkpoint converted on this machine. */
  fileName: z.string().regex(MODEL_FILE_NAME),
  bytes: z.number().int().positive().nullable(),
  sha256: sha256.nullable(),
  /** Who publishes `sha256` (null: nobody does; it is recorded at the first download). */
  sha256Source: z.string().min(1).nullable().default(null),
  /** ONNX files of the same weights, recognised as this model in the models folder and on import. */
  exports: z
    .array(
      z.object({ fileName: z.string().regex(/^[A-Za-z0-9._-]+\.onnx$/), bytes: z.number().int(), sha256 }),
    )
    .default([]),
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
    (c) => c.models.every((m) => m.urls.length === 0 || m.bytes !== null),
    'a downloadable model needs its published size',
  )
  .refine(
    (c) => c.models.every((m) => (m.sha256 === null) === (m.sha256Source === null)),
    'a sha256 needs its source, and a source its sha256',
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
