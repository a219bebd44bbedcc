import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FIXTURE_IMAGES } from '../../../test/helpers/fixtures.js';
import type { Canvas } from './blender.js';
import { decodeRaster, encodeRaster } from './imageio.js';

function pattern(length: number, max: number): Canvas {
  const out = max > 255 ? new Uint16Array(length) : new Uint8Array(length);
  for (let i = 0; i < length; i += 1) out[i] = (i * 7919 + 13) % (max + 1);
  return out;
}

/** Encodes a 2× canvas for `original`, decodes it again, and reports what survived. */
async function roundTrip(original: Buffer, alpha: boolean) {
  const src = await decodeRaster(original, 1e8);
  const width = src.width * 2;
  const height = src.height * 2;
  const colorChannels = src.channels <= 2 ? 1 : 3;
  const max = src.depth === 16 ? 65535 : 255;
  const color = pattern(width * height * colorChannels, max);
  const alphaPlane = alpha ? pattern(width * height, max).reverse() : null;
  const png = await encodeRaster({
    original,
    color,
    colorChannels,
    alpha: alphaPlane,
    width,
    height,
    depth: src.depth,
    format: 'png',
    quality: 90,
  });
  const back = await decodeRaster(png, 1e8);
  const meta = await sharp(png).metadata();
  let worst = 0;
  for (let i = 0; i < width * height; i += 1) {
    for (let c = 0; c < colorChannels; c += 1)
      worst = Math.max(
        worst,
        Math.abs((back.data[i * back.channels + c] ?? 0) - (color[i * colorChannels + c] ?? 0)),
      );
    if (alphaPlane)
      worst = Math.max(
        worst,
        Math.abs((back.data[i * back.channels + back.channels - 1] ?? 0) - (alphaPlane[i] ?? 0)),
      );
  }
  return { back, meta, worst, width, height };
}

describe('encodeRaster keeps pixels exact and metadata of the original', () => {
  it('8-bit RGB with an ICC profile, EXIF and an orientation: pixels exact, metadata kept, orientation reset', async () => {
    const original = await sharp(join(FIXTURE_IMAGES, '0014.jpg'))
      .withIccProfile('p3')
      .withExif({ IFD0: { Make: 'PixelsmithCam', Copyright: 'Owner' } })
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer();
    const source = await sharp(original).metadata();
    const r = await roundTrip(original, false);
    expect(r.worst).toBe(0);
    expect([r.meta.width, r.meta.height, r.meta.channels, r.meta.depth]).toEqual([358, 358, 3, 'uchar']);
    expect(r.meta.orientation ?? 1).toBe(1);
    expect(r.meta.icc?.equals(source.icc ?? Buffer.alloc(0))).toBe(true);
    expect(r.meta.exif?.toString('latin1')).toContain('PixelsmithCam');
  });

  it('grayscale stays one channel, RGBA keeps its alpha, 16-bit stays 16-bit: all exact', async () => {
    const gray = await roundTrip(
      await sharp(join(FIXTURE_IMAGES, '00017_gray.png'))
        .extract({ left: 0, top: 0, width: 30, height: 20 })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
      false,
    );
    expect([gray.back.channels, gray.worst]).toEqual([1, 0]);
    const rgba = await roundTrip(
      await sharp(join(FIXTURE_IMAGES, 'children-alpha.png'))
        .extract({ left: 0, top: 0, width: 30, height: 20 })
        .png()
        .toBuffer(),
      true,
    );
    expect([rgba.back.channels, rgba.worst]).toEqual([4, 0]);
    const deepSource = await sharp(join(FIXTURE_IMAGES, 'esrgan_lq_comic.png'))
      .toColourspace('rgb16')
      .withIccProfile('p3')
      .png()
      .toBuffer();
    const deep = await roundTrip(deepSource, false);
    expect([deep.back.depth, deep.back.channels, deep.worst]).toEqual([16, 3, 0]);
    expect(deep.meta.icc?.length).toBe((await sharp(deepSource).metadata()).icc?.length);
    const deepAlpha = await roundTrip(
      await sharp(join(FIXTURE_IMAGES, 'children-alpha.png'))
        .extract({ left: 0, top: 0, width: 30, height: 20 })
        .toColourspace('rgb16')
        .png()
        .toBuffer(),
      true,
    );
    expect([deepAlpha.back.depth, deepAlpha.back.channels, deepAlpha.worst]).toEqual([16, 4, 0]);
  });
});
