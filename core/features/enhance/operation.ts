import { basename } from 'node:path';
import { enhanceOptionsSchema, type EnhanceOptions } from '../../contract/enhance.js';
import { RpcError } from '../../contract/errors.js';
import { DEFAULT_SETTINGS } from '../../contract/schemas.js';
import { checkEncodable, formatOfPath, type OutputFormat } from '../../kernel/encode.js';
import { checkEnhanceBudget, enhancedSize, type EnhanceLimits } from './budget.js';
import type { Operation } from '../../jobs/types.js';
import { decodeRaster, encodeRasterToFile } from './imageio.js';
import type { InstalledModel, ModelStore } from './models.js';
import { sessionRunner, type SessionCache } from './sessions.js';
import { planFor, upscaleRaster } from './upscale.js';

/** `same` keeps JPEG, PNG and WebP; anything else is written as PNG (lossless). */
function formatFor(o: EnhanceOptions, inputPath: string): OutputFormat {
  if (o.format !== 'same') return o.format;
  const own = formatOfPath(inputPath);
  return own === 'jpg' || own === 'webp' ? own : 'png';
}

/** The named (or best installed) upscaler, refused when it cannot upscale tiles. */
async function upscaler(
  models: ModelStore,
  id: string | undefined,
  signal?: AbortSignal,
): Promise<InstalledModel> {
  const model = await models.resolve(id, 'upscale', signal);
  if (model.convention.size !== 'dynamic') {
    throw new RpcError('INVALID_INPUT', `${model.id} has a fixed input size; it cannot upscale tiles.`);
  }
  return model;
}

/**
 * `enhance`: Real-ESRGAN-style super-resolution with an ONNX model, tiled, on the `gpu`
 * resource (one model run at a time, whichever provider loaded). Reports the provider used.
 */
export function createEnhanceOperation(
  models: ModelStore,
  sessions: SessionCache,
  memoryBudgetBytes: () => number,
  limits: () => EnhanceLimits = () => DEFAULT_SETTINGS,
): Operation<EnhanceOptions> {
  return {
    kind: 'enhance',
    version: 1,
    optionsSchema: enhanceOptionsSchema,
    resource: () => 'gpu',
    outputExtension: (o, inputPath) => formatFor(o, inputPath),
    outputSize: (o, input) => enhancedSize(input, o.outscale),
    // photo.png → photo_x2.png: a 2× run never replaces a 4× one.
    nameSuffix: (o) => `_x${o.outscale}`,
    // A job for a model that is not installed is refused before it is queued.
    // (A checkpoint converts at its first item, not here: creating a job stays quick.)
    check: async (o) => void (await models.find(o.model, 'upscale')),
    async run(ctx) {
      const probed = await ctx.probe();
      const model = await upscaler(models, ctx.options.model, ctx.signal);
      const loaded = await sessions.get(model.path);
      for (const why of loaded.fallbacks) {
        ctx.log(`${model.id}: fell back to ${loaded.provider} (${why})`, { level: 'warn', once: true });
      }
      const format = formatFor(ctx.options, ctx.inputPath);
      const { width: outW, height: outH } = enhancedSize(probed, ctx.options.outscale);
      checkEncodable(format, outW, outH, ctx.inputPath);
      checkEnhanceBudget(
        {
          path: ctx.inputPath,
          width: probed.width,
          height: probed.height,
          channels: (probed.channels <= 2 ? 1 : 3) + (probed.hasAlpha ? 1 : 0),
          depth: probed.depth16 ? 16 : 8,
          outscale: ctx.options.outscale,
          modelScale: model.scale,
          provider: loaded.provider,
          msPerInputPixel: await sessions.msPerPixel(loaded),
          modelPixels: planFor(
            probed.width,
            probed.height,
            ctx.options.tile,
            memoryBudgetBytes(),
            model.scale,
          ).modelPixels,
        },
        limits(),
      );
      const warnings: string[] = [];
      const notes = probed.pages > 1 ? [`upscaled the first of ${probed.pages} frames or pages.`] : [];
      let raster;
      try {
        raster = await decodeRaster(ctx.input, ctx.limits.maxInputPixels, (w) => warnings.push(w));
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
        inputMultiple: model.inputMultiple,
        alpha: ctx.options.alpha,
        memoryBudgetBytes: memoryBudgetBytes(),
        signal: ctx.signal,
        onProgress: (f) => ctx.progress(f * 0.95),
      });
      if (typeof ctx.options.tile === 'number' && result.tile < ctx.options.tile) {
        ctx.log(`tiles of ${ctx.options.tile} px did not fit in memory; used ${result.tile} px`, {
          level: 'warn',
        });
      }
      // Encoded straight into the output's temporary file: a 12000×8000 PNG never sits in memory.
      const output = await ctx.writeOutputWith((tempPath) =>
        encodeRasterToFile(
          { ...result, original: ctx.input, format, quality: ctx.options.quality },
          tempPath,
        ),
      );
      // A damaged middle decodes "fine" with a grey band; the decoder says so, and so do we.
      if (warnings.length > 0)
        notes.push(`the decoder reported damage (${warnings[0]}); parts may be grey or missing.`);
      for (const note of notes) ctx.log(`${basename(ctx.inputPath)}: ${note}`, { level: 'warn' });
      return {
        outputs: [output],
        details: {
          ...(notes.length > 0 && { note: notes.join(' ') }),
          model: model.id,
          provider: loaded.provider,
          tile: result.tile,
          width: result.width,
          height: result.height,
          // Pixels the model was given ÷ the image's (1 + the pre-pad, context and overlaps).
          modelPixelRatio: Number((result.stats.modelPixels / (probed.width * probed.height)).toFixed(3)),
          tiles: result.stats.tiles,
          inferMs: Math.round(result.stats.inferMs),
          glueMs: Math.round(result.stats.glueMs),
        },
      };
    },
  };
}
