import { copyFileSync, existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { FIXTURE_IMAGES, tempDir } from '../../../test/helpers/fixtures.js';
import { RpcError } from '../../contract/errors.js';
import { openTestDb } from '../../../test/helpers/db.js';
import { createThumbRefsRepo, type ThumbRefsRepo } from './thumbRefsRepo.js';
import { scanPaths } from './scan.js';
import { createThumbnailService, type ThumbnailService } from './thumbnail.js';

let dir: { path: string; cleanup: () => void };
let db: Database;
let thumbRefs: ThumbRefsRepo;
let service: ThumbnailService;
const cacheDir = (): string => join(dir.path, 'thumbs');

beforeEach(() => {
  dir = tempDir();
  db = openTestDb(join(dir.path, 'p.db'));
  thumbRefs = createThumbRefsRepo(db);
  service = createThumbnailService({
    cacheDir: cacheDir(),
    thumbRefs,
    limits: () => ({ size: 128, maxInputPixels: 1e8 }),
  });
});
afterEach(() => {
  db.close();
  dir.cleanup();
});
const scanOne = async (path: string) => {
  const result = await scanPaths([path], { limits: { maxInputBytes: 1e8, maxInputPixels: 1e8 }, thumbRefs });
  const img = result.images[0];
  if (!img) throw new Error(`scan found nothing at ${path}: ${JSON.stringify(result.errors)}`);
  return img;
};

describe('thumbnails', () => {
  it('makes a small WebP that keeps the aspect ratio, and caches it on disk', async () => {
    const img = await scanOne(join(FIXTURE_IMAGES, '00.jpg'));
    const thumb = await service.get(img.thumbRef);
    expect(thumb.mime).toBe('image/webp');
    const meta = await sharp(thumb.data).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([thumb.width, thumb.height]);
    expect(thumb.height).toBe(128);
    expect(thumb.width).toBe(Math.round((1297 / 1920) * 128));
    expect(readdirSync(cacheDir())).toEqual([`${img.thumbRef}-128.webp`]);
    const again = await service.get(img.thumbRef);
    expect(Buffer.compare(again.data, thumb.data)).toBe(0);
  });

  it('applies EXIF orientation to the pixels', async () => {
    const path = join(dir.path, 'rotated.jpg');
    // Left half red, right half blue; orientation 6 turns it 90° clockwise: red on top.
    const left = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#0000ff' } })
      .composite([{ input: left, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(path);
    const thumb = await service.get((await scanOne(path)).thumbRef);
    expect([thumb.width, thumb.height]).toEqual([64, 128]);
    const { data } = await sharp(thumb.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)];
    expect(pixel(32, 20)[0]).toBeGreaterThan(200); // top: red
    expect(pixel(32, 108)[2]).toBeGreaterThan(200); // bottom: blue
  });

  it('refuses unknown refs and files changed since the scan, naming what to do', async () => {
    await expect(service.get('0'.repeat(40))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/scan/),
    });
    const path = join(dir.path, 'edit-me.jpg');
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), path);
    const img = await scanOne(path);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const error = await service.get(img.thumbRef).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/changed since it was scanned/),
    });
    expect(existsSync(cacheDir())).toBe(false);
  });

  it('reports a file that cannot be decoded as NOT_AN_IMAGE for that file only', async () => {
    const path = join(dir.path, 'truncated.png');
    const full = await sharp(join(FIXTURE_IMAGES, '00003.png')).toBuffer();
    writeFileSync(path, full.subarray(0, 200));
    const img = await scanOne(path);
    await expect(service.get(img.thumbRef)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
    const good = await scanOne(join(FIXTURE_IMAGES, '0014.jpg'));
    await expect(service.get(good.thumbRef)).resolves.toMatchObject({ mime: 'image/webp' });
  });
});
