import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, FIXTURE_IMAGES } from '../../../../test/helpers/fixtures.js';
import { buildModel, floatTensor, openModel } from '../../../../test/helpers/onnx/models.js';
import type { Canvas } from '../blender.js';
import { decodeRaster, type Pixels, type Raster } from '../imageio.js';
import { sessionRunner } from '../sessions.js';
import { lanczosUpscale, type InputConvention } from '../upscale.js';
import { alignToTemplate, applyAffine } from './align.js';
import { iou, type FaceBox } from './detect.js';
import { FACE_SIZE, restoreFaces, type FaceRestorer } from './restore.js';

/** GFPGAN's convention: RGB, (v − 0.5) / 0.5, so the model sees [-1, 1]. */
const GFPGAN: InputConvention = {
  channels: 'RGB',
  range: [0, 1],
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
};
const IO = {
  inputs: [{ name: 'input', shape: [1, 3, FACE_SIZE, FACE_SIZE] }],
  outputs: [{ name: 'output', shape: [1, 3, FACE_SIZE, FACE_SIZE] }],
};

/** A GFPGAN-I/O model that gives back the face it is given. */
const identityFaceModel = (): Uint8Array =>
  buildModel({ nodes: [{ opType: 'Identity', inputs: ['input'], outputs: ['output'] }], ...IO });

/**
 * In face space, where the template's face is: the mean of the boxes RetinaFace draws around the
 * fixtures' faces, mapped through their alignment (Blake_Lively, 00017_gray, children-alpha,
 * 00: x 47–129 to 380–449, y 63–122 to 465–507), so a painted face lands where a detector
 * says the real face is.
 */
const FACE_RECT = { x: 96, y: 88, w: 316, h: 394 };

/** A GFPGAN-I/O model that paints `rgb` (0..1) over FACE_RECT and passes the rest through. */
function paintFaceModel(rgb: [number, number, number]): Uint8Array {
  const mask = new Float32Array(FACE_SIZE * FACE_SIZE);
  for (let y = FACE_RECT.y; y < FACE_RECT.y + FACE_RECT.h; y += 1)
    mask.fill(1, y * FACE_SIZE + FACE_RECT.x, y * FACE_SIZE + FACE_RECT.x + FACE_RECT.w);
  const keep = mask.map((m) => 1 - m);
  return buildModel({
    nodes: [
      { opType: 'Mul', inputs: ['input', 'keep'], outputs: ['kept'] },
      { opType: 'Mul', inputs: ['colour', 'mask'], outputs: ['painted'] },
      { opType: 'Add', inputs: ['kept', 'painted'], outputs: ['output'] },
    ],
    initializers: [
      floatTensor('keep', [1, 1, FACE_SIZE, FACE_SIZE], keep),
      floatTensor('mask', [1, 1, FACE_SIZE, FACE_SIZE], mask),
      floatTensor(
        'colour',
        [1, 3, 1, 1],
        rgb.map((v) => v * 2 - 1),
      ),
    ],
    ...IO,
  });
}

const restorerOf = (session: ort.InferenceSession): FaceRestorer => ({
  runner: sessionRunner({
    session,
    provider: 'cpu',
    inputName: 'input',
    outputName: 'output',
    fallbacks: [],
  }),
  convention: GFPGAN,
});

const copyOf = (p: Pixels<Canvas>): Pixels<Canvas> => ({
  ...p,
  color: p.color.slice(),
  alpha: p.alpha ? p.alpha.slice() : null,
});

function psnr(a: Canvas, b: Canvas, width: number, channels: number, box: FaceBox, max: number): number {
  let sq = 0;
  let n = 0;
  for (let y = box.y; y < box.y + box.h; y += 1)
    for (let x = box.x; x < box.x + box.w; x += 1)
      for (let c = 0; c < channels; c += 1) {
        const i = (y * width + x) * channels + c;
        sq += (a[i]! - b[i]!) ** 2;
        n += 1;
      }
  return sq === 0 ? Infinity : 10 * Math.log10((max * max) / (sq / n));
}

/** The output pixels that changed, as a membership test, and how many. */
function changed(before: Pixels<Canvas>, after: Pixels<Canvas>): (x: number, y: number) => boolean {
  const ch = before.colorChannels;
  return (x, y) => {
    for (let c = 0; c < ch; c += 1) {
      const i = (y * before.width + x) * ch + c;
      if (before.color[i] !== after.color[i]) return true;
    }
    return false;
  };
}

/**
 * IoU of the pixels painted at least halfway from `before` to `value` (judged on the channels
 * where the colour clearly differs from the background) with the pixels `inside` names.
 */
function paintedIou(
  before: Pixels<Canvas>,
  after: Pixels<Canvas>,
  value: number[],
  inside: (x: number, y: number) => boolean,
): number {
  const ch = after.colorChannels;
  let both = 0;
  let painted = 0;
  let inArea = 0;
  for (let y = 0; y < after.height; y += 1)
    for (let x = 0; x < after.width; x += 1) {
      let hit = true;
      let decided = false;
      for (let c = 0; c < ch; c += 1) {
        const i = (y * after.width + x) * ch + c;
        const gap = value[c]! - before.color[i]!;
        if (Math.abs(gap) < 8) continue;
        decided = true;
        if ((after.color[i]! - before.color[i]!) / gap < 0.5) hit = false;
      }
      // A background already of the colour cannot tell painted from not: such pixels are left out.
      if (!decided) continue;
      const within = inside(x, y);
      if (hit) painted += 1;
      if (within) inArea += 1;
      if (hit && within) both += 1;
    }
  return both / (painted + inArea - both);
}

/** The box turned by `roll` about its centre: the box a detector draws, in the face's upright frame. */
function inUprightBox(box: FaceBox, roll: number): (x: number, y: number) => boolean {
  const [cx, cy] = [box.x + box.w / 2, box.y + box.h / 2];
  const [cos, sin] = [Math.cos(roll), Math.sin(roll)];
  return (x, y) => {
    const [dx, dy] = [x - cx, y - cy];
    return Math.abs(cos * dx + sin * dy) <= box.w / 2 && Math.abs(-sin * dx + cos * dy) <= box.h / 2;
  };
}

describe('the face pass: detect, align, restore, paste back', () => {
  let retinaface: ort.InferenceSession;
  let identity: FaceRestorer;
  const models = join(FIXTURES, 'models');
  beforeAll(async () => {
    retinaface = await ort.InferenceSession.create(join(models, 'retinaface_mobilenet0.25_640.onnx'));
    identity = restorerOf(await openModel(identityFaceModel()));
  });
  afterAll(async () => {
    await retinaface.release();
  });

  const decode = async (file: string, convert?: (s: Sharp) => Sharp): Promise<Raster> => {
    const path = join(FIXTURE_IMAGES, file);
    return decodeRaster(convert ? await convert(sharp(path)).png().toBuffer() : readFileSync(path), 1e9);
  };

  it('with an identity face model, gives the plain upscale back (PSNR ≥ 40 dB over each pasted region)', async () => {
    for (const [file, convert] of [
      ['Blake_Lively.jpg', undefined],
      ['00017_gray.png', undefined],
    ] as const) {
      const src = await decode(file, convert);
      const plain = await lanczosUpscale(src, 2);
      const out = copyOf(plain);
      const pass = await restoreFaces(src, out, identity, {
        detector: 'retinaface',
        detectorSession: retinaface,
        select: 'all',
        strength: 1,
      });
      expect(pass.faces.length, file).toBe(2);
      for (const face of pass.faces) {
        const db = psnr(plain.color, out.color, out.width, out.colorChannels, face.region, 255);
        expect(db, `${file} ${JSON.stringify(face.region)}`).toBeGreaterThanOrEqual(40);
      }
    }
  });

  it('pastes a painted face onto each detected face and nowhere else, on RGB, gray and RGBA; alpha unchanged', async () => {
    // Magenta on colour photos; white on the gray one (magenta's luma is a skin tone's).
    const magenta: [number, number, number] = [0.9, 0.1, 0.6];
    const white: [number, number, number] = [1, 1, 1];
    const cases = [
      { file: 'Blake_Lively.jpg', faces: 2, colour: magenta },
      { file: '00017_gray.png', faces: 2, colour: white },
      { file: 'children-alpha.png', faces: 5, colour: magenta },
    ];
    const toBox: { where: string; iou: number }[] = [];
    for (const c of cases) {
      const { colour } = c;
      const paint = restorerOf(await openModel(paintFaceModel(colour)));
      const src = await decode(c.file);
      const plain = await lanczosUpscale(src, 2);
      const out = copyOf(plain);
      const pass = await restoreFaces(src, out, paint, {
        detector: 'retinaface',
        detectorSession: retinaface,
        select: 'all',
        strength: 1,
      });
      expect(pass.faces.length, c.file).toBe(c.faces);
      const value =
        out.colorChannels === 1
          ? [Math.round((0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]) * 255)]
          : colour.map((v) => Math.round(v * 255));
      for (const face of pass.faces) {
        // Only this face's painted pixels, judged within its own region (region coordinates).
        const r = face.region;
        const local = (p: Pixels<Canvas>): Pixels<Canvas> => ({
          ...p,
          width: r.w,
          height: r.h,
          color: crop(p, r),
        });
        const toFace = alignToTemplate(face.landmarks, FACE_SIZE);
        const inRect = (x: number, y: number) => {
          const [u, v] = applyAffine(toFace, [x + r.x, y + r.y]);
          return (
            u >= FACE_RECT.x &&
            u < FACE_RECT.x + FACE_RECT.w &&
            v >= FACE_RECT.y &&
            v < FACE_RECT.y + FACE_RECT.h
          );
        };
        const where = `${c.file} face at ${JSON.stringify(face.box)}`;
        // The geometry: the paint lands exactly where the inverse alignment puts the painted rect.
        expect(paintedIou(local(plain), local(out), value, inRect), where).toBeGreaterThanOrEqual(0.95);
        const [left, right] = face.landmarks;
        const roll = Math.atan2(right![1] - left![1], right![0] - left![0]);
        const box = { x: face.box.x - r.x, y: face.box.y - r.y, w: face.box.w, h: face.box.h };
        toBox.push({ where, iou: paintedIou(local(plain), local(out), value, inUprightBox(box, roll)) });
      }
      // Nothing outside the faces' regions changed.
      const moved = changed(plain, out);
      const inRegion = (x: number, y: number) =>
        pass.faces.some(({ region: r }) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h);
      let outside = 0;
      for (let y = 0; y < out.height; y += 1)
        for (let x = 0; x < out.width; x += 1) if (!inRegion(x, y) && moved(x, y)) outside += 1;
      expect(outside, c.file).toBe(0);
      if (src.hasAlpha) expect(Buffer.from(out.alpha!).equals(Buffer.from(plain.alpha!)), c.file).toBe(true);
    }
    // And on the face the detector found. Its boxes sit on the landmarks less tightly than the
    // geometry works (in face space their left edges range over x 43–128 on these photos), so
    // the typical face of the nine is held to IoU ≥ 0.8 and every face to ≥ 0.65.
    const ious = toBox.map((f) => f.iou);
    const all = toBox.map((f) => `${f.where}: ${f.iou.toFixed(3)}`).join('\n');
    expect(median(ious), all).toBeGreaterThanOrEqual(0.8);
    expect(Math.min(...ious), all).toBeGreaterThanOrEqual(0.65);
  });

  it('restores only the centre or the largest face when asked, and never more than it finds', async () => {
    const src = await decode('Blake_Lively.jpg');
    const plain = await lanczosUpscale(src, 1);
    const all = await restoreFaces(src, copyOf(plain), identity, {
      detector: 'retinaface',
      detectorSession: retinaface,
      select: 'all',
      strength: 1,
    });
    const largest = await restoreFaces(src, copyOf(plain), identity, {
      detector: 'retinaface',
      detectorSession: retinaface,
      select: 'largest',
      strength: 1,
    });
    expect(largest.faces).toHaveLength(1);
    const area = (b: FaceBox) => b.w * b.h;
    expect(area(largest.faces[0]!.box)).toBe(Math.max(...all.faces.map((f) => area(f.box))));
    expect(all.faces.some((f) => iou(f.box, largest.faces[0]!.box) > 0.99)).toBe(true);
  });
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function crop(p: Pixels<Canvas>, r: FaceBox): Canvas {
  const ch = p.colorChannels;
  const out = new Uint8Array(r.w * r.h * ch);
  for (let y = 0; y < r.h; y += 1)
    out.set(
      p.color.subarray(((r.y + y) * p.width + r.x) * ch, ((r.y + y) * p.width + r.x + r.w) * ch),
      y * r.w * ch,
    );
  return out;
}
