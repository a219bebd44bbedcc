import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GFPGAN_FULL, GFPGAN_REFERENCE_PY } from '../../core/features/enhance/arch/testing.js';
import type { JobItem } from '../../core/contract/jobs.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { FIXTURES, FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { buildModel } from '../helpers/onnx/models.js';
import { runPython, torchAvailable } from '../helpers/torch.js';

/**
 * Face restoration through the real, built CLI (`npm run build` first, as for every process
 * test): a face model imported with `models import --task face-restore`, then `enhance --face`
 * on a photo with two faces over a Lanczos background. The detectors come from the fixtures'
 * models folder; the face models are made here: a random-weight GFPGANv1Clean checkpoint at the
 * released 512 configuration, written by PyTorch (Debian's python3-torch; skipped without it
 * locally, required in CI) and converted by the import, and a fixed-size 512 ONNX Identity model.
 */

const PHOTO = join(FIXTURE_IMAGES, 'Blake_Lively.jpg');
const ENV = { PIXELSMITH_MODELS_DIR: join(FIXTURES, 'models') };
/** In face space, the face RetinaFace boxes (restore.test.ts's FACE_RECT): 316 of the 512 px. */
const FACE_IN_CROP = 316 / 512;

interface Decoded {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

interface Enhanced {
  run: CliRun;
  item: JobItem;
}

const cli = (args: string[]): Promise<CliRun> => runCli(args, ENV);

/** `enhance PHOTO … --out <out>` as one job; the run and its (only) item from `jobs show --json`. */
async function enhance(data: string, out: string, flags: string[]): Promise<Enhanced> {
  const run = await cli(['--data-dir', data, 'enhance', PHOTO, '--scale', '2', ...flags, '--out', out]);
  expect(run.code, run.out + run.err).toBe(0);
  const id = /Job ([0-9a-f-]+) started/.exec(run.out)?.[1];
  if (!id) throw new Error(`no job id in:\n${run.out}`);
  const shown = await cli(['--data-dir', data, 'jobs', 'show', id, '--json']);
  expect(shown.code, shown.err).toBe(0);
  const { items } = JSON.parse(shown.out) as { items: JobItem[] };
  expect(items).toHaveLength(1);
  expect(items[0]!.status).toBe('done');
  return { run, item: items[0]! };
}

async function decode(file: string): Promise<Decoded> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** `faceBoxes` ("x,y,w,h;…", output pixels) as boxes. */
function boxesOf(item: JobItem): Box[] {
  const text = String(item.details?.faceBoxes ?? '');
  return text === ''
    ? []
    : text.split(';').map((group) => {
        const [x, y, w, h] = group.split(',').map(Number);
        return { x: x!, y: y!, w: w!, h: h! };
      });
}

/**
 * Everything the paste of the face in `box` could touch: the aligned 512 crop (the box is
 * FACE_IN_CROP of its side) turned by any angle about the box's centre, with a 15 % margin for the
 * template's face sitting off the crop's centre.
 */
function reach(box: Box, width: number, height: number): Box {
  const side = Math.max(box.w, box.h) / FACE_IN_CROP;
  const half = (side * Math.SQRT2) / 2 + 0.15 * side;
  const [cx, cy] = [box.x + box.w / 2, box.y + box.h / 2];
  const x = Math.max(0, Math.floor(cx - half));
  const y = Math.max(0, Math.floor(cy - half));
  return {
    x,
    y,
    w: Math.min(width, Math.ceil(cx + half)) - x,
    h: Math.min(height, Math.ceil(cy + half)) - y,
  };
}

const inside = (b: Box, x: number, y: number): boolean =>
  x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h;

/** Per box: the share of its pixels that differ; outside every `areas`: how many pixels differ. */
function compare(a: Decoded, b: Decoded, boxes: Box[], areas: Box[]) {
  expect([b.width, b.height, b.channels]).toEqual([a.width, a.height, a.channels]);
  const differs = (x: number, y: number): boolean => {
    for (let c = 0; c < a.channels; c += 1) {
      const i = (y * a.width + x) * a.channels + c;
      if (a.data[i] !== b.data[i]) return true;
    }
    return false;
  };
  let outside = 0;
  for (let y = 0; y < a.height; y += 1)
    for (let x = 0; x < a.width; x += 1)
      if (!areas.some((r) => inside(r, x, y)) && differs(x, y)) outside += 1;
  const changedShare = boxes.map((box) => {
    let n = 0;
    for (let y = box.y; y < box.y + box.h; y += 1)
      for (let x = box.x; x < box.x + box.w; x += 1) n += +differs(x, y);
    return n / (box.w * box.h);
  });
  return { outside, changedShare };
}

function psnr(a: Decoded, b: Decoded, box: Box): number {
  let sq = 0;
  let n = 0;
  for (let y = box.y; y < box.y + box.h; y += 1)
    for (let x = box.x; x < box.x + box.w; x += 1)
      for (let c = 0; c < a.channels; c += 1) {
        const i = (y * a.width + x) * a.channels + c;
        sq += (a.data[i]! - b.data[i]!) ** 2;
        n += 1;
      }
  return sq === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sq / n));
}

/** What every two-face run of Blake_Lively.jpg at 2× reports. */
function expectTwoFaces(item: JobItem, faceModel: string): Box[] {
  const d = item.details ?? {};
  expect(d).toMatchObject({ faces: 2, faceModel, model: 'lanczos', width: 1400, height: 928 });
  // The CPU here; CUDA, DirectML or Core ML where ONNX Runtime has them.
  expect(['cpu', 'cuda', 'dml', 'coreml']).toContain(d.faceProvider);
  expect(d.detector).toBe('retinaface-mobilenet0.25');
  expect(String(d.faceBoxes)).toMatch(/^\d+,\d+,\d+,\d+;\d+,\d+,\d+,\d+$/);
  const boxes = boxesOf(item);
  expect(boxes).toHaveLength(2);
  for (const b of boxes) {
    expect(b.w).toBeGreaterThan(40);
    expect(b.h).toBeGreaterThan(40);
    expect(b.x + b.w).toBeLessThanOrEqual(1400);
    expect(b.y + b.h).toBeLessThanOrEqual(928);
  }
  return boxes;
}

describe.skipIf(!torchAvailable)('enhance --face with a GFPGANv1Clean checkpoint (random weights)', () => {
  // Made in beforeAll: a skipped suite's body still runs, its hooks do not.
  let dir: ReturnType<typeof tempDir>;
  let data: string;
  let plainPng: Decoded;
  const timings: Record<string, number> = {};
  afterAll(() => {
    dir?.cleanup();
    console.log(`face.test.ts GFPGAN timings (ms): ${JSON.stringify(timings)}`);
  });

  beforeAll(async () => {
    dir = tempDir('pixelsmith-face-gfpgan-');
    data = join(dir.path, 'data');
    const t0 = performance.now();
    runPython(
      `${GFPGAN_REFERENCE_PY}
net = random_gfpgan(json.loads(sys.argv[1]))
torch.save({'params_ema': net.state_dict()}, sys.argv[2])
`,
      [JSON.stringify(GFPGAN_FULL), join(dir.path, 'gfpgan.pth')],
    );
    timings.checkpoint = Math.round(performance.now() - t0);
    const plain = await enhance(data, join(dir.path, 'plain'), [
      '--background',
      'lanczos',
      '--format',
      'png',
    ]);
    plainPng = await decode(plain.item.outputPath!);
  }, 300_000);

  it('imports the checkpoint as a face-restore model at scale 1', async () => {
    const t0 = performance.now();
    const run = await cli([
      '--data-dir',
      data,
      'models',
      'import',
      join(dir.path, 'gfpgan.pth'),
      '--task',
      'face-restore',
      '--id',
      'gfpgan-random',
    ]);
    timings.import = Math.round(performance.now() - t0);
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toMatch(/Imported gfpgan-random: face-restore, x1, at /);
  }, 300_000);

  it('restores both faces of a JPEG: the faces line, a 1400×928 JPEG, faces and boxes in the details', async () => {
    const t0 = performance.now();
    const { run, item } = await enhance(data, join(dir.path, 'jpeg'), [
      '--face',
      '--face-model',
      'gfpgan-random',
      '--background',
      'lanczos',
      '--strength',
      '1',
    ]);
    timings.enhanceJpeg = Math.round(performance.now() - t0);
    timings.msPerFace = Number(item.details?.msPerFace);
    expect(run.out).toMatch(/Background resized with Lanczos\./);
    expect(run.out).toMatch(
      new RegExp(
        `Faces: 2 restored in 1 photo\\(s\\) with gfpgan-random on ${String(item.details?.faceProvider)}, about .+ per face\\.`,
      ),
    );
    expectTwoFaces(item, 'gfpgan-random');
    expect(item.outputPath).toMatch(/Blake_Lively_x2\.jpg$/);
    const meta = await sharp(item.outputPath!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1400, 928]);
  }, 300_000);

  it('changes the faces and, to the pixel, nothing outside their regions (PNG)', async () => {
    const t0 = performance.now();
    const { item } = await enhance(data, join(dir.path, 'png'), [
      '--face',
      '--face-model',
      'gfpgan-random',
      '--background',
      'lanczos',
      '--strength',
      '1',
      '--format',
      'png',
    ]);
    timings.enhancePng = Math.round(performance.now() - t0);
    const boxes = expectTwoFaces(item, 'gfpgan-random');
    const faced = await decode(item.outputPath!);
    expect([faced.width, faced.height]).toEqual([1400, 928]);
    const areas = boxes.map((b) => reach(b, faced.width, faced.height));
    const { outside, changedShare } = compare(plainPng, faced, boxes, areas);
    expect(outside).toBe(0);
    // Random weights paint noise over each face: nearly all of its pixels move.
    for (const share of changedShare) expect(share).toBeGreaterThan(0.9);
    for (const box of boxes) expect(psnr(plainPng, faced, box)).toBeLessThan(25);
  }, 300_000);
});

describe('enhance --face with a fixed-size 512 ONNX face model (Identity)', () => {
  const dir = tempDir('pixelsmith-face-onnx-');
  const data = join(dir.path, 'data');
  afterAll(() => dir.cleanup());

  it('imports it without --scale (scale 1 implied) and leaves the photo as the plain Lanczos upscale (≥ 40 dB)', async () => {
    const file = join(dir.path, 'face-identity.onnx');
    writeFileSync(
      file,
      buildModel({
        nodes: [{ opType: 'Identity', inputs: ['input'], outputs: ['output'] }],
        inputs: [{ name: 'input', shape: [1, 3, 512, 512] }],
        outputs: [{ name: 'output', shape: [1, 3, 512, 512] }],
      }),
    );
    const imported = await cli(['--data-dir', data, 'models', 'import', file, '--task', 'face-restore']);
    expect(imported.code, imported.out + imported.err).toBe(0);
    expect(imported.out).toMatch(/Imported face-identity: face-restore, x1, at /);

    const plain = await enhance(data, join(dir.path, 'plain'), [
      '--background',
      'lanczos',
      '--format',
      'png',
    ]);
    const { run, item } = await enhance(data, join(dir.path, 'faced'), [
      '--face',
      '--face-model',
      'face-identity',
      '--background',
      'lanczos',
      '--strength',
      '1',
      '--format',
      'png',
    ]);
    expect(run.out).toMatch(/Faces: 2 restored in 1 photo\(s\) with face-identity on \w+/);
    const boxes = expectTwoFaces(item, 'face-identity');
    const [a, b] = [await decode(plain.item.outputPath!), await decode(item.outputPath!)];
    const whole = { x: 0, y: 0, w: a.width, h: a.height };
    expect(psnr(a, b, whole)).toBeGreaterThanOrEqual(40);
    for (const box of boxes) {
      const area = reach(box, a.width, a.height);
      expect(psnr(a, b, area), JSON.stringify(area)).toBeGreaterThanOrEqual(40);
    }
    expect(
      compare(
        a,
        b,
        boxes,
        boxes.map((box) => reach(box, a.width, a.height)),
      ).outside,
    ).toBe(0);
  }, 120_000);
});
