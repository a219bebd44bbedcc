import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FIXTURE_IMAGES } from '../../../../test/helpers/fixtures.js';
import type { Canvas } from '../blender.js';
import { decodeRaster, type Raster } from '../imageio.js';
import { type Affine, alignToTemplate, applyAffine, type Point, warpFace } from './align.js';
import { edgeWidth, pasteFace } from './paste.js';

const BLAKE = join(FIXTURE_IMAGES, 'Blake_Lively.jpg');
/** Hand-placed landmarks of the adult face in Blake_Lively.jpg (eyes, nose tip, mouth corners). */
const BLAKE_LANDMARKS: Point[] = [
  [465, 160],
  [550, 175],
  [497, 205],
  [460, 245],
  [530, 255],
];

const rgb8 = async (): Promise<Raster> => decodeRaster(readFileSync(BLAKE), 1e9);
const gray8 = async (): Promise<Raster> =>
  decodeRaster(await sharp(BLAKE).toColourspace('b-w').png().toBuffer(), 1e9);
const rgb16 = async (): Promise<Raster> =>
  decodeRaster(await sharp(BLAKE).toColourspace('rgb16').png().toBuffer(), 1e9);

function solidFace(size: number, rgb: [number, number, number]): Float32Array {
  const face = new Float32Array(3 * size * size);
  rgb.forEach((value, c) => face.fill(value, c * size * size, (c + 1) * size * size));
  return face;
}

function psnrOverBox(
  a: Canvas,
  b: Canvas,
  r: Raster,
  box: { x: number; y: number; w: number; h: number },
): number {
  const max = r.depth === 16 ? 65535 : 255;
  let sum = 0;
  for (let y = box.y; y < box.y + box.h; y += 1)
    for (let x = box.x; x < box.x + box.w; x += 1)
      for (let c = 0; c < r.channels; c += 1) {
        const i = (y * r.width + x) * r.channels + c;
        sum += ((a[i] ?? NaN) - (b[i] ?? NaN)) ** 2;
      }
  const mse = sum / (box.w * box.h * r.channels);
  return mse === 0 ? Infinity : 10 * Math.log10((max * max) / mse);
}

function countDifferences(a: Canvas, b: Canvas): number {
  let count = 0;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) count += 1;
  return count;
}

const paste = (r: Raster, canvas: Canvas, face: Float32Array, toFace: Affine, size = 512, strength = 1) =>
  pasteFace(canvas, r.width, r.height, r.channels as 1 | 3, r.depth, face, toFace, size, { strength });

describe('pasteFace of the canvas’s own face leaves it unchanged', () => {
  it.each([
    ['RGB 8-bit', rgb8],
    ['gray 8-bit', gray8],
    ['RGB 16-bit', rgb16],
  ])('%s: PSNR ≥ 40 dB over the whole touched box', async (kind, load) => {
    const r = await load();
    expect(r.channels).toBe(kind.startsWith('gray') ? 1 : 3);
    const toFace = alignToTemplate(BLAKE_LANDMARKS);
    const canvas = r.data.slice();
    const box = paste(r, canvas, warpFace(r, toFace), toFace);
    expect(box.w * box.h).toBeGreaterThan(100 * 100);
    // The mask band is included: there the face is the canvas resampled twice (≈ 43.5 dB here).
    expect(psnrOverBox(canvas, r.data, r, box)).toBeGreaterThanOrEqual(40);
  });
});

/** Face-space coordinates of canvas pixel (x, y). */
const faceAt = (toFace: Affine, x: number, y: number) => applyAffine(toFace, [x, y]);

describe('pasteFace of a solid face', () => {
  const colour: [number, number, number] = [51 / 255, 153 / 255, 230 / 255];
  // A rotated face partly off the right edge of the canvas.
  const toFace = alignToTemplate(BLAKE_LANDMARKS.map(([x, y]): Point => [x + 120, y - 30]));

  it('changes only the crop’s footprint, reaches the colour in the core and stays in the box', async () => {
    const r = await rgb8();
    const canvas = r.data.slice();
    const box = paste(r, canvas, solidFace(512, colour), toFace);
    expect(box.x + box.w).toBe(r.width);
    const core = 2 * edgeWidth(toFace) * Math.sqrt(toFace.a * toFace.e - toFace.b * toFace.d) + 3;
    let inCore = 0;
    let outside = 0;
    let wrongCore = 0;
    for (let y = 0; y < r.height; y += 1)
      for (let x = 0; x < r.width; x += 1) {
        const [u, v] = faceAt(toFace, x, y);
        const i = (y * r.width + x) * 3;
        const changed =
          canvas[i] !== r.data[i] || canvas[i + 1] !== r.data[i + 1] || canvas[i + 2] !== r.data[i + 2];
        const inFootprint = u > 0 && u < 511 && v > 0 && v < 511;
        const inBox = x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
        if (changed && !(inFootprint && inBox)) outside += 1;
        if (u > core && u < 511 - core && v > core && v < 511 - core) {
          inCore += 1;
          if (canvas[i] !== 51 || canvas[i + 1] !== 153 || canvas[i + 2] !== 230) wrongCore += 1;
        }
      }
    expect(outside).toBe(0);
    expect(wrongCore).toBe(0);
    expect(inCore).toBeGreaterThan(1000);
  });

  it('blends monotonically across the band', () => {
    const width = 800;
    const height = 500;
    const canvas = new Uint16Array(width * height);
    pasteFace(canvas, width, height, 1, 16, solidFace(512, [1, 1, 1]), toFace);
    // From the (shifted) nose tip outwards along its row and column, the mask never increases.
    const [cx, cy] = [497 + 120, 205 - 30];
    const line = (dx: number, dy: number) => {
      const values: number[] = [];
      for (let x = cx, y = cy; x >= 0 && y >= 0 && x < width && y < height; x += dx, y += dy)
        values.push(canvas[y * width + x] ?? NaN);
      return values;
    };
    for (const [dx, dy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ] as const) {
      const values = line(dx, dy);
      expect(values[0]).toBe(65535);
      for (let k = 1; k < values.length; k += 1) expect(values[k]).toBeLessThanOrEqual(values[k - 1] ?? 0);
      expect(values.some((value) => value > 0 && value < 65535)).toBe(true);
    }
  });

  it('strength 0 changes nothing; strength 0.5 lands halfway in the core', async () => {
    const r = await rgb16();
    const untouched = r.data.slice();
    paste(r, untouched, solidFace(512, colour), toFace, 512, 0);
    expect(countDifferences(untouched, r.data)).toBe(0);

    const half = r.data.slice();
    paste(r, half, solidFace(512, colour), toFace, 512, 0.5);
    const core = 2 * edgeWidth(toFace) * Math.sqrt(toFace.a * toFace.e - toFace.b * toFace.d) + 3;
    let checked = 0;
    let worst = 0;
    for (let y = 0; y < r.height; y += 1)
      for (let x = 0; x < r.width; x += 1) {
        const [u, v] = faceAt(toFace, x, y);
        if (!(u > core && u < 511 - core && v > core && v < 511 - core)) continue;
        for (let c = 0; c < 3; c += 1) {
          const i = (y * r.width + x) * 3 + c;
          const want = ((r.data[i] ?? NaN) + (colour[c] ?? NaN) * 65535) / 2;
          worst = Math.max(worst, Math.abs((half[i] ?? NaN) - want));
        }
        checked += 1;
      }
    expect(worst).toBeLessThanOrEqual(1);
    expect(checked).toBeGreaterThan(1000);
  });

  it('gives a gray canvas the Rec. 601 luma of a coloured face', async () => {
    const r = await gray8();
    const canvas = r.data.slice();
    paste(r, canvas, solidFace(512, colour), toFace);
    const luma = Math.round(0.299 * 51 + 0.587 * 153 + 0.114 * 230);
    expect(canvas[(205 - 30) * r.width + 497 + 120]).toBe(luma);
  });
});

describe('mask edge', () => {
  /** Width in canvas pixels of the band between background and full face along the centre row. */
  function bandWidth(scale: number): number {
    const size = 512;
    const side = Math.ceil(size / scale) + 4;
    const canvas = new Uint8Array(side * side);
    const toFace: Affine = { a: scale, b: 0, c: -2 * scale, d: 0, e: scale, f: -2 * scale };
    pasteFace(canvas, side, side, 1, 8, solidFace(size, [1, 1, 1]), toFace, size);
    const row = canvas.subarray(Math.floor(side / 2) * side, Math.floor(side / 2 + 1) * side);
    const first = row.findIndex((value) => value > 0);
    const full = row.indexOf(255);
    return full - first;
  }

  it('grows with the face’s size on the canvas', () => {
    const small = bandWidth(512 / 100);
    const large = bandWidth(512 / 400);
    expect(small).toBeGreaterThanOrEqual(2);
    expect(large / small).toBeGreaterThan(3);
    expect(large / small).toBeLessThan(5);
    expect(edgeWidth({ a: 512 / 400, b: 0, c: 0, d: 0, e: 512 / 400, f: 0 })).toBe(20);
  });
});
