import type { Raster } from '../imageio.js';
import {
  bgrTensor,
  fitWithin,
  runModel,
  unfitFace,
  type DetectedFace,
  type DetectorOutput,
  type DetectorRun,
  type DetectorSession,
  type Fit,
} from './detectorIo.js';

const STRIDES = [8, 16, 32] as const;
/** The network downsamples by 32 at most, so input sides must be multiples of it. */
const ALIGN = 32;
const NO_MEAN = [0, 0, 0] as const;

/** The four output heads of one stride, named as in the 2023mar export. */
function headNames(stride: number) {
  return {
    cls: `cls_${stride}`,
    obj: `obj_${stride}`,
    bbox: `bbox_${stride}`,
    kps: `kps_${stride}`,
  };
}

/**
 * Downscales the image so that its long side is at most `maxSide`, pads it with black on the
 * right and bottom to multiples of 32 (as OpenCV FaceDetectorYN does), and decodes the faces.
 */
export async function runYuNet(
  raster: Raster,
  session: DetectorSession,
  run: DetectorRun,
): Promise<DetectorOutput> {
  const fit = fitWithin(raster.width, raster.height, run.maxSide);
  const padW = Math.ceil(fit.width / ALIGN) * ALIGN;
  const padH = Math.ceil(fit.height / ALIGN) * ALIGN;
  const input = await bgrTensor(raster, fit, padW, padH, NO_MEAN);
  run.signal?.throwIfAborted();
  const names = STRIDES.flatMap((s) => Object.values(headNames(s)));
  const out = await runModel(session, 'YuNet', input, [1, 3, padH, padW], names);
  run.signal?.throwIfAborted();
  const faces = STRIDES.flatMap((stride) => {
    const heads = headNames(stride);
    const cols = padW / stride;
    const rows = padH / stride;
    const get = (name: string, per: number) => {
      const data = out.get(name)!;
      if (data.length !== rows * cols * per) {
        throw new Error(`The YuNet model's "${name}" output does not match a ${padW}×${padH} input`);
      }
      return data;
    };
    const head = {
      cls: get(heads.cls, 1),
      obj: get(heads.obj, 1),
      bbox: get(heads.bbox, 4),
      kps: get(heads.kps, 10),
    };
    return decodeStride(head, stride, cols, rows, run.scoreThreshold, fit);
  });
  return { faces, inputSize: [padW, padH] };
}

interface StrideHead {
  cls: Float32Array;
  obj: Float32Array;
  bbox: Float32Array;
  kps: Float32Array;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * OpenCV face_detect.cpp's decode: one anchor per grid cell (col, row); the box is centre-based,
 * its centre (anchor + offset)·stride and its size exp(offset)·stride; landmarks are
 * (anchor + offset)·stride.
 */
function decodeStride(
  head: StrideHead,
  stride: number,
  cols: number,
  rows: number,
  threshold: number,
  fit: Fit,
): DetectedFace[] {
  const faces: DetectedFace[] = [];
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      const i = r * cols + c;
      const score = Math.sqrt(clamp01(head.cls[i]!) * clamp01(head.obj[i]!));
      if (score < threshold) continue;
      const cx = (c + head.bbox[4 * i]!) * stride;
      const cy = (r + head.bbox[4 * i + 1]!) * stride;
      const w = Math.exp(head.bbox[4 * i + 2]!) * stride;
      const h = Math.exp(head.bbox[4 * i + 3]!) * stride;
      const points: number[] = [];
      for (let p = 0; p < 5; p += 1) {
        points.push((c + head.kps[10 * i + 2 * p]!) * stride);
        points.push((r + head.kps[10 * i + 2 * p + 1]!) * stride);
      }
      faces.push(unfitFace(fit, score, [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], points));
    }
  }
  return faces;
}
