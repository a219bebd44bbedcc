import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { enhanceOptionsSchema, type EnhanceOptions } from '../../contract/enhance.js';
import { RpcError } from '../../contract/errors.js';
import { DEFAULT_SETTINGS } from '../../contract/schemas.js';
import { tempPathFor } from '../../kernel/atomicWrite.js';
import { checkEncodable, formatOfPath, type OutputFormat } from '../../kernel/encode.js';
import type { ItemContext, ItemDetails, Operation } from '../../jobs/types.js';
import type { ProbedImage } from '../../kernel/probe.js';
import { checkEnhanceBudget, enhancedSize, type EnhanceLimits } from './budget.js';
import { FACE_SIZE, restoreFaces, type FacePass } from './face/restore.js';
import { decodeRaster, encodeRasterToFile, type Pixels, type Raster } from './imageio.js';
import type { InstalledModel, ModelStore } from './models.js';
import { sessionRunner, type LoadedSession, type SessionCache } from './sessions.js';
import { isSpilled } from './spill.js';
import { lanczosUpscale, planFor, upscaleRaster } from './upscale.js';

/**
 * Upscaled planes at least this large are spilled to a file beside the output as their rows
 * complete, and the encoder reads them from there: at 3000×2000 → 12000×8000 that keeps a
 * 288 MB canvas out of memory. (Not with face restoration, which pastes into the canvas.)
 */
export const SPILL_BYTES = 64 * 1024 ** 2;

/** The catalog model each face detector runs. */
export const DETECTOR_MODELS = { retinaface: 'retinaface-mobilenet0.25', yunet: 'yunet-2023mar' } as const;

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

/** The named (or best installed) face restorer, refused unless it takes 512×512 faces. */
async function faceRestorer(
  models: ModelStore,
  id: string | undefined,
  signal?: AbortSignal,
): Promise<InstalledModel> {
  const model = await models.resolve(id, 'face-restore', signal);
  const size = model.convention.size;
  if (size !== 'dynamic' && (size[0] !== FACE_SIZE || size[1] !== FACE_SIZE)) {
    throw new RpcError(
      'INVALID_INPUT',
      `${model.id} takes ${size[1]}×${size[0]} faces; face restoration aligns faces to ${FACE_SIZE}×${FACE_SIZE}.`,
    );
  }
  return model;
}

/** Logs, once per job, each provider a session fell back from. */
function logFallbacks(ctx: ItemContext<EnhanceOptions>, id: string, loaded: LoadedSession): void {
  for (const why of loaded.fallbacks) {
    ctx.log(`${id}: fell back to ${loaded.provider} (${why})`, { level: 'warn', once: true });
  }
}

/** What an item's details say about its face pass; boxes are output pixels, `x,y,w,h` per face. */
function faceDetails(pass: FacePass): ItemDetails {
  const total = pass.faces.reduce((n, f) => n + f.ms, 0);
  return {
    faces: pass.faces.length,
    detectMs: Math.round(pass.detectMs),
    ...(pass.faces.length > 0 && { msPerFace: Math.round(total / pass.faces.length) }),
    faceBoxes: pass.faces
      .map((f) => [f.box.x, f.box.y, f.box.w, f.box.h].map((v) => Math.round(v)).join(','))
      .join(';'),
  };
}

/**
 * `enhance`: Real-ESRGAN-style super-resolution with an ONNX model, tiled (or a Lanczos
 * resize), then optionally GFPGAN-style face restoration on the result, on the `gpu` resource
 * (one model run at a time, whichever provider loaded). Reports the providers used.
 */
export function createEnhanceOperation(
  models: ModelStore,
  sessions: SessionCache,
  memoryBudgetBytes: () => number,
  limits: () => EnhanceLimits = () => DEFAULT_SETTINGS,
): Operation<EnhanceOptions> {
  /** Refuses, before decoding, what cannot be encoded or finished here. */
  async function checkBudget(
    ctx: ItemContext<EnhanceOptions>,
    probed: ProbedImage,
    format: OutputFormat,
    model: InstalledModel | null,
    loaded: LoadedSession | null,
  ): Promise<void> {
    const o = ctx.options;
    const { width: outW, height: outH } = enhancedSize(probed, o.outscale);
    checkEncodable(format, outW, outH, ctx.inputPath);
    checkEnhanceBudget(
      {
        path: ctx.inputPath,
        width: probed.width,
        height: probed.height,
        channels: (probed.channels <= 2 ? 1 : 3) + (probed.hasAlpha ? 1 : 0),
        depth: probed.depth16 ? 16 : 8,
        outscale: o.outscale,
        modelScale: model?.scale ?? o.outscale,
        provider: loaded?.provider ?? 'cpu',
        msPerInputPixel: loaded ? await sessions.msPerPixel(loaded) : 0,
        modelPixels:
          model && loaded
            ? planFor(probed.width, probed.height, o.tile, memoryBudgetBytes(), model.scale).modelPixels
            : 0,
      },
      limits(),
    );
  }

  async function decode(ctx: ItemContext<EnhanceOptions>, warnings: string[]): Promise<Raster> {
    try {
      return await decodeRaster(ctx.input, ctx.limits.maxInputPixels, (w) => warnings.push(w));
    } catch (error) {
      throw new RpcError(
        'CORRUPT_IMAGE',
        `${ctx.inputPath} could not be decoded (${(error as Error).message.trim()}); the file may be truncated or damaged.`,
      );
    }
  }

  /** The face restorer and detector sessions a face pass runs with, loaded. */
  async function faceTools(ctx: ItemContext<EnhanceOptions>) {
    const o = ctx.options;
    const restorer = await faceRestorer(models, o.faceModel, ctx.signal);
    const detector = await models.resolve(DETECTOR_MODELS[o.detector], 'face-detect', ctx.signal);
    const [restorerSession, detectorSession] = [
      await sessions.get(restorer.path),
      await sessions.get(detector.path),
    ];
    logFallbacks(ctx, restorer.id, restorerSession);
    logFallbacks(ctx, detector.id, detectorSession);
    return { restorer, restorerSession, detector, detectorSession };
  }

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
    async check(o) {
      if (o.background === 'model') await models.find(o.model, 'upscale');
      if (o.face) {
        await models.find(o.faceModel, 'face-restore');
        await models.find(DETECTOR_MODELS[o.detector], 'face-detect');
      }
    },
    async run(ctx) {
      const o = ctx.options;
      const probed = await ctx.probe();
      const model = o.background === 'model' ? await upscaler(models, o.model, ctx.signal) : null;
      const loaded = model ? await sessions.get(model.path) : null;
      if (model && loaded) logFallbacks(ctx, model.id, loaded);
      const face = o.face ? await faceTools(ctx) : null;
      const format = formatFor(o, ctx.inputPath);
      await checkBudget(ctx, probed, format, model, loaded);
      const warnings: string[] = [];
      const notes = probed.pages > 1 ? [`upscaled the first of ${probed.pages} frames or pages.`] : [];
      const raster = await decode(ctx, warnings);
      const modelBytes =
        probed.width *
        probed.height *
        (model?.scale ?? 1) ** 2 *
        (probed.channels <= 2 ? 1 : 3) *
        (probed.depth16 ? 2 : 1);
      const spilled: string[] = [];
      const spill =
        model && !face && modelBytes >= SPILL_BYTES
          ? () => {
              // Named as the engine's temporaries, so a crash's leftovers are swept with theirs.
              const file = tempPathFor(ctx.outputPath);
              spilled.push(file);
              return file;
            }
          : undefined;
      // The upscale's share of the item's progress; the face pass has the rest.
      const upShare = face ? 0.6 : 0.95;
      const details: ItemDetails = {};
      // Encoded straight into the output's temporary file: a 12000×8000 PNG never sits in memory.
      const output = await ctx.writeOutputWith(async (tempPath) => {
        try {
          let pixels: Pixels;
          if (model && loaded) {
            const result = await upscaleRaster(raster, {
              runner: sessionRunner(loaded),
              scale: model.scale,
              convention: model.convention,
              outscale: o.outscale,
              tile: o.tile,
              inputMultiple: model.inputMultiple,
              alpha: o.alpha,
              memoryBudgetBytes: memoryBudgetBytes(),
              ...(spill && { spill }),
              signal: ctx.signal,
              onProgress: (f) => ctx.progress(f * upShare),
            });
            if (typeof o.tile === 'number' && result.tile < o.tile) {
              ctx.log(`tiles of ${o.tile} px did not fit in memory; used ${result.tile} px`, {
                level: 'warn',
              });
            }
            Object.assign(details, {
              model: model.id,
              provider: loaded.provider,
              tile: result.tile,
              // Pixels the model was given ÷ the image's (1 + the pre-pad, context and overlaps).
              modelPixelRatio: Number((result.stats.modelPixels / (probed.width * probed.height)).toFixed(3)),
              tiles: result.stats.tiles,
              inferMs: Math.round(result.stats.inferMs),
              glueMs: Math.round(result.stats.glueMs),
            });
            pixels = result;
          } else {
            pixels = await lanczosUpscale(raster, o.outscale);
            Object.assign(details, { model: 'lanczos' });
          }
          if (face) {
            const { color, alpha } = pixels;
            if (isSpilled(color) || (alpha && isSpilled(alpha)))
              throw new RpcError('INTERNAL', 'Faces cannot be pasted onto a spilled canvas.');
            const pass = await restoreFaces(
              raster,
              { ...pixels, color, alpha },
              { runner: sessionRunner(face.restorerSession), convention: face.restorer.convention },
              {
                detector: o.detector,
                detectorSession: face.detectorSession.session,
                select: o.faces,
                strength: o.strength,
                signal: ctx.signal,
                onProgress: (f) => ctx.progress(upShare + f * (0.95 - upShare)),
              },
            );
            Object.assign(details, {
              faceModel: face.restorer.id,
              faceProvider: face.restorerSession.provider,
              detector: face.detector.id,
              ...faceDetails(pass),
            });
          }
          Object.assign(details, { width: pixels.width, height: pixels.height });
          await encodeRasterToFile({ ...pixels, original: ctx.input, format, quality: o.quality }, tempPath);
        } finally {
          await Promise.all(spilled.map((file) => rm(file, { force: true })));
        }
      });
      // A damaged middle decodes "fine" with a grey band; the decoder says so, and so do we.
      if (warnings.length > 0)
        notes.push(`the decoder reported damage (${warnings[0]}); parts may be grey or missing.`);
      for (const note of notes) ctx.log(`${basename(ctx.inputPath)}: ${note}`, { level: 'warn' });
      return {
        outputs: [output],
        details: { ...(notes.length > 0 && { note: notes.join(' ') }), ...details },
      };
    },
  };
}
