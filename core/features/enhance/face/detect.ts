import type { Raster } from '../imageio.js';
import type { DetectedFace, DetectorRun, DetectorSession, FaceBox } from './detectorIo.js';
import { runRetinaFace } from './retinaface.js';
import { runYuNet } from './yunet.js';

export type { DetectedFace, DetectorSession, FaceBox, Point } from './detectorIo.js';

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

export interface DetectResult {
  /** Sorted by score, highest first, then narrowed by `select`. */
  faces: DetectedFace[];
  /** Wall time of the whole detection: resize, tensor, inference, decode. */
  ms: number;
  /** The model input's [width, height], padding included. */
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
