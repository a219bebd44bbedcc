import { RpcError } from '../../../contract/errors.js';
import type { Canvas } from '../blender.js';
import type { Pixels, Raster } from '../imageio.js';
import { normalizeOutput, type InputConvention, type TileRunner } from '../upscale.js';
import { alignToTemplate, warpFace } from './align.js';
import {
  detectFaces,
  type DetectorKind,
  type DetectorSession,
  type FaceBox,
  type FaceSelection,
  type Point,
} from './detect.js';
import { pasteFace, type Box } from './paste.js';

/** The aligned face side GFPGAN-convention models take and give (1×3×512×512). */
export const FACE_SIZE = 512;

/** A face restorer: a model run on one aligned crop, and how it wants its values. */
export interface FaceRestorer {
  runner: TileRunner;
  convention: InputConvention;
}

export interface FacePassOptions {
  detector: DetectorKind;
  detectorSession: DetectorSession;
  select: FaceSelection;
  /** 0: the background's face, 1: the restored face. */
  strength: number;
  signal?: AbortSignal;
  /** 0..1 over the faces (detection done first). */
  onProgress?: (fraction: number) => void;
}

export interface RestoredFace {
  /** Where the face was found, in OUTPUT pixels (the detection box × the output's scale). */
  box: FaceBox;
  score: number;
  /** The five landmarks (eyes, nose, mouth corners), in output pixels. */
  landmarks: Point[];
  /** The output pixels the paste may have changed (the aligned crop's footprint, clipped). */
  region: Box;
  /** Align, restore and paste back. */
  ms: number;
}

export interface FacePass {
  faces: RestoredFace[];
  detectMs: number;
}

/**
 * GFPGAN's face pass (facexlib's FaceRestoreHelper) on an upscaled background: faces are found
 * in the decoded photo; each is aligned to the FFHQ template from `out` (the photo already
 * upscaled to its output size), restored, and pasted back into `out` through the inverse
 * transform with a feathered mask. Cropping from the background rather than from the photo (as
 * facexlib does) means the face and what surrounds it come from the same pixels: a model that
 * changes nothing changes nothing, where facexlib's crop would blend a bilinear resample of the
 * photo into a Real-ESRGAN or Lanczos background (32.7 dB against the plain upscale at 2× on
 * Blake_Lively.jpg, 43+ dB this way). One face at a time: memory is the output canvas and a few
 * 512² crops. Alpha is left as it is; gray outputs get the restored face's luma.
 */
export async function restoreFaces(
  src: Raster,
  out: Pixels<Canvas>,
  restorer: FaceRestorer,
  opts: FacePassOptions,
): Promise<FacePass> {
  const detected = await detectFaces(src, opts.detector, opts.detectorSession, {
    select: opts.select,
    ...(opts.signal && { signal: opts.signal }),
  });
  const kx = out.width / src.width;
  const ky = out.height / src.height;
  const background: Raster = {
    data: out.color,
    width: out.width,
    height: out.height,
    channels: out.colorChannels,
    depth: out.depth,
    hasAlpha: false,
  };
  const faces: RestoredFace[] = [];
  for (const face of detected.faces) {
    opts.signal?.throwIfAborted();
    const t0 = performance.now();
    // The landmarks on the background (pixel centres move with each axis's own scale).
    const landmarks = face.landmarks.map(([px, py]): Point => [(px + 0.5) * kx - 0.5, (py + 0.5) * ky - 0.5]);
    const toFace = alignToTemplate(landmarks, FACE_SIZE);
    const crop = warpFace(background, toFace, FACE_SIZE);
    const restored = await runRestorer(restorer, crop);
    const region = pasteFace(
      out.color,
      out.width,
      out.height,
      out.colorChannels as 1 | 3,
      out.depth,
      restored,
      toFace,
      FACE_SIZE,
      { strength: opts.strength },
    );
    const { x, y, w, h } = face.box;
    faces.push({
      box: { x: x * kx, y: y * ky, w: w * kx, h: h * ky },
      score: face.score,
      landmarks,
      region,
      ms: performance.now() - t0,
    });
    opts.onProgress?.(faces.length / detected.faces.length);
  }
  return { faces, detectMs: detected.ms };
}

/** One aligned crop (planar RGB 0..1) through the restorer; the restored face, planar RGB 0..1. */
async function runRestorer(restorer: FaceRestorer, crop: Float32Array): Promise<Float32Array> {
  const conv = restorer.convention;
  const plane = FACE_SIZE * FACE_SIZE;
  const input = new Float32Array(3 * plane);
  const k = conv.range[1] - conv.range[0];
  for (let c = 0; c < 3; c += 1) {
    // The model's channel c is RGB channel `from` (BGR models read them reversed).
    const from = conv.channels === 'BGR' ? 2 - c : c;
    const mean = conv.mean[c]!;
    const std = conv.std[c]!;
    for (let i = 0; i < plane; i += 1)
      input[c * plane + i] = (crop[from * plane + i]! * k + conv.range[0] - mean) / std;
  }
  let output: Float32Array;
  try {
    output = await restorer.runner.run(input, FACE_SIZE, FACE_SIZE);
  } catch (error) {
    throw new RpcError('INTERNAL', `The face model failed: ${(error as Error).message}`);
  }
  if (output.length !== 3 * plane)
    throw new RpcError(
      'INTERNAL',
      `The face model returned ${output.length} values for a ${FACE_SIZE}×${FACE_SIZE} face; expected 3×${FACE_SIZE}×${FACE_SIZE}.`,
    );
  const restored = normalizeOutput(output, conv);
  for (let i = 0; i < restored.length; i += 1) {
    const v = restored[i]!;
    restored[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return restored;
}
