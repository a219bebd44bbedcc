import { z } from 'zod';

export const modelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  task: z.enum(['upscale', 'face-restore', 'face-detect']),
  scale: z.number().int(),
  licence: z.string(),
  notes: z.string(),
  installed: z.boolean(),
  /** Where an installed model's file is. */
  path: z.string().nullable(),
  bytes: z.number().int().nullable(),
  /** `download`/`import`: in the data folder; `folder`: in PIXELSMITH_MODELS_DIR (read-only). */
  source: z.enum(['download', 'import', 'folder']).nullable(),
  /** A verified download source exists; otherwise the model is import-only. */
  downloadable: z.boolean(),
  /** The execution provider its loaded session uses, once a job has run it. */
  provider: z.string().nullable(),
});
export type ModelInfo = z.output<typeof modelInfoSchema>;

const modelId = z.string().regex(/^[A-Za-z0-9._-]{1,80}$/, 'must be letters, digits, ".", "_" or "-"');

/** The models.* RPC methods; spread into the contract's method table. */
export const modelMethods = {
  'models.list': { input: z.strictObject({}).optional(), output: z.array(modelInfoSchema) },
  'models.download': { input: z.strictObject({ id: modelId }), output: modelInfoSchema },
  'models.import': {
    input: z.strictObject({
      /** A .onnx file on the machine running core. */
      path: z.string().min(1),
      id: modelId.optional(),
      task: z.enum(['upscale', 'face-restore', 'face-detect']).optional(),
      scale: z.number().int().min(1).max(16).optional(),
    }),
    output: modelInfoSchema,
  },
  'models.remove': { input: z.strictObject({ id: modelId }), output: z.object({ removed: z.boolean() }) },
} as const;

export const modelEvents = {
  'models.downloadProgress': z.object({ id: z.string(), received: z.number(), total: z.number().nullable() }),
} as const;
