import type { InferenceSession } from 'onnxruntime-node';
import type { Canvas } from '../blender.js';
import { resizeRaw, type Raster } from '../imageio.js';

/**
 * What face detection and its two detectors (retinaface.ts, yunet.ts) share: the face type, the
 * session a detector runs, and fitting a photo into a model's input and faces back out of it.
 */

/** A face box in image pixels (float), top-left corner and size. */
export interface FaceBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Point = [number, number];

export interface DetectedFace {
  box: FaceBox;
  score: number;
  /**
   * 5 points in IMAGE order, the FFHQ template's order: eye with smaller x (viewer's left), other
   * eye, nose tip, mouth corner viewer-left, mouth corner viewer-right. Both models were trained
   * with mirror augmentation that swaps the left and right points, so their own order already is
   * this image order; it is kept as given rather than sorted by x, which would scramble a face
   * lying on its side.
   */
  landmarks: [Point, Point, Point, Point, Point];
}

/** The subset of an ORT InferenceSession a detector uses (tests pass a real session). */
export type DetectorSession = Pick<InferenceSession, 'run' | 'inputNames' | 'outputNames'>;

/** Settings a detector runs with once the defaults are filled in. */
export interface DetectorRun {
  scoreThreshold: number;
  nmsIou: number;
  maxSide: number;
  signal: AbortSignal | undefined;
}

/** What a detector hands back: faces in original image coordinates, before filtering. */
export interface DetectorOutput {
  faces: DetectedFace[];
  inputSize: [number, number];
}

/** How an image was fitted into a model input: its resized size and the exact scale per axis. */
export interface Fit {
  width: number;
  height: number;
  scaleX: number;
  scaleY: number;
}

/**
 * Downscales (never upscales) so that the long side is at most `maxSide`. The scale is kept per
 * axis from the rounded size, so mapping back is exact for each axis.
 */
export function fitWithin(width: number, height: number, maxSide: number): Fit {
  const s = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.min(maxSide, Math.round(width * s)));
  const h = Math.max(1, Math.min(maxSide, Math.round(height * s)));
  return { width: w, height: h, scaleX: w / width, scaleY: h / height };
}

/**
 * The image as a planar BGR float tensor of `tensorW`×`tensorH`, resized to `fit` and placed at
 * the top-left; the rest stays 0 (after `mean` is taken off). Gray is replicated to three
 * channels, alpha is ignored and 16-bit values are brought into 0..255.
 */
export async function bgrTensor(
  raster: Raster,
  fit: Fit,
  tensorW: number,
  tensorH: number,
  mean: readonly [number, number, number],
): Promise<Float32Array> {
  const { pixels, channels } = await colourAt(raster, fit);
  const plane = tensorW * tensorH;
  const out = new Float32Array(3 * plane);
  const unit = raster.depth === 16 ? 255 / 65535 : 1;
  // Offsets of B, G and R within a pixel: gray reads its one value three times.
  const bgr = channels === 1 ? [0, 0, 0] : [2, 1, 0];
  for (let y = 0; y < fit.height; y += 1) {
    for (let x = 0; x < fit.width; x += 1) {
      const src = (y * fit.width + x) * channels;
      const dst = y * tensorW + x;
      for (let c = 0; c < 3; c += 1) {
        out[c * plane + dst] = (pixels[src + bgr[c]!] ?? 0) * unit - mean[c]!;
      }
    }
  }
  return out;
}

/**
 * The colour channels (1 or 3) at the fitted size. Alpha is dropped before resizing, because
 * sharp premultiplies by it while resizing and would darken the colour under transparency.
 */
async function colourAt(raster: Raster, fit: Fit): Promise<{ pixels: Canvas; channels: number }> {
  const { width, height, depth } = raster;
  const channels = raster.channels <= 2 ? 1 : 3;
  const colour = raster.hasAlpha ? dropAlpha(raster.data, width * height, channels) : raster.data;
  if (fit.width === width && fit.height === height) return { pixels: colour, channels };
  return { pixels: await resizeRaw(colour, width, height, channels, depth, fit.width, fit.height), channels };
}

function dropAlpha(data: Canvas, pixels: number, channels: number): Canvas {
  const out =
    data instanceof Uint16Array ? new Uint16Array(pixels * channels) : new Uint8Array(pixels * channels);
  const bands = channels + 1;
  for (let i = 0; i < pixels; i += 1) {
    for (let c = 0; c < channels; c += 1) out[i * channels + c] = data[i * bands + c] ?? 0;
  }
  return out;
}

/** Runs `session` on one float tensor, returning the named outputs' data. */
export async function runModel(
  session: DetectorSession,
  model: string,
  input: Float32Array,
  dims: readonly number[],
  outputs: readonly string[],
): Promise<Map<string, Float32Array>> {
  const inputName = session.inputNames[0];
  if (inputName === undefined) throw new Error(`The ${model} model has no input`);
  for (const name of outputs) {
    if (!session.outputNames.includes(name)) {
      throw new Error(
        `The ${model} model has no "${name}" output (it has ${session.outputNames.join(', ')})`,
      );
    }
  }
  const { Tensor } = await import('onnxruntime-node');
  const result = await session.run({ [inputName]: new Tensor('float32', input, dims) });
  const data = new Map<string, Float32Array>();
  for (const name of outputs) {
    const value = result[name];
    if (!value || !(value.data instanceof Float32Array)) {
      throw new Error(`The ${model} model produced no float "${name}" output`);
    }
    data.set(name, value.data);
  }
  return data;
}

/** Maps a point from model input pixels back to original image pixels. */
function unfitPoint(fit: Fit, x: number, y: number): Point {
  return [x / fit.scaleX, y / fit.scaleY];
}

/** Builds a face in original image pixels from corner coordinates and points in input pixels. */
export function unfitFace(
  fit: Fit,
  score: number,
  corners: readonly [number, number, number, number],
  points: readonly number[],
): DetectedFace {
  const [x0, y0, x1, y1] = corners;
  const landmarks = [0, 1, 2, 3, 4].map((i) => unfitPoint(fit, points[2 * i]!, points[2 * i + 1]!));
  return {
    box: { x: x0 / fit.scaleX, y: y0 / fit.scaleY, w: (x1 - x0) / fit.scaleX, h: (y1 - y0) / fit.scaleY },
    score,
    landmarks: landmarks as DetectedFace['landmarks'],
  };
}
