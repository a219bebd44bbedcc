import type { Canvas } from '../blender.js';
import { type Affine, applyAffine, cubicWeights, invertAffine, type Point } from './align.js';

/**
 * Paste-back of a restored face (facexlib's `paste_faces_to_input_image`), done in face space:
 * instead of warping a ones-mask and the face onto a full-size float canvas, each canvas pixel of
 * the face's bounding box looks up the face and a feathered mask by the canvas→face transform.
 * Pixel centres are integers (see align.ts).
 */

export interface PasteOptions {
  /** 0..1, default 1: 1 = restored face, 0 = background unchanged. */
  strength?: number;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Feather width in CANVAS pixels, facexlib's `int(sqrt(face_area)) // 20`: the crop's side on the
 * canvas is size / scale, where scale = √|det| of the canvas→face map. At least 1, so even a tiny
 * face gets a seam-free edge.
 */
export function edgeWidth(toFace: Affine, size = 512): number {
  const side = size / faceScale(toFace);
  return Math.max(1, Math.floor(Math.floor(side) / 20));
}

/** Face-crop pixels per canvas pixel. */
function faceScale(m: Affine): number {
  return Math.sqrt(Math.abs(m.a * m.e - m.b * m.d));
}

/**
 * Blends `face` (planar RGB 0..1, size×size, face space) onto `canvas` in place; `toFace` maps
 * canvas pixel coordinates to face-crop coordinates. The mask is the crop eroded by the edge
 * width w and then Gaussian-blurred over ±w (facexlib: erode 2w, GaussianBlur 2w + 1), so it is 0
 * at the crop's border and 1 from about 2w inside it; w is in canvas pixels, applied in face
 * space. Gray canvases get the face's Rec. 601 luma. Results round half up and clamp. Returns the
 * canvas box that may change (clipped; w = h = 0 when the face lies off the canvas).
 */
export function pasteFace(
  canvas: Canvas,
  width: number,
  height: number,
  channels: 1 | 3,
  depth: 8 | 16,
  face: Float32Array,
  toFace: Affine,
  size = 512,
  opts: PasteOptions = {},
): Box {
  const strength = opts.strength ?? 1;
  if (!(strength >= 0 && strength <= 1)) throw new Error(`pasteFace: strength ${strength} is not in 0..1`);
  if (face.length !== 3 * size * size)
    throw new Error(`pasteFace: face has ${face.length} values, not 3·${size}²`);
  if (canvas.length !== width * height * channels)
    throw new Error(`pasteFace: canvas has ${canvas.length} values, not ${width}×${height}×${channels}`);
  const box = footprint(invertAffine(toFace), size, width, height);
  if (box.w === 0 || box.h === 0 || strength === 0) return box;
  const profile = maskProfile(size, edgeWidth(toFace, size), faceScale(toFace));
  const target: Target = { canvas, width, channels, max: depth === 16 ? 65535 : 255 };
  blendBox(target, box, face, size, profile, toFace, strength);
  return box;
}

/** Canvas box covering the crop [0, size − 1]² mapped back by `fromFace`, clipped to the canvas. */
function footprint(fromFace: Affine, size: number, width: number, height: number): Box {
  const last = size - 1;
  const corners: Point[] = [
    [0, 0],
    [last, 0],
    [0, last],
    [last, last],
  ].map((p) => applyAffine(fromFace, p as Point));
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)));
  if (x1 < x0 || y1 < y0) return { x: 0, y: 0, w: 0, h: 0 };
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * One axis of the mask; the square crop's mask is the outer product profile[u]·profile[v], which
 * is what a separable blur of the eroded square gives, and bilinear sampling of that product is
 * the product of 1-D linear samples. The edge width `edge` (canvas pixels) becomes a radius r in
 * face pixels (× `scale`, face pixels per canvas pixel): the eroded square keeps pixels more than
 * r from the border, and a Gaussian over ±r with cv2's default σ for a (2·edge + 1)-tap kernel
 * feathers it, so profile[0] = 0 exactly and profile = 1 from 2r + 1 inwards.
 */
export function maskProfile(size: number, edge: number, scale: number): Float64Array {
  // Capped so the core (profile = 1) never vanishes on small crops.
  const radius = Math.min(Math.max(1, Math.round(edge * scale)), Math.max(1, Math.floor((size - 3) / 4)));
  const kernel = gaussian(radius, (0.3 * (edge - 1) + 0.8) * scale);
  const eroded = new Float64Array(size);
  eroded.fill(1, radius + 1, size - 1 - radius);
  const profile = new Float64Array(size);
  for (let u = 0; u < size; u += 1) {
    let sum = 0;
    for (let k = -radius; k <= radius; k += 1) {
      const i = u + k;
      if (i >= 0 && i < size) sum += (kernel[k + radius] as number) * (eroded[i] as number);
    }
    // The normalised kernel may sum to 1 ± 1 ulp.
    profile[u] = Math.min(1, sum);
  }
  return profile;
}

function gaussian(radius: number, sigma: number): Float64Array {
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k += 1) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    kernel[k + radius] = w;
    total += w;
  }
  for (let i = 0; i < kernel.length; i += 1) kernel[i] = (kernel[i] as number) / total;
  return kernel;
}

interface Target {
  canvas: Canvas;
  width: number;
  channels: 1 | 3;
  max: number;
}

/**
 * The hot loop. Pixels whose face coordinates fall outside the open crop (0, size − 1)² have a
 * zero mask and are skipped. The face is sampled bicubically (Catmull-Rom, as the crop was
 * taken; taps past the crop's edge repeat its edge pixels), the mask linearly.
 */
function blendBox(
  target: Target,
  box: Box,
  face: Float32Array,
  size: number,
  profile: Float64Array,
  toFace: Affine,
  strength: number,
): void {
  const { canvas, width, channels, max } = target;
  const plane = size * size;
  const last = size - 1;
  const wu = new Float64Array(4);
  const wv = new Float64Array(4);
  const taps = new Int32Array(16);
  const weights = new Float64Array(16);
  const clampIndex = (i: number) => (i < 0 ? 0 : i > last ? last : i);
  for (let y = box.y; y < box.y + box.h; y += 1) {
    const rowU = toFace.b * y + toFace.c;
    const rowV = toFace.e * y + toFace.f;
    for (let x = box.x; x < box.x + box.w; x += 1) {
      const u = toFace.a * x + rowU;
      const v = toFace.d * x + rowV;
      if (!(u > 0 && u < last && v > 0 && v < last)) continue;
      const uf = Math.floor(u);
      const vf = Math.floor(v);
      const tu = u - uf;
      const tv = v - vf;
      const mu = (profile[uf] as number) + tu * ((profile[uf + 1] as number) - (profile[uf] as number));
      const mv = (profile[vf] as number) + tv * ((profile[vf + 1] as number) - (profile[vf] as number));
      const m = mu * mv * strength;
      if (m <= 0) continue;
      cubicWeights(tu, wu);
      cubicWeights(tv, wv);
      for (let j = 0; j < 4; j += 1) {
        const row = clampIndex(vf - 1 + j) * size;
        for (let i = 0; i < 4; i += 1) {
          taps[j * 4 + i] = row + clampIndex(uf - 1 + i);
          weights[j * 4 + i] = (wv[j] as number) * (wu[i] as number) * max;
        }
      }
      const o = (y * width + x) * channels;
      if (channels === 3) {
        for (let ch = 0; ch < 3; ch += 1)
          canvas[o + ch] = blend(canvas[o + ch] as number, tap(face, ch * plane, taps, weights), m, max);
      } else {
        const gray =
          0.299 * tap(face, 0, taps, weights) +
          0.587 * tap(face, plane, taps, weights) +
          0.114 * tap(face, 2 * plane, taps, weights);
        canvas[o] = blend(canvas[o] as number, gray, m, max);
      }
    }
  }
}

/** One face plane (starting at `base`) sampled at 16 taps with pre-scaled weights. */
function tap(face: Float32Array, base: number, taps: Int32Array, weights: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < 16; k += 1)
    sum += (face[base + (taps[k] as number)] as number) * (weights[k] as number);
  return sum;
}

/** background + m·(face − background), rounded half up and clamped to [0, max]. */
function blend(background: number, face: number, m: number, max: number): number {
  const value = Math.floor(background + m * (face - background) + 0.5);
  return value < 0 ? 0 : value > max ? max : value;
}
