import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FIXTURE_IMAGE_COUNT,
  FIXTURE_IMAGES,
  KNOWN_IMAGES,
  tempDir,
} from '../../../test/helpers/fixtures.js';
import type { Database } from 'better-sqlite3';
import { openTestDb } from '../../../test/helpers/db.js';
import { createThumbRefsRepo, type ThumbRefsRepo } from './thumbRefsRepo.js';
import { bufferProblem } from '../../kernel/integrity.js';
import { scanPaths, type ScanOptions, type ScanProgress } from './scan.js';

let dir: { path: string; cleanup: () => void };
let db: Database;
let thumbRefs: ThumbRefsRepo;
const limits = { maxInputBytes: 50 * 1024 * 1024, maxInputPixels: 268_402_689 };

beforeEach(() => {
  dir = tempDir();
  db = openTestDb(join(dir.path, 'p.db'));
  thumbRefs = createThumbRefsRepo(db);
});
afterEach(() => {
  db.close();
  dir.cleanup();
});
const scan = (paths: string[], extra: Partial<ScanOptions> = {}) =>
  scanPaths(paths, { limits, thumbRefs, ...extra });

describe('files.scan', () => {
  it('finds every fixture photo with its real size, dimensions, format and alpha, and registers thumb refs', async () => {
    const result = await scan([FIXTURE_IMAGES]);
    expect(result.errors).toEqual([]);
    expect(result.images).toHaveLength(FIXTURE_IMAGE_COUNT);
    for (const [name, facts] of Object.entries(KNOWN_IMAGES)) {
      const img = result.images.find((i) => i.name === name);
      expect(img, name).toMatchObject(facts);
      expect(img?.relDir).toBe('images');
      expect(img?.size).toBeGreaterThan(0);
      expect(thumbRefs.find(img?.thumbRef ?? '')?.path).toBe(img?.path);
    }
  });

  it('walks nested folders, skips hidden and system files, and reports each bad entry on its own', async () => {
    const root = join(dir.path, 'shoot');
    mkdirSync(join(root, 'day 2', 'raw'), { recursive: true });
    mkdirSync(join(root, '.cache'));
    mkdirSync(join(root, 'pixelsmith'));
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(root, 'a.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '00003.png'), join(root, 'day 2', 'raw', 'really-a-png.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(root, '.cache', 'hidden.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(root, 'pixelsmith', 'output.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(root, 'day 2', 'Fotografía – 東京 ✓.jpg'));
    writeFileSync(join(root, '.DS_Store'), 'junk');
    writeFileSync(join(root, 'Thumbs.db'), 'junk');
    writeFileSync(join(root, 'notes.txt'), 'not a photo');
    writeFileSync(join(root, 'text-named.jpg'), 'plain text pretending to be a JPEG');
    writeFileSync(join(root, 'empty.png'), '');
    writeFileSync(
      join(root, 'drawing.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    );
    symlinkSync(root, join(root, 'day 2', 'loop'));
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling.jpg'));
    execFileSync('mkfifo', [join(root, 'pipe.jpg')]);

    const result = await scan([root], { skipDirNames: new Set(['pixelsmith']) });
    expect(result.images.map((i) => [i.relDir, i.name, i.format])).toEqual([
      ['shoot', 'a.jpg', 'jpeg'],
      ['shoot/day 2', 'Fotografía – 東京 ✓.jpg', 'jpeg'],
      ['shoot/day 2/raw', 'really-a-png.jpg', 'png'],
    ]);
    const byName = Object.fromEntries(result.errors.map((e) => [e.path.slice(root.length + 1), e]));
    expect(byName['notes.txt']?.code).toBe('NOT_AN_IMAGE');
    expect(byName['text-named.jpg']?.code).toBe('NOT_AN_IMAGE');
    expect(byName['empty.png']).toMatchObject({
      code: 'NOT_AN_IMAGE',
      message: expect.stringMatching(/empty/),
    });
    expect(byName['drawing.svg']).toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: expect.stringMatching(/SVG/),
    });
    expect(byName['day 2/loop']).toMatchObject({
      code: 'UNREADABLE',
      message: expect.stringMatching(/already scanned/),
    });
    expect(byName['dangling.jpg']?.code).toBe('FILE_NOT_FOUND');
    expect(byName['pipe.jpg']).toMatchObject({
      code: 'UNREADABLE',
      message: expect.stringMatching(/not a regular file/),
    });
    expect(result.errors).toHaveLength(7);
    // .cache, pixelsmith (our output folder), .DS_Store, Thumbs.db
    expect(result.skipped).toBe(4);
  });

  it('reports missing paths and files over the byte and pixel limits without failing the others', async () => {
    const big = join(dir.path, 'wide.png');
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080' } })
      .png()
      .toFile(big);
    const result = await scan(
      [join(FIXTURE_IMAGES, '0014.jpg'), join(dir.path, 'gone.jpg'), big, join(FIXTURE_IMAGES, '00.jpg')],
      {
        limits: { maxInputBytes: 1024 * 1024, maxInputPixels: 10_000_000 },
      },
    );
    expect(result.images.map((i) => i.name)).toEqual(['0014.jpg']);
    const codes = Object.fromEntries(result.errors.map((e) => [e.path.split('/').pop(), e]));
    expect(codes['gone.jpg']?.code).toBe('FILE_NOT_FOUND');
    expect(codes['wide.png']).toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: expect.stringMatching(/4000×3000/),
    });
    expect(codes['00.jpg']).toMatchObject({ code: 'IMAGE_TOO_LARGE', message: expect.stringMatching(/MB/) });
  });

  it.skipIf(process.getuid?.() === 0)('reports a file without read permission as UNREADABLE', async () => {
    const locked = join(dir.path, 'locked.jpg');
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), locked);
    chmodSync(locked, 0);
    const result = await scan([locked]);
    expect(result.errors[0]?.code).toBe('UNREADABLE');
  });

  it('flags photos cut short (a partial copy) with the reason, and passes complete ones', async () => {
    const cut = (name: string, keep: number): string => {
      const data = readFileSync(join(FIXTURE_IMAGES, name));
      const to = join(dir.path, `cut-${name}`);
      writeFileSync(to, data.subarray(0, Math.floor(data.length * keep)));
      return to;
    };
    const webp = join(dir.path, 'whole.webp');
    await sharp(join(FIXTURE_IMAGES, '0030.jpg')).resize(512).webp().toFile(webp);
    const cutWebp = join(dir.path, 'cut.webp');
    const whole = readFileSync(webp);
    writeFileSync(cutWebp, whole.subarray(0, Math.floor(whole.length * 0.7)));
    const result = await scan([
      cut('00003.png', 0.6),
      cut('0014.jpg', 0.5),
      webp,
      cutWebp,
      join(FIXTURE_IMAGES, '0030.jpg'),
      join(FIXTURE_IMAGES, 'children-alpha.png'),
    ]);
    const problems = Object.fromEntries(result.images.map((i) => [i.name, i.problem]));
    expect(problems).toEqual({
      'cut-00003.png': expect.stringMatching(/IEND.*cut short/),
      'cut-0014.jpg': expect.stringMatching(/JPEG end marker.*cut short/),
      'whole.webp': null,
      '0030.jpg': null,
      'children-alpha.png': null,
    });
    // libwebp refuses a RIFF shorter than it says at the header already.
    expect(result.errors).toEqual([expect.objectContaining({ path: cutWebp, code: 'CORRUPT_IMAGE' })]);
    expect(bufferProblem(readFileSync(cutWebp), 'webp')).toMatch(
      /header says \d+ bytes but the file has \d+/,
    );
    expect(bufferProblem(readFileSync(webp), 'webp')).toBeNull();
  });

  it('reports display dimensions after EXIF orientation', async () => {
    const rotated = join(dir.path, 'rotated.jpg');
    await sharp({ create: { width: 300, height: 100, channels: 3, background: '#336699' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(rotated);
    const result = await scan([rotated]);
    expect(result.images[0]).toMatchObject({ width: 100, height: 300 });
  });

  it('lists a file given twice once, and sends progress ending with done', async () => {
    const progress: ScanProgress[] = [];
    const file = join(FIXTURE_IMAGES, '0030.jpg');
    const result = await scan([file, file, FIXTURE_IMAGES], {
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(result.images).toHaveLength(FIXTURE_IMAGE_COUNT);
    expect(progress.at(-1)).toMatchObject({ done: true, images: FIXTURE_IMAGE_COUNT, errors: 0 });
    expect(progress.filter((p) => p.done)).toHaveLength(1);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(scan([FIXTURE_IMAGES], { signal: controller.signal })).rejects.toThrow();
  });

  it('stops at its size limits with a line that says so, instead of running on (a scan of /usr)', async () => {
    const byEntries = await scan([FIXTURE_IMAGES], { maxEntries: 5 });
    expect(byEntries.truncated).toBe(true);
    expect(byEntries.errors).toEqual([
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: expect.stringMatching(/stopped after 5 entries/),
      }),
    ]);
    expect(byEntries.images.length).toBeLessThan(5);
    const byImages = await scan([FIXTURE_IMAGES], { maxImages: 3, concurrency: 1 });
    expect(byImages).toMatchObject({ truncated: true, images: expect.any(Array) });
    expect(byImages.images).toHaveLength(3);
    expect(byImages.errors[0]?.message).toMatch(/stopped after 3 images/);
    expect((await scan([FIXTURE_IMAGES])).truncated).toBe(false);
  });

  it('stops reading headers as soon as its caller goes away', async () => {
    const controller = new AbortController();
    let probed = 0;
    const pending = scan([FIXTURE_IMAGES], {
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => {
        probed = p.images;
        if (p.images >= 2) controller.abort();
      },
      progressIntervalMs: 0,
    });
    await expect(pending).rejects.toThrow();
    expect(probed).toBeLessThan(14);
  });
});
