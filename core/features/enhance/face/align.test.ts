import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FIXTURE_IMAGES } from '../../../../test/helpers/fixtures.js';
import { decodeRaster, type Raster } from '../imageio.js';
import {
  type Affine,
  alignToTemplate,
  applyAffine,
  composeAffine,
  FFHQ_TEMPLATE_512,
  faceTemplate,
  invertAffine,
  type Point,
  scaleInput,
  similarityFromPoints,
  warpFace,
} from './align.js';

const decode = (name: string): Promise<Raster> => decodeRaster(readFileSync(join(FIXTURE_IMAGES, name)), 1e9);

/** x' = s·R(θ)·x + t, built from its parameters (not from any code under test). */
function similarity(theta: number, s: number, tx: number, ty: number): Affine {
  const cos = s * Math.cos(theta);
  const sin = s * Math.sin(theta);
  return { a: cos, b: -sin, c: tx, d: sin, e: cos, f: ty };
}

function expectAffineClose(actual: Affine, expected: Affine, tolerance: number): void {
  for (const key of ['a', 'b', 'c', 'd', 'e', 'f'] as const)
    expect(Math.abs(actual[key] - expected[key]), key).toBeLessThanOrEqual(tolerance);
}

/** Deterministic noise in [−1, 1). */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/**
 * Independent least squares: the 4 unknowns (p, q, tx, ty) of x' = p·x − q·y + tx,
 * y' = q·x + p·y + ty from the full normal equations AᵀA·z = Aᵀb, by Gaussian elimination.
 */
function normalEquations(src: readonly Point[], dst: readonly Point[]): Affine {
  const ata = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
  const atb = [0, 0, 0, 0];
  const addRow = (row: number[], rhs: number) => {
    for (let i = 0; i < 4; i += 1) {
      atb[i] = (atb[i] ?? 0) + (row[i] ?? 0) * rhs;
      for (let j = 0; j < 4; j += 1)
        (ata[i] as number[])[j] = ((ata[i] as number[])[j] ?? 0) + (row[i] ?? 0) * (row[j] ?? 0);
    }
  };
  src.forEach(([x, y], k) => {
    const [u, v] = dst[k] as Point;
    addRow([x, -y, 1, 0], u);
    addRow([y, x, 0, 1], v);
  });
  const m = ata.map((row, i) => [...row, atb[i] ?? 0]);
  for (let col = 0; col < 4; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < 4; r += 1)
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const pr = m[col] as number[];
    for (let r = 0; r < 4; r += 1) {
      if (r === col) continue;
      const row = m[r] as number[];
      const factor = (row[col] ?? 0) / (pr[col] ?? 1);
      for (let c = col; c < 5; c += 1) row[c] = (row[c] ?? 0) - factor * (pr[c] ?? 0);
    }
  }
  const z = m.map((row, i) => (row[4] ?? 0) / (row[i] ?? 1));
  const [p = 0, q = 0, tx = 0, ty = 0] = z;
  return { a: p, b: -q, c: tx, d: q, e: p, f: ty };
}

describe('similarityFromPoints', () => {
  const cases: [number, number, number, number][] = [
    [0, 1, 0, 0],
    [0.3, 1.7, 40, -25],
    [2.4, 0.35, -100, 300],
    [-2.9, 4.2, 1234.5, -77.25],
    [Math.PI, 0.9, 10, 10],
    [Math.PI / 2, 2, 0, 5],
  ];
  it.each(cases)('recovers θ=%s s=%s t=(%s, %s) exactly from the template', (theta, s, tx, ty) => {
    const truth = similarity(theta, s, tx, ty);
    const dst = FFHQ_TEMPLATE_512.map((p) => applyAffine(truth, p));
    expectAffineClose(similarityFromPoints(FFHQ_TEMPLATE_512, dst), truth, 1e-9);
    // And the other way round, as alignment uses it (landmarks → template).
    expectAffineClose(similarityFromPoints(dst, FFHQ_TEMPLATE_512), invertAffine(truth), 1e-9);
  });

  it('with noisy landmarks gives the least-squares answer of the normal equations', () => {
    const rand = noise(7);
    for (let trial = 0; trial < 20; trial += 1) {
      const truth = similarity(rand() * Math.PI, 0.2 + Math.abs(rand()) * 3, rand() * 500, rand() * 500);
      const landmarks = FFHQ_TEMPLATE_512.map((p): Point => {
        const [x, y] = applyAffine(truth, p);
        return [x + rand() * 4, y + rand() * 4];
      });
      const fitted = alignToTemplate(landmarks);
      expectAffineClose(fitted, normalEquations(landmarks, FFHQ_TEMPLATE_512), 1e-9);
    }
  });

  it('never produces a reflection, even for mirrored landmarks', () => {
    const mirrored = FFHQ_TEMPLATE_512.map(([x, y]): Point => [512 - x, y]);
    const m = similarityFromPoints(FFHQ_TEMPLATE_512, mirrored);
    expect(m.a * m.e - m.b * m.d).toBeGreaterThan(0);
    expect(m.a).toBeCloseTo(m.e, 12);
    expect(m.b).toBeCloseTo(-m.d, 12);
  });

  it('throws on fewer than 2 points, mismatched counts and coincident points', () => {
    const one: Point[] = [[1, 2]];
    expect(() => similarityFromPoints(one, one)).toThrow(/at least 2/);
    expect(() => similarityFromPoints(FFHQ_TEMPLATE_512, one)).toThrow();
    const same: Point[] = [
      [0.1, 0.7],
      [0.1, 0.7],
      [0.1, 0.7],
    ];
    expect(() => similarityFromPoints(same, FFHQ_TEMPLATE_512.slice(0, 3))).toThrow(/coincident/);
    expect(() => similarityFromPoints(FFHQ_TEMPLATE_512.slice(0, 3), same)).toThrow(/coincident/);
  });

  it('works from two points', () => {
    const truth = similarity(-0.7, 3, 5, 6);
    const src: Point[] = [
      [10, 20],
      [30, -5],
    ];
    expectAffineClose(
      similarityFromPoints(
        src,
        src.map((p) => applyAffine(truth, p)),
      ),
      truth,
      1e-9,
    );
  });
});

describe('affine helpers', () => {
  it('invertAffine(m) ∘ m is the identity, for similarities and general affines', () => {
    const general: Affine = { a: 1.3, b: 0.4, c: -7, d: -0.2, e: 0.9, f: 12 };
    for (const m of [similarity(2.2, 0.37, 19, -3), general]) {
      const id = composeAffine(invertAffine(m), m);
      expectAffineClose(id, { a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 }, 1e-12);
      const p: Point = [123.25, -45.5];
      const back = applyAffine(invertAffine(m), applyAffine(m, p));
      expect(Math.hypot(back[0] - p[0], back[1] - p[1])).toBeLessThan(1e-12);
    }
    expect(() => invertAffine({ a: 1, b: 2, c: 0, d: 2, e: 4, f: 0 })).toThrow(/singular/);
  });

  it('scaleInput maps upscaled pixel centres onto the original pixel centres', () => {
    const m = similarity(0.4, 2, 3, 4);
    const k = 4;
    const up = scaleInput(m, k);
    // Canvas pixels 0..3 cover original pixel 0: their mean centre is the original centre.
    const mean = [0, 1, 2, 3].reduce((sum, x) => sum + applyAffine(up, [x, 1.5])[0], 0) / 4;
    expect(mean).toBeCloseTo(applyAffine(m, [0, 0])[0], 12);
    expectAffineClose(up, composeAffine(m, { a: 0.25, b: 0, c: -0.375, d: 0, e: 0.25, f: -0.375 }), 1e-15);
  });

  it('faceTemplate scales the 512 template', () => {
    expect(faceTemplate(512)).toEqual(FFHQ_TEMPLATE_512);
    expect(faceTemplate(256)[0]).toEqual([192.98138 / 2, 239.94708 / 2]);
  });
});

/** Keys' cubic convolution kernel with a = −0.5 (Catmull-Rom), as a function of the distance. */
function keys(d: number): number {
  const x = Math.abs(d);
  if (x < 1) return 1.5 * x ** 3 - 2.5 * x ** 2 + 1;
  if (x < 2) return -0.5 * x ** 3 + 2.5 * x ** 2 - 4 * x + 2;
  return 0;
}

/** Reference sampler: bicubic at (x, y) with BORDER_REFLECT_101, one channel, clamped to 0..1. */
function referenceSample(r: Raster, x: number, y: number, channel: number): number {
  const fold = (i: number, n: number) => {
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
    return j;
  };
  const at = (xi: number, yi: number) =>
    r.data[(fold(yi, r.height) * r.width + fold(xi, r.width)) * r.channels + channel] ?? NaN;
  let sum = 0;
  for (let yi = Math.floor(y) - 1; yi <= Math.floor(y) + 2; yi += 1)
    for (let xi = Math.floor(x) - 1; xi <= Math.floor(x) + 2; xi += 1)
      sum += at(xi, yi) * keys(x - xi) * keys(y - yi);
  return Math.min(1, Math.max(0, sum / (r.depth === 16 ? 65535 : 255)));
}

function maxDiffFromImage(
  face: Float32Array,
  r: Raster,
  shiftX: number,
  shiftY: number,
  size: number,
): number {
  let worst = 0;
  for (let c = 0; c < 3; c += 1)
    for (let v = 0; v < size; v += 1)
      for (let u = 0; u < size; u += 1) {
        const want = (r.data[((v + shiftY) * r.width + u + shiftX) * r.channels + c] ?? NaN) / 255;
        worst = Math.max(worst, Math.abs((face[c * size * size + v * size + u] ?? NaN) - want));
      }
  return worst;
}

describe('warpFace', () => {
  it('with the template→template transform returns the image itself', async () => {
    const adele = await decode('Adele_crop.png');
    const face = warpFace(adele, similarityFromPoints(FFHQ_TEMPLATE_512, FFHQ_TEMPLATE_512));
    expect(face.length).toBe(3 * 512 * 512);
    expect(maxDiffFromImage(face, adele, 0, 0, 512)).toBeLessThan(1e-6);
  });

  it('with an integer translation returns the shifted image', async () => {
    const blake = await decode('Blake_Lively.jpg');
    const toFace: Affine = { a: 1, b: 0, c: -400, d: 0, e: 1, f: -90 };
    // Float32 output: exact up to its rounding (half an ulp of 1 is 6e-8).
    expect(maxDiffFromImage(warpFace(blake, toFace, 256), blake, 400, 90, 256)).toBeLessThan(6e-8);
  });

  it('mirrors about the edge pixels outside the image', async () => {
    const blake = await decode('Blake_Lively.jpg');
    const face = warpFace(blake, { a: 1, b: 0, c: 3, d: 0, e: 1, f: 2 }, 16);
    // Crop (0, 0) is image (−3, −2), which reflects to (3, 2).
    expect(face[0]).toBeCloseTo((blake.data[(2 * blake.width + 3) * 3] ?? NaN) / 255, 7);
  });

  it('matches a reference sampler for a rotated, scaled face crossing the border', async () => {
    const blake = await decode('Blake_Lively.jpg');
    const [theta, s, tx, ty] = [2.3, 0.6, 100, -50];
    const size = 128;
    const face = warpFace(blake, similarity(theta, s, tx, ty), size);
    let worst = 0;
    for (let v = 0; v < size; v += 1)
      for (let u = 0; u < size; u += 1) {
        // Inverse from the parameters: x = R(−θ)·((u, v) − t) / s.
        const du = u - tx;
        const dv = v - ty;
        const x = (Math.cos(theta) * du + Math.sin(theta) * dv) / s;
        const y = (-Math.sin(theta) * du + Math.cos(theta) * dv) / s;
        for (let c = 0; c < 3; c += 1)
          worst = Math.max(
            worst,
            Math.abs((face[c * size * size + v * size + u] ?? NaN) - referenceSample(blake, x, y, c)),
          );
      }
    expect(worst).toBeLessThan(1e-5);
  });

  it('replicates gray and scales 16-bit to 0..1', async () => {
    const gray = await decode('00017_gray.png');
    expect(gray.channels).toBe(1);
    const face = warpFace(gray, { a: 1, b: 0, c: -10, d: 0, e: 1, f: -20 }, 64);
    const plane = 64 * 64;
    for (const i of [0, 100, 4095]) {
      expect(face[i]).toBe(face[i + plane]);
      expect(face[i]).toBe(face[i + 2 * plane]);
    }
    expect(face[0]).toBeCloseTo((gray.data[20 * gray.width + 10] ?? NaN) / 255, 7);

    const png16 = await sharp(join(FIXTURE_IMAGES, 'Adele_crop.png')).toColourspace('rgb16').png().toBuffer();
    const deep = await decodeRaster(png16, 1e9);
    expect(deep.depth).toBe(16);
    const face16 = warpFace(deep, { a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 }, 512);
    const plane16 = 512 * 512;
    let worst = 0;
    for (let i = 0; i < plane16; i += 1)
      worst = Math.max(worst, Math.abs((face16[i + plane16] ?? NaN) - (deep.data[i * 3 + 1] ?? NaN) / 65535));
    expect(worst).toBeLessThan(1e-7);
  });
});
