import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, FIXTURE_IMAGES } from '../../../test/helpers/fixtures.js';
import {
  blurUpscaleModel,
  multipleOnlyModel,
  nearestUpscaleModel,
  openModel,
} from '../../../test/helpers/onnx/models.js';
import { decodeRaster, encodeRaster, type Raster } from './imageio.js';
import { sessionRunner } from './sessions.js';
import { upscaleRaster, type InputConvention, type TileRunner, type UpscaleOptions } from './upscale.js';

const RGB01: InputConvention = { channels: 'RGB', range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] };

function runnerOf(session: InferenceSession): TileRunner {
  return sessionRunner({ session, provider: 'cpu', inputName: 'input', outputName: 'output', fallbacks: [] });
}

function randomRaster(width: number, height: number, channels: number, seed: number): Raster {
  const data = new Uint8Array(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i += 1) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height, channels, depth: 8, hasAlpha: channels === 4 };
}

const base = (runner: TileRunner, scale: number): UpscaleOptions & { spill?: undefined } => ({
  runner,
  scale,
  outscale: scale,
  convention: RGB01,
  tile: 512,
  alpha: 'lanczos',
});

function diffStats(a: ArrayLike<number>, b: ArrayLike<number>, max: number) {
  let worst = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i += 1) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    worst = Math.max(worst, d);
    sum += d;
    sq += d * d;
  }
  const mse = sq / a.length;
  return {
    worst,
    mad: sum / a.length / max,
    psnr: mse === 0 ? Infinity : 10 * Math.log10((max * max) / mse),
  };
}

describe('tiled upscaling with exact test models', () => {
  let nearest: InferenceSession;
  let blur: InferenceSession;
  beforeAll(async () => {
    nearest = await openModel(nearestUpscaleModel(4));
    blur = await openModel(blurUpscaleModel(4));
  });
  afterAll(async () => {
    await nearest.release();
    await blur.release();
  });

  it('tiles of every size give exactly the nearest-neighbour upscale (no seams, no offsets)', async () => {
    const src = randomRaster(53, 37, 3, 7);
    for (const tile of [16, 24, 40, 512]) {
      const out = await upscaleRaster(src, { ...base(runnerOf(nearest), 4), tile, overlap: 4, pad: 3 });
      expect([out.width, out.height]).toEqual([212, 148]);
      let mismatches = 0;
      for (let y = 0; y < out.height; y += 1) {
        for (let x = 0; x < out.width; x += 1) {
          for (let c = 0; c < 3; c += 1) {
            if (
              out.color[(y * out.width + x) * 3 + c] !==
              src.data[(Math.floor(y / 4) * src.width + Math.floor(x / 4)) * 3 + c]
            )
              mismatches += 1;
          }
        }
      }
      expect(mismatches, `tile ${tile}`).toBe(0);
    }
  });

  it('with enough context a model with a receptive field shows no seam; without it, seams appear', async () => {
    const src = randomRaster(61, 45, 3, 11);
    const whole = await upscaleRaster(src, { ...base(runnerOf(blur), 4), tile: 512 });
    const tiled = await upscaleRaster(src, { ...base(runnerOf(blur), 4), tile: 16, overlap: 4, pad: 2 });
    expect(diffStats(tiled.color, whole.color, 255).worst).toBeLessThanOrEqual(1);
    // The same tiling with no context: the blur sees zeros at tile borders, which must show.
    const blind = await upscaleRaster(src, { ...base(runnerOf(blur), 4), tile: 16, overlap: 0, pad: 0 });
    expect(diffStats(blind.color, whole.color, 255).worst).toBeGreaterThan(20);
  });

  it('retries a tile that fails to allocate with a smaller one, and reports other tile errors', async () => {
    const src = randomRaster(40, 40, 3, 3);
    const real = runnerOf(nearest);
    const picky: TileRunner = {
      run: (input, h, w) =>
        h * w > 40 * 40
          ? Promise.reject(new Error('Failed to allocate memory for tile'))
          : real.run(input, h, w),
    };
    const out = await upscaleRaster(src, { ...base(picky, 4), tile: 64, pad: 2 });
    // 64 (68 px with context) fails, 32 (36 px) fits.
    expect(out.tile).toBe(32);
    const broken: TileRunner = { run: () => Promise.reject(new Error('kernel exploded')) };
    await expect(upscaleRaster(src, { ...base(broken, 4), tile: 16 })).rejects.toThrow(
      /tile \(0, 0, .*kernel exploded/,
    );
  });
});

describe('with the real realesr-animevideov3 model', () => {
  let session: InferenceSession;
  beforeAll(async () => {
    session = await openModel(readFileSync(join(FIXTURES, 'models', 'realesr-animevideov3.onnx')));
  });
  afterAll(() => session.release());

  it('outputs exactly 4× (or the outscale), and tiled vs untiled agree: MAD ≤ 1/255, PSNR ≥ 45 dB', async () => {
    const src = await decodeRaster(await sharp(join(FIXTURE_IMAGES, 'esrgan_lq_comic.png')).toBuffer(), 1e8);
    const whole = await upscaleRaster(src, { ...base(runnerOf(session), 4), tile: 512 });
    expect([whole.width, whole.height]).toEqual([240, 360]);
    const tiled = await upscaleRaster(src, { ...base(runnerOf(session), 4), tile: 32, overlap: 8, pad: 10 });
    const stats = diffStats(tiled.color, whole.color, 255);
    expect(stats.mad).toBeLessThanOrEqual(1 / 255);
    expect(stats.psnr).toBeGreaterThanOrEqual(45);
    const half = await upscaleRaster(src, { ...base(runnerOf(session), 4), outscale: 2, tile: 512 });
    expect([half.width, half.height]).toEqual([120, 180]);
    const odd = await upscaleRaster(src, { ...base(runnerOf(session), 4), outscale: 1.5, tile: 512 });
    expect([odd.width, odd.height]).toEqual([90, 135]);
  });

  it('keeps alpha, grayscale and 16-bit inputs of their kind', async () => {
    const alphaIn = await decodeRaster(
      await sharp(join(FIXTURE_IMAGES, 'children-alpha.png'))
        .extract({ left: 200, top: 100, width: 48, height: 40 })
        .png()
        .toBuffer(),
      1e8,
    );
    expect(alphaIn.channels).toBe(4);
    for (const mode of ['lanczos', 'model'] as const) {
      const out = await upscaleRaster(alphaIn, { ...base(runnerOf(session), 4), alpha: mode });
      expect(out.colorChannels).toBe(3);
      expect(out.alpha?.length).toBe(192 * 160);
    }
    const grayIn = await decodeRaster(
      await sharp(join(FIXTURE_IMAGES, '00017_gray.png'))
        .extract({ left: 0, top: 0, width: 40, height: 30 })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
      1e8,
    );
    expect(grayIn.channels).toBe(1);
    const gray = await upscaleRaster(grayIn, base(runnerOf(session), 4));
    expect([gray.colorChannels, gray.color.length]).toEqual([1, 160 * 120]);
    const deepIn = await decodeRaster(
      await sharp(join(FIXTURE_IMAGES, 'esrgan_lq_comic.png')).toColourspace('rgb16').png().toBuffer(),
      1e8,
    );
    expect(deepIn.depth).toBe(16);
    const deep = await upscaleRaster(deepIn, base(runnerOf(session), 4));
    expect(deep.depth).toBe(16);
    expect(deep.color).toBeInstanceOf(Uint16Array);
    // A dark 16-bit image stays 16-bit and dark (Real-ESRGAN's script would call it 8-bit).
    const dark = new Uint16Array(20 * 20 * 3).fill(200);
    const darkPng = await sharp(dark, { raw: { width: 20, height: 20, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const darkIn = await decodeRaster(darkPng, 1e8);
    expect(darkIn.depth).toBe(16);
    const darkOut = await upscaleRaster(darkIn, base(runnerOf(session), 4));
    expect(Math.max(...darkOut.color)).toBeLessThan(2000);
  });
});

describe('the session cache', () => {
  it('releases a model’s session when the thread setting changes, and holds at most three', async () => {
    const { SessionCache } = await import('./sessions.js');
    const model = join(FIXTURES, 'models', 'realesr-animevideov3.onnx');
    let threads = 1;
    const cache = new SessionCache(() => threads);
    const first = await cache.get(model);
    threads = 2;
    const second = await cache.get(model);
    expect(second).not.toBe(first);
    expect(cache.size).toBe(1);
    // The released session refuses to run; the current one runs.
    const input = new Float32Array(3 * 8 * 8);
    await expect(runnerOf(first.session).run(input, 8, 8)).rejects.toThrow();
    await expect(runnerOf(second.session).run(input, 8, 8)).resolves.toHaveLength(3 * 32 * 32);
    for (const t of [3, 4, 5, 6]) {
      threads = t;
      await cache.get(model);
    }
    expect(cache.size).toBe(1);
    // Four models: the one unused longest is released.
    const dir = mkdtempSync(join(tmpdir(), 'pixelsmith-sessions-'));
    try {
      const files = [2, 3, 4].map((scale) => {
        const file = join(dir, `nearest-x${scale}.onnx`);
        writeFileSync(file, nearestUpscaleModel(scale));
        return file;
      });
      const loaded = [];
      for (const file of files) loaded.push(await cache.get(file));
      expect(cache.size).toBe(3);
      const current = await cache.get(model);
      expect(current).toBe(await cache.get(model));
      await expect(runnerOf(second.session).run(input, 8, 8)).rejects.toThrow();
      await expect(runnerOf(loaded[0]!.session).run(input, 8, 8)).rejects.toThrow();
      await expect(runnerOf(loaded[2]!.session).run(input, 8, 8)).resolves.toHaveLength(3 * 32 * 32);
    } finally {
      await cache.release();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('models that take only multiples of a size (RRDBNet ×2 and ×1)', () => {
  it('grow each tile to the multiple and give exactly what an unconstrained model gives', async () => {
    const strict = runnerOf(await openModel(multipleOnlyModel(2, 4)));
    const free = runnerOf(await openModel(nearestUpscaleModel(2)));
    const src = randomRaster(37, 29, 3, 11);
    const opts = { ...base(strict, 2), tile: 16, overlap: 4 };
    // Odd tiles are refused by the model itself: the option is what makes them fit.
    await expect(upscaleRaster(src, opts)).rejects.toThrow(/tile/);
    const fitted = await upscaleRaster(src, { ...opts, inputMultiple: 4 });
    const plain = await upscaleRaster(src, { ...opts, runner: free });
    expect(fitted.stats.tiles).toBeGreaterThan(1);
    expect(fitted.stats.modelPixels).toBeGreaterThan(plain.stats.modelPixels);
    expect(Buffer.from(fitted.color).equals(Buffer.from(plain.color))).toBe(true);
  });
});

describe('spilling large planes to disk', () => {
  it('writes exactly the pixels the in-memory canvas holds, and encodes them identically', async () => {
    const blur = runnerOf(await openModel(blurUpscaleModel(4)));
    const dir = mkdtempSync(join(tmpdir(), 'pixelsmith-spill-'));
    try {
      const cases: { name: string; raster: Raster; alpha: 'model' | 'lanczos'; outscale: number }[] = [
        { name: 'rgb', raster: randomRaster(70, 53, 3, 5), alpha: 'lanczos', outscale: 4 },
        { name: 'gray', raster: randomRaster(61, 45, 1, 6), alpha: 'lanczos', outscale: 4 },
        { name: 'rgba', raster: randomRaster(47, 66, 4, 7), alpha: 'model', outscale: 4 },
        { name: 'rgb-x2', raster: randomRaster(40, 30, 3, 8), alpha: 'lanczos', outscale: 2 },
        {
          name: 'rgb16',
          raster: (() => {
            const r = randomRaster(50, 41, 3, 9);
            return { ...r, depth: 16 as const, data: Uint16Array.from(r.data, (v) => v * 257 + 3) };
          })(),
          alpha: 'lanczos',
          outscale: 4,
        },
      ];
      for (const c of cases) {
        const { raster } = c;
        const opts = { ...base(blur, 4), tile: 16, overlap: 4, pad: 3, alpha: c.alpha, outscale: c.outscale };
        const memory = await upscaleRaster(raster, opts);
        const files: string[] = [];
        const spilled = await upscaleRaster(raster, {
          ...opts,
          spill: (plane) => {
            const file = join(dir, `${c.name}-${plane}.tmp`);
            files.push(file);
            return file;
          },
        });
        expect(memory.stats.tiles, c.name).toBeGreaterThan(6);
        // Colour, and alpha when the model upscales it, went through files (read back by libvips).
        expect(files.length, c.name).toBe(c.alpha === 'model' ? 2 : 1);
        if (c.outscale === 4) {
          expect('file' in spilled.color, c.name).toBe(true);
          const back = await sharp(files[0]!)
            .toColourspace(raster.channels === 1 ? 'b-w' : raster.depth === 16 ? 'rgb16' : 'srgb')
            .raw({ depth: raster.depth === 16 ? 'ushort' : 'uchar' })
            .toBuffer();
          expect(Buffer.compare(back, Buffer.from(memory.color.buffer)), c.name).toBe(0);
        }
        const original = await sharp(raster.data as unknown as Buffer, {
          raw: { width: raster.width, height: raster.height, channels: raster.channels as 1 | 3 | 4 },
        })
          .toColourspace(raster.depth === 16 ? 'rgb16' : raster.channels === 1 ? 'b-w' : 'srgb')
          .withMetadata({ density: 300 })
          .png()
          .toBuffer();
        const encode = (pixels: typeof memory | typeof spilled) =>
          encodeRaster({ ...pixels, original, format: 'png', quality: 90 });
        const [a, b] = await Promise.all([encode(memory), encode(spilled)]);
        const pixelsOf = (png: Buffer) =>
          sharp(png)
            .raw({ depth: raster.depth === 16 ? 'ushort' : 'uchar' })
            .toBuffer({ resolveWithObject: true });
        const [pa, pb] = await Promise.all([pixelsOf(a), pixelsOf(b)]);
        expect(pb.info, c.name).toEqual(pa.info);
        expect(Buffer.compare(pa.data, pb.data), c.name).toBe(0);
        expect((await sharp(b).metadata()).density, c.name).toBe(raster.channels === 4 ? undefined : 300);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
