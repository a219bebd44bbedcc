import { RpcError } from '../../contract/errors.js';
import { largestRegion, StripBlender, wholeCanvas, type Canvas } from './blender.js';
import { resizeRaw, type Pixels, type Raster } from './imageio.js';
import { SpillWriter, type Plane } from './spill.js';
import { planTiles, type Tile, type TilePlan } from './tiles.js';

/** How a model wants its input: channel order and value mapping `(v·range − mean) / std`. */
export interface InputConvention {
  channels: 'RGB' | 'BGR';
  range: [number, number];
  mean: [number, number, number];
  std: [number, number, number];
}

/** Runs the model on one NCHW float tile; returns the planar output (3 × h·s × w·s). */
export interface TileRunner {
  run(input: Float32Array, height: number, width: number): Promise<Float32Array>;
}

export interface UpscaleOptions {
  runner: TileRunner;
  /** The model's native scale. */
  scale: number;
  convention: InputConvention;
  /** Requested output scale; other than `scale`, a Lanczos resize follows. */
  outscale: number;
  /** Tile size in input pixels, or 'auto' (from `memoryBudgetBytes`). */
  tile: number | 'auto';
  /**
   * The model takes only heights and widths that are multiples of this (RRDBNet ×2 and ×1
   * pixel-unshuffle their input): each tile's context grows right and down to fit. Default 1.
   */
  inputMultiple?: number;
  /** Overlap between tile cores, blended. */
  overlap?: number;
  /** Context given to each tile on every side, cropped off after inference. */
  pad?: number;
  /** Reflection padding at the right/bottom edges, as Real-ESRGAN does (default 10). */
  prePad?: number;
  alpha: 'lanczos' | 'model';
  memoryBudgetBytes?: number;
  /**
   * Where to write each plane as its rows complete (a libvips `.v` file the caller removes),
   * instead of holding the whole upscaled canvas: only a band of one tile row is in memory.
   */
  spill?: (plane: 'color' | 'alpha') => string;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface Upscaled<P extends Plane = Plane> extends Pixels<P> {
  /** The tile size finally used (smaller than asked if a tile failed to allocate). */
  tile: number;
  /** Model runs, the pixels they were given (≥ the image's: pre-pad, context, overlaps) and time. */
  stats: PlaneStats;
}

const ALLOC_FAILURE = /alloc|out of memory|bad_alloc|oom|cudaMalloc|cannot allocate/i;
const MIN_TILE = 32;

/**
 * Tile side from a memory budget: about 1 KB per input pixel for a compact x4 model, plus its
 * pad. As large as the budget allows (each tile's context and overlap are pixels run twice), up
 * to 2048.
 */
export function autoTileSize(budgetBytes: number, scale: number, pad: number): number {
  const bytesPerPixel = 1024 + 48 * scale * scale;
  const side = Math.floor(Math.sqrt(budgetBytes / bytesPerPixel)) - 2 * pad;
  return Math.max(64, Math.min(2048, side - (side % 8)));
}

/**
 * Memory a tiled upscale may use for one tile's run. 512 MiB gives 520 px tiles for a ×4 model:
 * at 3000×2000 → 12000×8000 the CLI peaked at 1054 MB and took 99 s, against 1152 MB with 648 px
 * tiles (ORT's arena keeps the largest tile's activations), while the model is still given only
 * about 1.14× the photo's pixels.
 */
export const MEMORY_BUDGET_BYTES = 512 * 1024 ** 2;
const DEFAULT_BUDGET = MEMORY_BUDGET_BYTES;
const DEFAULT_PAD = 10;
const DEFAULT_PRE_PAD = 10;
const DEFAULT_OVERLAP = 16;

/** The tile side `tile` resolves to (auto: from the memory budget). */
export function tileSizeFor(tile: number | 'auto', memoryBudgetBytes = DEFAULT_BUDGET, scale = 4): number {
  return tile === 'auto' ? autoTileSize(memoryBudgetBytes, scale, DEFAULT_PAD) : tile;
}

/** The tile plan an upscale with default pad, pre-pad and overlap makes, for estimates. */
export function planFor(
  width: number,
  height: number,
  tile: number | 'auto',
  memoryBudgetBytes?: number,
  scale?: number,
): TilePlan {
  const side = tileSizeFor(tile, memoryBudgetBytes, scale);
  return planTiles(
    width,
    height,
    side,
    Math.min(DEFAULT_OVERLAP, Math.floor(side / 4)),
    DEFAULT_PAD,
    DEFAULT_PRE_PAD,
  );
}

/** Reflect index into [0, n): … 2 1 | 0 1 2 … n-1 | n-2 … (no edge repeat), as numpy's 'reflect'. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return j;
}

/** Builds the model's input tensor for a tile straight from the interleaved raster (no full float copy). */
function tileTensor(src: Raster, plane: 'color' | 'alpha', tile: Tile, conv: InputConvention): Float32Array {
  const { cx, cy, cw, ch } = tile;
  const area = cw * ch;
  const out = new Float32Array(3 * area);
  const max = src.depth === 16 ? 65535 : 255;
  const stride = src.channels;
  const from =
    plane === 'alpha'
      ? [stride - 1, stride - 1, stride - 1]
      : stride <= 2
        ? [0, 0, 0]
        : conv.channels === 'BGR'
          ? [2, 1, 0]
          : [0, 1, 2];
  const k = (conv.range[1] - conv.range[0]) / max;
  const mul = [0, 1, 2].map((c) => k / conv.std[c]!);
  const add = [0, 1, 2].map((c) => (conv.range[0] - conv.mean[c]!) / conv.std[c]!);
  // Coordinates past the real image are the pre-padding, reflected.
  const xs = new Int32Array(cw);
  for (let x = 0; x < cw; x += 1) xs[x] = reflect(cx + x, src.width) * stride;
  const data = src.data;
  for (let c = 0; c < 3; c += 1) {
    const off = from[c]!;
    const m = mul[c]!;
    const a = add[c]!;
    const base = c * area;
    for (let y = 0; y < ch; y += 1) {
      const row = reflect(cy + y, src.height) * src.width * stride + off;
      const o = base + y * cw;
      for (let x = 0; x < cw; x += 1) out[o + x] = data[row + xs[x]!]! * m + a;
    }
  }
  return out;
}

/** Maps model output back to 0..1 RGB order (a new array unless the convention is the identity). */
export function normalizeOutput(data: Float32Array, conv: InputConvention): Float32Array {
  const plane = data.length / 3;
  const k = conv.range[1] - conv.range[0];
  const identity =
    conv.channels === 'RGB' &&
    k === 1 &&
    conv.range[0] === 0 &&
    conv.mean.every((m) => m === 0) &&
    conv.std.every((s) => s === 1);
  if (identity) return data;
  const out = new Float32Array(data.length);
  for (let c = 0; c < 3; c += 1) {
    const to = conv.channels === 'BGR' ? 2 - c : c;
    for (let i = 0; i < plane; i += 1) {
      const v = (data[c * plane + i] ?? 0) * (conv.std[c] ?? 1) + (conv.mean[c] ?? 0);
      out[to * plane + i] = (v - conv.range[0]) / k;
    }
  }
  return out;
}

/** What one plane's run cost: time in the model and in this process, and pixels the model saw. */
export interface PlaneStats {
  tiles: number;
  modelPixels: number;
  inferMs: number;
  /** Building tile inputs, normalising and blending outputs (on this thread, between runs). */
  glueMs: number;
}

async function runPlane(
  src: Raster,
  plane: 'color' | 'alpha',
  opts: UpscaleOptions,
  tile: number,
  outChannels: 1 | 3,
  stats: PlaneStats,
): Promise<Plane> {
  const s = opts.scale;
  const prePad = opts.prePad ?? DEFAULT_PRE_PAD;
  const overlap = Math.min(opts.overlap ?? DEFAULT_OVERLAP, Math.floor(tile / 4));
  const plan = planTiles(src.width, src.height, tile, overlap, opts.pad ?? DEFAULT_PAD, prePad);
  const outW = src.width * s;
  const outH = src.height * s;
  // Spilled, the plane is written to its file tile by tile: one tile's pixels are in memory.
  const writer = opts.spill
    ? new SpillWriter(opts.spill(plane), outW, outH, outChannels, src.depth, largestRegion(plan, s, outW))
    : null;
  const canvas = writer ? null : newCanvas(src.depth, outW * outH * outChannels);
  const blender = new StripBlender(
    plan,
    s,
    writer ?? wholeCanvas(canvas!, outW),
    outChannels,
    outW,
    outH,
    src.depth,
  );
  stats.tiles += plan.tiles.length;
  try {
    await runTiles(src, plane, opts, tile, plan, blender, stats);
  } catch (error) {
    writer?.abandon();
    throw error;
  }
  return writer ? writer.close() : canvas!;
}

const newCanvas = (depth: 8 | 16, values: number): Canvas =>
  depth === 16 ? new Uint16Array(values) : new Uint8Array(values);

async function runTiles(
  src: Raster,
  plane: 'color' | 'alpha',
  opts: UpscaleOptions,
  tile: number,
  plan: TilePlan,
  blender: StripBlender,
  stats: PlaneStats,
): Promise<void> {
  const s = opts.scale;
  const multiple = opts.inputMultiple ?? 1;
  let done = 0;
  // ONNX Runtime's session.run computes on this thread (its intra-op pool aside), so tiles run
  // one after another: building an input, the run, and blending its output never overlap.
  for (const planned of plan.tiles) {
    opts.signal?.throwIfAborted();
    const t = multiple > 1 ? widen(planned, multiple) : planned;
    stats.modelPixels += t.cw * t.ch;
    let at = performance.now();
    const input = tileTensor(src, plane, t, opts.convention);
    stats.glueMs += performance.now() - at;
    at = performance.now();
    let output: Float32Array;
    try {
      output = await opts.runner.run(input, t.ch, t.cw);
    } catch (error) {
      const message = (error as Error).message;
      if (ALLOC_FAILURE.test(message)) throw new TileTooLarge(tile, message);
      throw new RpcError(
        'INTERNAL',
        `The model failed on tile (${t.cx}, ${t.cy}, ${t.cw}×${t.ch}): ${message}`,
      );
    }
    stats.inferMs += performance.now() - at;
    at = performance.now();
    if (output.length !== 3 * t.cw * s * t.ch * s) {
      throw new RpcError(
        'INTERNAL',
        `The model returned ${output.length} values for a ${t.cw}×${t.ch} tile; expected x${s} RGB.`,
      );
    }
    blender.add(t, normalizeOutput(output, opts.convention));
    stats.glueMs += performance.now() - at;
    done += 1;
    opts.onProgress?.(done / plan.tiles.length);
  }
}

/** The tile with its context grown right and down to multiples of `m` (past the image: reflected). */
function widen(tile: Tile, m: number): Tile {
  return { ...tile, cw: Math.ceil(tile.cw / m) * m, ch: Math.ceil(tile.ch / m) * m };
}

class TileTooLarge extends Error {
  constructor(
    readonly tile: number,
    reason: string,
  ) {
    super(`A ${tile}px tile did not fit in memory: ${reason}`);
  }
}

/**
 * Upscales a raster with a super-resolution model, tile by tile, into an integer canvas. Tile
 * errors are never swallowed: a tile that fails to allocate is retried smaller; any other failure
 * fails the image with the tile named. Alpha is upscaled by the model or by Lanczos, as asked.
 */
export async function upscaleRaster(
  src: Raster,
  opts: UpscaleOptions & { spill?: undefined },
): Promise<Upscaled<Canvas>>;
export async function upscaleRaster(src: Raster, opts: UpscaleOptions): Promise<Upscaled>;
export async function upscaleRaster(src: Raster, opts: UpscaleOptions): Promise<Upscaled> {
  const pad = opts.pad ?? DEFAULT_PAD;
  let tile =
    opts.tile === 'auto'
      ? autoTileSize(opts.memoryBudgetBytes ?? DEFAULT_BUDGET, opts.scale, pad)
      : opts.tile;
  const colorChannels = src.channels <= 2 ? 1 : 3;
  for (;;) {
    try {
      const withAlpha = src.hasAlpha && opts.alpha === 'model';
      const progress = (part: number) => (f: number) => opts.onProgress?.(withAlpha ? (part + f) / 2 : f);
      const stats: PlaneStats = { tiles: 0, modelPixels: 0, inferMs: 0, glueMs: 0 };
      let color = await runPlane(
        src,
        'color',
        { ...opts, onProgress: progress(0) },
        tile,
        colorChannels,
        stats,
      );
      let alpha: Plane | null = null;
      if (src.hasAlpha) {
        alpha = withAlpha
          ? await runPlane(src, 'alpha', { ...opts, onProgress: progress(1) }, tile, 1, stats)
          : await lanczosAlpha(src, opts.scale);
      }
      let width = src.width * opts.scale;
      let height = src.height * opts.scale;
      if (opts.outscale !== opts.scale) {
        const toW = Math.max(1, Math.round(src.width * opts.outscale));
        const toH = Math.max(1, Math.round(src.height * opts.outscale));
        color = await resizeRaw(color, width, height, colorChannels, src.depth, toW, toH);
        if (alpha) alpha = await resizeRaw(alpha, width, height, 1, src.depth, toW, toH);
        width = toW;
        height = toH;
      }
      return { color, colorChannels, alpha, width, height, depth: src.depth, tile, stats };
    } catch (error) {
      if (!(error instanceof TileTooLarge) || tile <= MIN_TILE)
        throw error instanceof TileTooLarge ? new RpcError('INTERNAL', error.message) : error;
      tile = Math.max(MIN_TILE, Math.floor(tile / 2));
    }
  }
}

/**
 * The photo resized with Lanczos to `outscale`, colour and alpha as separate planes: the
 * background face restoration pastes onto when no upscaling model is wanted.
 */
export async function lanczosUpscale(src: Raster, outscale: number): Promise<Pixels<Canvas>> {
  const width = Math.max(1, Math.round(src.width * outscale));
  const height = Math.max(1, Math.round(src.height * outscale));
  const colorChannels = src.channels <= 2 ? 1 : 3;
  const pixels = src.width * src.height;
  const color = newCanvas(src.depth, pixels * colorChannels);
  for (let i = 0; i < pixels; i += 1)
    for (let c = 0; c < colorChannels; c += 1) color[i * colorChannels + c] = src.data[i * src.channels + c]!;
  return {
    color: await resizeRaw(color, src.width, src.height, colorChannels, src.depth, width, height),
    colorChannels,
    alpha: src.hasAlpha ? await lanczosAlpha(src, outscale) : null,
    width,
    height,
    depth: src.depth,
  };
}

async function lanczosAlpha(src: Raster, scale: number): Promise<Canvas> {
  const plane: Canvas =
    src.depth === 16 ? new Uint16Array(src.width * src.height) : new Uint8Array(src.width * src.height);
  for (let i = 0; i < plane.length; i += 1) plane[i] = src.data[i * src.channels + src.channels - 1] ?? 0;
  const toW = Math.max(1, Math.round(src.width * scale));
  const toH = Math.max(1, Math.round(src.height * scale));
  return resizeRaw(plane, src.width, src.height, 1, src.depth, toW, toH);
}
