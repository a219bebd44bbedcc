import type { Raster } from '../imageio.js';

/**
 * Face alignment for restoration (GFPGAN / facexlib style): a similarity fitted from five
 * landmarks to the FFHQ template, and the crop it defines.
 *
 * Pixel-centre convention, everywhere in this folder: pixel (i, j) is the sample at coordinates
 * (i, j) and covers [i − 0.5, i + 0.5] — the convention of cv2.warpAffine, in which facexlib's
 * template and landmarks are given.
 */

export type Point = [number, number];

/** Row-major 2×3 affine: x' = a*x + b*y + c; y' = d*x + e*y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** Eyes, nose tip and mouth corners of the 512×512 FFHQ crop (facexlib's `face_template`). */
export const FFHQ_TEMPLATE_512: readonly Point[] = Object.freeze([
  [192.98138, 239.94708],
  [318.90277, 240.1936],
  [256.63416, 314.01935],
  [201.26117, 371.41043],
  [313.08905, 371.15118],
] satisfies Point[]);

/**
 * Least-squares similarity src→dst in closed form. The model x' = p·x − q·y + tx,
 * y' = q·x + p·y + ty is linear in (p, q, tx, ty); its normal equations decouple once both point
 * sets are centred. The linear part [[p, −q], [q, p]] has determinant p² + q² ≥ 0, so a reflection
 * can never come out (cv2.estimateAffinePartial2D fits the same model, without its LMEDS outlier
 * rejection — five landmarks from a detector have no outliers worth rejecting).
 */
export function similarityFromPoints(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length)
    throw new Error(`similarityFromPoints: ${src.length} vs ${dst.length} points`);
  if (src.length < 2) throw new Error('similarityFromPoints: needs at least 2 point pairs');
  const [sx, sy] = centroid(src);
  const [dx, dy] = centroid(dst);
  let spread = 0;
  let dstSpread = 0;
  let dotSum = 0;
  let crossSum = 0;
  for (let i = 0; i < src.length; i += 1) {
    const [x, y] = src[i] as Point;
    const [u, v] = dst[i] as Point;
    const xs = x - sx;
    const ys = y - sy;
    const ud = u - dx;
    const vd = v - dy;
    spread += xs * xs + ys * ys;
    dstSpread += ud * ud + vd * vd;
    dotSum += xs * ud + ys * vd;
    crossSum += xs * vd - ys * ud;
  }
  if (isDegenerate(spread, src) || isDegenerate(dstSpread, dst))
    throw new Error('similarityFromPoints: points are coincident');
  const p = dotSum / spread;
  const q = crossSum / spread;
  return { a: p, b: -q, c: dx - (p * sx - q * sy), d: q, e: p, f: dy - (q * sx + p * sy) };
}

function centroid(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const [px, py] of points) {
    x += px;
    y += py;
  }
  return [x / points.length, y / points.length];
}

/**
 * All points coincide when their spread about the centroid is zero; the centroid itself carries
 * rounding, so "zero" is relative to the points' magnitude. Non-finite input counts as degenerate.
 */
function isDegenerate(spread: number, points: readonly Point[]): boolean {
  let magnitude = 0;
  for (const [x, y] of points) magnitude += x * x + y * y;
  return !Number.isFinite(spread) || !Number.isFinite(magnitude) || spread <= 1e-24 * magnitude;
}

/** Exact inverse of an invertible affine; throws on a singular one. */
export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  if (det === 0 || !Number.isFinite(det)) throw new Error('invertAffine: singular transform');
  const a = m.e / det;
  const b = -m.b / det;
  const d = -m.d / det;
  const e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

export function applyAffine(m: Affine, [x, y]: Point): Point {
  return [m.a * x + m.b * y + m.c, m.d * x + m.e * y + m.f];
}

/** `outer ∘ inner`: applies `inner` first. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  return {
    a: outer.a * inner.a + outer.b * inner.d,
    b: outer.a * inner.b + outer.b * inner.e,
    c: outer.a * inner.c + outer.b * inner.f + outer.c,
    d: outer.d * inner.a + outer.e * inner.d,
    e: outer.d * inner.b + outer.e * inner.e,
    f: outer.d * inner.c + outer.e * inner.f + outer.f,
  };
}

/**
 * Re-expresses `m`, defined on an image's pixel coordinates, on the same image resized by `k`
 * (the upscaled canvas). Pixel centres move with the resize: canvas pixel X sits at
 * x = (X + 0.5) / k − 0.5 in the original. facexlib approximates this with `inverse · k` plus a
 * 0.5·k offset, which is half a canvas pixel off; this is the exact map.
 */
export function scaleInput(m: Affine, k: number): Affine {
  if (!(k > 0) || !Number.isFinite(k)) throw new Error(`scaleInput: bad factor ${k}`);
  const shift = 0.5 / k - 0.5;
  return composeAffine(m, { a: 1 / k, b: 0, c: shift, d: 0, e: 1 / k, f: shift });
}

/** The FFHQ template for a `size`×`size` crop, scaled as facexlib does (`template · size / 512`). */
export function faceTemplate(size = 512): Point[] {
  const k = size / 512;
  return FFHQ_TEMPLATE_512.map(([x, y]): Point => [x * k, y * k]);
}

/** Image → crop transform for five landmarks (eyes, nose, mouth corners, in the template's order). */
export function alignToTemplate(landmarks: readonly Point[], size = 512): Affine {
  return similarityFromPoints(landmarks, faceTemplate(size));
}

/**
 * Catmull-Rom weights (Keys' cubic, a = −0.5, cv2's INTER_CUBIC) of the four taps at −1, 0, 1, 2
 * for a sample `t` (0 ≤ t < 1) past tap 0, written into `w`. A crop and its paste-back both
 * resample: two bilinear passes blur a face the model left alone to 39.6 dB against the
 * background at 2×; two cubic passes keep it above 40 dB.
 */
export function cubicWeights(t: number, w: Float64Array): void {
  const t2 = t * t;
  const t3 = t2 * t;
  w[0] = -0.5 * t3 + t2 - 0.5 * t;
  w[1] = 1.5 * t3 - 2.5 * t2 + 1;
  w[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  w[3] = 0.5 * t3 - 0.5 * t2;
}

/**
 * The face crop: crop pixel (u, v) is the raster sampled bicubically (Catmull-Rom) at
 * invert(toFace)(u, v) (integer pixel centres, as cv2.warpAffine). Beyond the image the raster is
 * mirrored about its edge pixels without repeating them (cv2.BORDER_REFLECT_101, facexlib's
 * 'reflect101'), so a face at the border sees plausible skin instead of a constant colour the
 * network would have to undo. Returns planar float32 RGB in 0..1 (clamped: the cubic overshoots
 * at edges): gray is replicated, alpha ignored, 16-bit divided by 65535.
 */
export function warpFace(raster: Raster, toFace: Affine, size = 512): Float32Array {
  const { data, width, height, channels } = raster;
  const plane = size * size;
  const out = new Float32Array(plane * 3);
  const inv = invertAffine(toFace);
  const scale = 1 / (raster.depth === 16 ? 65535 : 255);
  // Gray (and gray + alpha) replicate channel 0; RGB(A) takes the first three.
  const colours = channels >= 3 ? 3 : 1;
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const xs = new Int32Array(4);
  const ys = new Int32Array(4);
  const sums = new Float64Array(3);
  for (let v = 0; v < size; v += 1) {
    const rowX = inv.b * v + inv.c;
    const rowY = inv.e * v + inv.f;
    for (let u = 0; u < size; u += 1) {
      const x = inv.a * u + rowX;
      const y = inv.d * u + rowY;
      const xf = Math.floor(x);
      const yf = Math.floor(y);
      cubicWeights(x - xf, wx);
      cubicWeights(y - yf, wy);
      for (let k = 0; k < 4; k += 1) {
        xs[k] = reflect101(xf - 1 + k, width) * channels;
        ys[k] = reflect101(yf - 1 + k, height) * width * channels;
      }
      sums.fill(0);
      for (let j = 0; j < 4; j += 1) {
        const row = ys[j] as number;
        const wj = wy[j] as number;
        for (let i = 0; i < 4; i += 1) {
          const at = row + (xs[i] as number);
          const w = wj * (wx[i] as number);
          for (let ch = 0; ch < colours; ch += 1)
            sums[ch] = (sums[ch] as number) + (data[at + ch] as number) * w;
        }
      }
      const o = v * size + u;
      for (let ch = 0; ch < 3; ch += 1) {
        const value = (sums[ch < colours ? ch : 0] as number) * scale;
        out[ch * plane + o] = value < 0 ? 0 : value > 1 ? 1 : value;
      }
    }
  }
  return out;
}

/** Index `i` folded into [0, n) by mirroring about the end pixels (…2 1 | 0 1 2 … n−1 | n−2 …). */
export function reflect101(i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const r = ((i % period) + period) % period;
  return r < n ? r : period - r;
}
