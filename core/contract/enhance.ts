import { z } from 'zod';
import { defineSlice } from './define.js';
import { absolutePath } from './schemas.js';

export const modelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  task: z.enum(['upscale', 'face-restore', 'face-detect']),
  scale: z.number().int(),
  licence: z.string(),
  /** What the model is for, in a sentence for people. */
  summary: z.string(),
  /** Technical details (checksums of the official weights, architecture, decoding). */
  notes: z.string(),
  installed: z.boolean(),
  /** Where an installed model's file is. */
  path: z.string().nullable(),
  bytes: z.number().int().nullable(),
  /** sha256 of the installed file, else the catalog's published one; null when none is known. */
  sha256: z.string().nullable(),
  /** Who publishes the sha256; null when nobody does (an installed file's is then recorded, not published). */
  sha256Source: z.string().nullable(),
  /** `onnx` runs as it is; `pth` and `safetensors` are PyTorch weights converted on this machine. */
  format: z.enum(['onnx', 'pth', 'safetensors']),
  /**
   * `download`/`import`: in the data folder; `folder`: in PIXELSMITH_MODELS_DIR (read-only);
   * `bundled`: shipped with Pixelsmith (works offline).
   */
  source: z.enum(['download', 'import', 'folder', 'bundled']).nullable(),
  /** An official download source exists; otherwise the model is import-only. */
  downloadable: z.boolean(),
  /** The execution provider its loaded session uses, once a job has run it. */
  provider: z.string().nullable(),
});
export type ModelInfo = z.output<typeof modelInfoSchema>;

const modelId = z.string().regex(/^[A-Za-z0-9._-]{1,80}$/, 'must be letters, digits, ".", "_" or "-"');

/** The models.* RPC methods. */
const modelMethods = {
  'models.list': { input: z.strictObject({}).optional(), output: z.array(modelInfoSchema) },
  'models.download': { input: z.strictObject({ id: modelId }), output: modelInfoSchema },
  'models.import': {
    input: z.strictObject({
      /** A .pth, .safetensors or .onnx file on the machine running core. */
      path: absolutePath,
      id: modelId.optional(),
      task: z.enum(['upscale', 'face-restore', 'face-detect']).optional(),
      scale: z.number().int().min(1).max(16).optional(),
    }),
    output: modelInfoSchema,
  },
  'models.remove': { input: z.strictObject({ id: modelId }), output: z.object({ removed: z.boolean() }) },
} as const;

const modelEvents = {
  'models.downloadProgress': z.object({ id: z.string(), received: z.number(), total: z.number().nullable() }),
  /** Converting a checkpoint to ONNX (after a download or import, or on first use): 0..1. */
  'models.convertProgress': z.object({ id: z.string(), fraction: z.number().min(0).max(1) }),
} as const;

/** Output formats of `enhance`; `same` keeps JPEG, PNG and WebP and writes anything else as PNG. */
export const ENHANCE_FORMATS = ['same', 'png', 'jpg', 'webp'] as const;
/** How transparency is upscaled. */
export const ALPHA_MODES = ['lanczos', 'model'] as const;
/** Face detectors (`face-detect` models: RetinaFace mobilenet0.25, YuNet). */
export const FACE_DETECTORS = ['retinaface', 'yunet'] as const;
/** Which detected faces are restored. */
export const FACE_SELECTIONS = ['all', 'center', 'largest'] as const;
/** How the photo around the faces is upscaled: the upscaling model, or a Lanczos resize. */
export const BACKGROUND_MODES = ['model', 'lanczos'] as const;

export const enhanceOptionsSchema = z.strictObject({
  /** Model id; default: the best installed upscaler. */
  model: z.string().min(1).optional(),
  /** Output scale; the model's native scale is followed by a Lanczos resize when they differ. */
  outscale: z.number().min(1).max(8).default(2),
  /** Tile size in input pixels, or `auto` (from the memory budget). */
  tile: z.union([z.literal('auto'), z.number().int().min(32).max(2048)]).default('auto'),
  alpha: z.enum(ALPHA_MODES).default('lanczos'),
  /** `same`: the input's own format (PNG for inputs sharp reads but we do not write). */
  format: z.enum(ENHANCE_FORMATS).default('same'),
  quality: z.number().int().min(1).max(100).default(92),
  /** Restore faces: detect, align to 512×512, restore with a face model, paste back. */
  face: z.boolean().default(false),
  /** Face model id (`face-restore`); default: the best installed one. */
  faceModel: z.string().min(1).optional(),
  detector: z.enum(FACE_DETECTORS).default('retinaface'),
  faces: z.enum(FACE_SELECTIONS).default('all'),
  /** 0: the original face, 1: the restored one (GFPGAN's `weight`, 0.5 by default there too). */
  strength: z.number().min(0).max(1).default(0.5),
  background: z.enum(BACKGROUND_MODES).default('model'),
});
export type EnhanceOptions = z.output<typeof enhanceOptionsSchema>;

/** The enhance feature: models.* and the `enhance` job kind. */
export const enhanceSlice = defineSlice({
  methods: modelMethods,
  events: modelEvents,
  jobKinds: { enhance: enhanceOptionsSchema },
});
