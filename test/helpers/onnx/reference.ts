/**
 * Plain-JS reference implementations of the functions computed by the models in `models.ts`, on
 * NCHW float32 data, plus a seeded random image source. Use them to predict what a model (or a
 * tiled run of it) must produce.
 */

/** An NCHW float32 image: `data.length === dims[0] * dims[1] * dims[2] * dims[3]`. */
export interface Nchw {
  data: Float32Array;
  dims: number[];
}

function shape(dims: readonly number[]): [number, number, number, number] {
  const [n, c, h, w] = dims;
  if (dims.length !== 4 || n === undefined || c === undefined || h === undefined || w === undefined) {
    throw new Error(`expected NCHW dims, got [${dims.join(', ')}]`);
  }
  return [n, c, h, w];
}

/** Deterministic pseudo-random float32 values in [0, 1) (mulberry32), shaped `dims`. */
export function randomImage(dims: number[], seed = 1): Nchw {
  const count = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  let state = seed >>> 0;
  for (let k = 0; k < count; k += 1) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[k] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return { data, dims: [...dims] };
}

/** `out[n, c, y, x] = in[n, c, floor(y / s), floor(x / s)]`. */
export function nearestUpscaleRef(image: Nchw, scale: number): Nchw {
  const [n, c, h, w] = shape(image.dims);
  const oh = h * scale;
  const ow = w * scale;
  const out = new Float32Array(n * c * oh * ow);
  for (let plane = 0; plane < n * c; plane += 1) {
    for (let y = 0; y < oh; y += 1) {
      const src = plane * h * w + Math.floor(y / scale) * w;
      const dst = plane * oh * ow + y * ow;
      for (let x = 0; x < ow; x += 1) out[dst + x] = image.data[src + Math.floor(x / scale)] ?? 0;
    }
  }
  return { data: out, dims: [n, c, oh, ow] };
}

/** 3×3 box blur per channel, weights float32(1/9), zeros outside the image; same size out. */
export function boxBlurRef(image: Nchw): Nchw {
  const [n, c, h, w] = shape(image.dims);
  const weight = Math.fround(1 / 9);
  const out = new Float32Array(image.data.length);
  for (let plane = 0; plane < n * c; plane += 1) {
    const base = plane * h * w;
    for (let y = 0; y < h; y += 1) {
      for (let x = 0; x < w; x += 1) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy += 1) {
          for (let dx = -1; dx <= 1; dx += 1) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) sum += weight * (image.data[base + yy * w + xx] ?? 0);
          }
        }
        out[base + y * w + x] = sum;
      }
    }
  }
  return { data: out, dims: [n, c, h, w] };
}

/** `float32(float32(a_c · in) + b_c)` per element, `a`/`b` scalar or one value per channel. */
export function affineRef(image: Nchw, a: number | readonly number[], b: number | readonly number[]): Nchw {
  const [n, c, h, w] = shape(image.dims);
  const pick = (v: number | readonly number[], ch: number): number =>
    Math.fround(typeof v === 'number' ? v : (v[ch] ?? NaN));
  const out = new Float32Array(image.data.length);
  for (let plane = 0; plane < n * c; plane += 1) {
    const ac = pick(a, plane % c);
    const bc = pick(b, plane % c);
    for (let k = plane * h * w; k < (plane + 1) * h * w; k += 1)
      out[k] = Math.fround(ac * (image.data[k] ?? 0)) + bc;
  }
  return { data: out, dims: [n, c, h, w] };
}

/** Largest `|a[k] - b[k]|`; `Infinity` when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let k = 0; k < a.length; k += 1) max = Math.max(max, Math.abs((a[k] ?? 0) - (b[k] ?? 0)));
  return max;
}
