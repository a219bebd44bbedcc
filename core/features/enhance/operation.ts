import { z } from 'zod';
import { RpcError } from '../../contract/errors.js';
import { formatOfPath, type OutputFormat } from '../../kernel/encode.js';
import { probeBuffer } from '../../kernel/probe.js';
import type { Operation } from '../../jobs/types.js';
import { decodeRaster, encodeRaster } from './imageio.js';
import type { ModelStore } from './models.js';
import { sessionRunner, type SessionCache } from './sessions.js';
import { upscaleRaster } from './upscale.js';

export const enhanceOptionsSchema = z.strictObject({
  /** Model id; default: the best installed upscaler. */
  model: z.string().min(1).optional(),
  /** Output scale; the model's native scale is followed by a Lanczos resize when they differ. */
  outscale: z.number().min(1).max(8).default(2),
  /** Tile size in input pixels, or `auto` (from the memory budget). */
  tile: z.union([z.literal('auto'), z.number().int().min(32).max(2048)]).default('auto'),
  /** How transparency is upscaled. */
  alpha: z.enum(['lanczos', 'model']).default('lanczos'),
  /** `same`: the input's own format (PNG for inputs sharp reads but we do not write). */
  format: z.enum(['same', 'png', 'jpg', 'webp']).default('same'),
  quality: z.number().int().min(1).max(100).default(92),
});
export type EnhanceOptions = z.output<typeof enhanceOptionsSchema>;

/** `same` keeps JPEG, PNG and WebP; anything else is written as PNG (lossless). */
function formatFor(o: EnhanceOptions, inputPath: string): OutputFormat {
  if (o.format !== 'same') return o.format;
  const own = formatOfPath(inputPath);
  return own === 'jpg' || own === 'webp' ? own : 'png';
}

/**
 * `enhance`: Real-ESRGAN-style super-resolution with an ONNX model, tiled, on the `gpu`
 * resource (one model run at a time, whichever provider loaded). Reports the provider used.
 */
export function createEnhanceOperation(
  models: ModelStore,
  sessions: SessionCache,
  memoryBudgetBytes: () => number,
): Operation<EnhanceOptions> {
  return {
    kind: 'enhance',
    version: 1,
    optionsSchema: enhanceOptionsSchema,
    resource: () => 'gpu',
    outputExtension: (o, inputPath) => formatFor(o, inputPath),
    async run(ctx) {
      await probeBuffer(ctx.inputPath, ctx.input, ctx.limits);
      const model = await models.resolve(ctx.options.model, 'upscale');
      if (model.convention.size !== 'dynamic')
        throw new RpcError('INVALID_INPUT', `${model.id} has a fixed input size; it cannot upscale tiles.`);
      const loaded = await sessions.get(model.path);
      let raster;
      try {
        raster = await decodeRaster(ctx.input, ctx.limits.maxInputPixels);
      } catch (error) {
        throw new RpcError(
          'CORRUPT_IMAGE',
          `${ctx.inputPath} could not be decoded (${(error as Error).message.trim()}); the file may be truncated or damaged.`,
        );
      }
      const result = await upscaleRaster(raster, {
        runner: sessionRunner(loaded),
        scale: model.scale,
        convention: model.convention,
        outscale: ctx.options.outscale,
        tile: ctx.options.tile,
        alpha: ctx.options.alpha,
        memoryBudgetBytes: memoryBudgetBytes(),
        signal: ctx.signal,
        onProgress: (f) => ctx.progress(f * 0.95),
      });
      const data = await encodeRaster({
        ...result,
        original: ctx.input,
        format: formatFor(ctx.options, ctx.inputPath),
        quality: ctx.options.quality,
      });
      return {
        outputs: [ctx.writeOutput(data)],
        details: {
          model: model.id,
          provider: loaded.provider,
          tile: result.tile,
          width: result.width,
          height: result.height,
        },
      };
    },
  };
}
