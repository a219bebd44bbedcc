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

/** RetinaFace mobilenet0.25 (biubug6 Pytorch_Retinaface) as exported with a fixed input. */
export const RETINAFACE_SIZE = 640;
const MEAN_BGR = [104, 117, 123] as const;
const STEPS = [8, 16, 32] as const;
const MIN_SIZES = [
  [16, 32],
  [64, 128],
  [256, 512],
] as const;
const VARIANCE = [0.1, 0.2] as const;
const OUTPUTS = { loc: 'output0', conf: 'output1', landms: 'output2' } as const;

/**
 * The anchor boxes (cx, cy, w, h, as fractions of the input), in the order of the model's
 * outputs: per stride, row by row, column by column, then per min size (PriorBox in biubug6).
 */
export function retinaFacePriors(size: number = RETINAFACE_SIZE): Float32Array {
  const counts = STEPS.map((s) => Math.ceil(size / s) ** 2 * 2);
  const priors = new Float32Array(counts.reduce((a, b) => a + b, 0) * 4);
  let i = 0;
  STEPS.forEach((step, k) => {
    const cells = Math.ceil(size / step);
    for (let r = 0; r < cells; r += 1) {
      for (let c = 0; c < cells; c += 1) {
        for (const min of MIN_SIZES[k]!) {
          priors.set([((c + 0.5) * step) / size, ((r + 0.5) * step) / size, min / size, min / size], i);
          i += 4;
        }
      }
    }
  });
  return priors;
}

const PRIORS = retinaFacePriors();

/** Letterboxes the image into 640×640 (top-left, mean-coloured padding) and decodes the faces. */
export async function runRetinaFace(
  raster: Raster,
  session: DetectorSession,
  run: DetectorRun,
): Promise<DetectorOutput> {
  const fit = fitWithin(raster.width, raster.height, RETINAFACE_SIZE);
  const input = await bgrTensor(raster, fit, RETINAFACE_SIZE, RETINAFACE_SIZE, MEAN_BGR);
  run.signal?.throwIfAborted();
  const out = await runModel(
    session,
    'RetinaFace',
    input,
    [1, 3, RETINAFACE_SIZE, RETINAFACE_SIZE],
    Object.values(OUTPUTS),
  );
  run.signal?.throwIfAborted();
  const loc = out.get(OUTPUTS.loc)!;
  const conf = out.get(OUTPUTS.conf)!;
  const landms = out.get(OUTPUTS.landms)!;
  const anchors = PRIORS.length / 4;
  if (loc.length !== anchors * 4 || conf.length !== anchors * 2 || landms.length !== anchors * 10) {
    throw new Error(`The RetinaFace model's outputs do not match its ${anchors} anchors at 640×640`);
  }
  return {
    faces: decodeRetinaFace(loc, conf, landms, run.scoreThreshold, fit),
    inputSize: [RETINAFACE_SIZE, RETINAFACE_SIZE],
  };
}

/**
 * biubug6's decode/decode_landm: centres are offsets scaled by variance[0] and the prior size,
 * sizes are the prior size times exp(offset·variance[1]); all in fractions of the input.
 */
function decodeRetinaFace(
  loc: Float32Array,
  conf: Float32Array,
  landms: Float32Array,
  threshold: number,
  fit: Fit,
): DetectedFace[] {
  const faces: DetectedFace[] = [];
  const anchors = PRIORS.length / 4;
  for (let i = 0; i < anchors; i += 1) {
    const score = conf[2 * i + 1]!;
    if (score < threshold) continue;
    const pcx = PRIORS[4 * i]!;
    const pcy = PRIORS[4 * i + 1]!;
    const pw = PRIORS[4 * i + 2]!;
    const ph = PRIORS[4 * i + 3]!;
    const cx = pcx + loc[4 * i]! * VARIANCE[0] * pw;
    const cy = pcy + loc[4 * i + 1]! * VARIANCE[0] * ph;
    const w = pw * Math.exp(loc[4 * i + 2]! * VARIANCE[1]);
    const h = ph * Math.exp(loc[4 * i + 3]! * VARIANCE[1]);
    const s = RETINAFACE_SIZE;
    const points: number[] = [];
    for (let p = 0; p < 5; p += 1) {
      points.push((pcx + landms[10 * i + 2 * p]! * VARIANCE[0] * pw) * s);
      points.push((pcy + landms[10 * i + 2 * p + 1]! * VARIANCE[0] * ph) * s);
    }
    const corners = [(cx - w / 2) * s, (cy - h / 2) * s, (cx + w / 2) * s, (cy + h / 2) * s] as const;
    faces.push(unfitFace(fit, score, corners, points));
  }
  return faces;
}
