import type { InferenceSession } from 'onnxruntime-node';
import type { Canvas } from '../blender.js';
import { resizeRaw, type Raster } from '../imageio.js';
import { runRetinaFace } from './retinaface.js';
import { runYuNet } from './yunet.js';

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

export type DetectorKind = 'retinaface' | 'yunet';
export type FaceSelection = 'all' | 'center' | 'largest';

export interface DetectOptions {
  /**
   * Lowest face score kept. RetinaFace: 0.8, facexlib's default for GFPGAN and CodeFormer; on the
   * fixtures its faces score 0.99+, also when blurred with sigma 3. YuNet: 0.7, below OpenCV
   * FaceDetectorYN's 0.9, because its sqrt(cls·obj) scores sit near 0.92 for clear faces and fall
   * under 0.9 once a photo is soft, the very photos face restoration is for: on the fixtures,
   * faces blurred with sigma 3 to 6 scored 0.745–0.93, and nothing face-free scored above 0.43
   * (a drawn anime face).
   */
  scoreThreshold?: number;
  /** IoU above which a lower-scored box is suppressed: 0.4 RetinaFace (facexlib), 0.3 YuNet (OpenCV). */
  nmsIou?: number;
  /** Faces whose shorter box side is below this, in original image pixels, are dropped (default 12). */
  minFaceSize?: number;
  /** 'center': the face whose box centre is nearest the image centre; 'largest': the largest box. */
  select?: FaceSelection;
  /**
   * YuNet: the long side the image is downscaled to for detection (default 640, never upscaled).
   * RetinaFace always letterboxes into its fixed 640×640 input.
   */
  maxSide?: number;
  signal?: AbortSignal;
}

/** The subset of an ORT InferenceSession a detector uses (tests pass a real session). */
export type DetectorSession = Pick<InferenceSession, 'run' | 'inputNames' | 'outputNames'>;

export interface DetectResult {
  /** Sorted by score, highest first, then narrowed by `select`. */
  faces: DetectedFace[];
  /** Wall time of the whole detection: resize, tensor, inference, decode. */
  ms: number;
  /** The model input's [width, height], padding included. */
  inputSize: [number, number];
}

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

const DEFAULTS: Record<DetectorKind, { scoreThreshold: number; nmsIou: number }> = {
  retinaface: { scoreThreshold: 0.8, nmsIou: 0.4 },
  yunet: { scoreThreshold: 0.7, nmsIou: 0.3 },
};

/** Both reference decoders cap the candidates fed to NMS at this many (it is quadratic). */
const PRE_NMS_TOP_K = 5000;

/**
 * Finds faces in a decoded image. Large images are downscaled for the model (never upscaled),
 * and boxes and landmarks are mapped back to the original pixels.
 */
export async function detectFaces(
  raster: Raster,
  kind: DetectorKind,
  session: DetectorSession,
  opts: DetectOptions = {},
): Promise<DetectResult> {
  const t0 = performance.now();
  opts.signal?.throwIfAborted();
  const run: DetectorRun = {
    scoreThreshold: opts.scoreThreshold ?? DEFAULTS[kind].scoreThreshold,
    nmsIou: opts.nmsIou ?? DEFAULTS[kind].nmsIou,
    maxSide: opts.maxSide ?? 640,
    signal: opts.signal,
  };
  const detector = kind === 'retinaface' ? runRetinaFace : runYuNet;
  const out = await detector(raster, session, run);
  const minSize = opts.minFaceSize ?? 12;
  // Size is judged on the box as predicted: a large face cut by the frame is still a large face.
  const sized = out.faces
    .filter((f) => Math.min(f.box.w, f.box.h) >= minSize)
    .map((f) => ({ ...f, box: clipBox(f.box, raster.width, raster.height) }))
    .filter((f) => f.box.w > 0 && f.box.h > 0);
  const kept = nms(sized, run.nmsIou);
  const faces = selectFaces(kept, opts.select ?? 'all', raster.width, raster.height);
  return { faces, ms: performance.now() - t0, inputSize: out.inputSize };
}

/** Intersection over union of two boxes. */
export function iou(a: FaceBox, b: FaceBox): number {
  const iw = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/** Greedy non-maximum suppression; the result is sorted by score, highest first. */
export function nms(faces: DetectedFace[], iouThreshold: number): DetectedFace[] {
  const sorted = [...faces].sort((a, b) => b.score - a.score).slice(0, PRE_NMS_TOP_K);
  const kept: DetectedFace[] = [];
  for (const face of sorted) {
    if (kept.every((k) => iou(k.box, face.box) <= iouThreshold)) kept.push(face);
  }
  return kept;
}

/** Narrows score-sorted faces to the one `select` asks for ('all' keeps them all). */
export function selectFaces(
  faces: DetectedFace[],
  select: FaceSelection,
  width: number,
  height: number,
): DetectedFace[] {
  if (select === 'all' || faces.length === 0) return faces;
  const cost =
    select === 'largest'
      ? (f: DetectedFace) => -f.box.w * f.box.h
      : (f: DetectedFace) =>
          Math.hypot(f.box.x + f.box.w / 2 - width / 2, f.box.y + f.box.h / 2 - height / 2);
  // reduce keeps the first of equal costs, so ties go to the higher score.
  const best = faces.reduce((a, b) => (cost(b) < cost(a) ? b : a));
  return [best];
}

/** The box cut to the image; a box wholly outside becomes empty. */
export function clipBox(box: FaceBox, width: number, height: number): FaceBox {
  const x0 = Math.min(Math.max(box.x, 0), width);
  const y0 = Math.min(Math.max(box.y, 0), height);
  const x1 = Math.min(Math.max(box.x + box.w, 0), width);
  const y1 = Math.min(Math.max(box.y + box.h, 0), height);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
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
