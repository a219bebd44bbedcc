import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, FIXTURE_IMAGES } from '../../../../test/helpers/fixtures.js';
import { decodeRaster, type Raster } from '../imageio.js';
import { fitWithin } from './detectorIo.js';
import {
  detectFaces,
  iou,
  nms,
  selectFaces,
  type DetectedFace,
  type DetectOptions,
  type DetectorKind,
  type FaceBox,
  type Point,
} from './detect.js';
import { retinaFacePriors } from './retinaface.js';

const MODELS: Record<DetectorKind, string> = {
  retinaface: join(FIXTURES, 'models', 'retinaface_mobilenet0.25_640.onnx'),
  yunet: join(FIXTURES, 'models', 'face_detection_yunet_2023mar.onnx'),
};
const KINDS: DetectorKind[] = ['retinaface', 'yunet'];
const MAX_PIXELS = 100_000_000;

/** FFHQ 512 alignment template (facexlib): eyes, nose tip, mouth corners, in image order. */
const TEMPLATE: Point[] = [
  [192.98, 239.95],
  [318.9, 240.19],
  [256.63, 314.02],
  [201.26, 371.41],
  [313.09, 371.15],
];
const CROPS = [
  'Adele_crop.png',
  'Julia_Roberts_crop.png',
  'Justin_Timberlake_crop.png',
  'Paris_Hilton_crop.png',
];
/** Brows to chin, cheek to cheek, in a 512² aligned crop: hand-checked on Adele's and Justin's. */
const CROP_FACE: FaceBox = { x: 100, y: 95, w: 295, h: 370 };

/**
 * Face boxes hand-checked by drawing them over the photos with a 25 px grid and looking: each
 * spans cheek to cheek and forehead (below any fringe or hat brim) to chin.
 */
const HAND_BOXES: Record<string, FaceBox[]> = {
  // 700×464, side by side: the girl in a bow (left), the woman smiling (right).
  'Blake_Lively.jpg': [
    { x: 95, y: 115, w: 160, h: 185 },
    { x: 415, y: 80, w: 180, h: 235 },
  ],
  // 1297×1920 old photo: the older girl (upper right) and the younger one (lower left).
  '00.jpg': [
    { x: 770, y: 385, w: 145, h: 175 },
    { x: 500, y: 795, w: 150, h: 155 },
  ],
  // 566×350 RGBA cut-out: five children.
  'children-alpha.png': [
    { x: 137, y: 30, w: 62, h: 64 },
    { x: 245, y: 58, w: 62, h: 72 },
    { x: 338, y: 118, w: 58, h: 70 },
    { x: 415, y: 15, w: 58, h: 72 },
    { x: 128, y: 148, w: 60, h: 68 },
  ],
  // 500×351 one-channel gray: a man in a hat (left), a woman (right).
  '00017_gray.png': [
    { x: 90, y: 100, w: 100, h: 105 },
    { x: 302, y: 90, w: 96, h: 118 },
  ],
};

const sessions = {} as Record<DetectorKind, ort.InferenceSession>;
const rasters = new Map<string, Promise<Raster>>();

beforeAll(async () => {
  for (const kind of KINDS) {
    // Severity 3: the YuNet export declares 640×640 output shapes, and ORT warns about every
    // other input size although the outputs are right.
    sessions[kind] = await ort.InferenceSession.create(MODELS[kind], { logSeverityLevel: 3 });
  }
});

afterAll(async () => {
  for (const kind of KINDS) await sessions[kind].release();
});

/** A fixture decoded once per file. */
function fixture(name: string): Promise<Raster> {
  let raster = rasters.get(name);
  if (!raster) {
    raster = decodeRaster(readFileSync(join(FIXTURE_IMAGES, name)), MAX_PIXELS);
    rasters.set(name, raster);
  }
  return raster;
}

async function detect(raster: Raster, kind: DetectorKind, opts?: DetectOptions): Promise<DetectedFace[]> {
  return (await detectFaces(raster, kind, sessions[kind], opts)).faces;
}

/** Asserts one found face per expected box (IoU ≥ 0.5) and no others. */
function expectBoxes(faces: DetectedFace[], expected: FaceBox[]): void {
  expect(faces).toHaveLength(expected.length);
  for (const box of expected) {
    const best = Math.max(...faces.map((f) => iou(f.box, box)));
    expect(best, JSON.stringify(box)).toBeGreaterThanOrEqual(0.5);
  }
}

function expectInside(face: DetectedFace, width: number, height: number): void {
  const { x, y, w, h } = face.box;
  expect(x).toBeGreaterThanOrEqual(0);
  expect(y).toBeGreaterThanOrEqual(0);
  expect(x + w).toBeLessThanOrEqual(width);
  expect(y + h).toBeLessThanOrEqual(height);
}

const scaleBox = (b: FaceBox, s: number, dx: number, dy: number): FaceBox => ({
  x: b.x * s + dx,
  y: b.y * s + dy,
  w: b.w * s,
  h: b.h * s,
});

/**
 * Three aligned crops on a 720×320 gray canvas: Adele at 200 px (largest), Julia at 128 px
 * centred on the canvas centre, and Justin at 64 px (a face about 37 px wide).
 */
const PLACED = [
  { name: 'Adele_crop.png', size: 200, left: 20, top: 60 },
  { name: 'Julia_Roberts_crop.png', size: 128, left: 296, top: 96 },
  { name: 'Justin_Timberlake_crop.png', size: 64, left: 600, top: 128 },
] as const;
const placedBoxes = PLACED.map((p) => scaleBox(CROP_FACE, p.size / 512, p.left, p.top));

let group: Promise<Raster> | undefined;
function groupPhoto(): Promise<Raster> {
  group ??= (async () => {
    const layers = await Promise.all(
      PLACED.map(async (p) => ({
        input: await sharp(join(FIXTURE_IMAGES, p.name)).resize(p.size, p.size).toBuffer(),
        left: p.left,
        top: p.top,
      })),
    );
    const png = await sharp({ create: { width: 720, height: 320, channels: 3, background: '#808080' } })
      .composite(layers)
      .png()
      .toBuffer();
    return decodeRaster(png, MAX_PIXELS);
  })();
  return group;
}

/** A fixture resized by sharp, as raw pixels (encoding a large PNG would only cost time). */
async function enlarged(name: string, width: number, height: number): Promise<Raster> {
  const { data, info } = await sharp(join(FIXTURE_IMAGES, name))
    .resize(width, height)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { channels } = info;
  return { data, width, height, channels, depth: 8, hasAlpha: channels === 2 || channels === 4 };
}

describe('retinaFacePriors', () => {
  it('lays out 16800 anchors at 640, stride 8 first, two sizes per cell', () => {
    const p = retinaFacePriors(640);
    // Priors are float32 fractions of the input: back to whole pixels.
    const px = (v: number) => Math.round(v * 640 * 1000) / 1000;
    expect(p.length).toBe(16800 * 4);
    // First cell of stride 8: centre (4, 4) px, sizes 16 and 32 px.
    expect([...p.subarray(0, 8)].map(px)).toEqual([4, 4, 16, 16, 4, 4, 32, 32]);
    // First cell of stride 32 comes after 80²·2 + 40²·2 anchors: centre (16, 16), size 256.
    expect([...p.subarray(16000 * 4, 16000 * 4 + 4)].map(px)).toEqual([16, 16, 256, 256]);
  });
});

describe('shared helpers', () => {
  const face = (x: number, score: number, w = 10): DetectedFace => ({
    box: { x, y: 0, w, h: w },
    score,
    landmarks: [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ],
  });

  it('keeps the higher-scored of overlapping boxes and sorts by score', () => {
    const kept = nms([face(0, 0.8), face(1, 0.9), face(50, 0.95)], 0.4);
    expect(kept.map((f) => f.score)).toEqual([0.95, 0.9]);
  });

  it('selects by centre distance or by area', () => {
    const faces = [face(0, 0.9, 30), face(45, 0.8, 10)];
    expect(selectFaces(faces, 'center', 100, 10)[0]?.score).toBe(0.8);
    expect(selectFaces(faces, 'largest', 100, 10)[0]?.score).toBe(0.9);
    expect(selectFaces([], 'largest', 100, 10)).toEqual([]);
  });

  it('downscales with the exact scale per axis and never upscales', () => {
    expect(fitWithin(1297, 1920, 640)).toEqual({
      width: 432,
      height: 640,
      scaleX: 432 / 1297,
      scaleY: 1 / 3,
    });
    expect(fitWithin(300, 200, 640)).toEqual({ width: 300, height: 200, scaleX: 1, scaleY: 1 });
  });
});

describe.each(KINDS)('detectFaces with %s', (kind) => {
  it('finds the one face of each aligned crop, landmarks near the FFHQ template', async () => {
    // Measured: eyes within 7.4 px (RetinaFace) and 10.9 px (YuNet) of the template; nose and
    // mouth corners within 25.6 px (RetinaFace, Justin's nose) and 21.6 px (YuNet). The crops
    // were aligned by FFHQ's own recipe (eye and mouth centres), not a fit to these five points,
    // so the nose and mouth of a tilted or smiling face lie off the template; both detectors agree.
    for (const name of CROPS) {
      const faces = await detect(await fixture(name), kind);
      expect(faces, name).toHaveLength(1);
      const [face] = faces as [DetectedFace];
      expect(iou(face.box, CROP_FACE), name).toBeGreaterThanOrEqual(0.75);
      expectInside(face, 512, 512);
      const dist = face.landmarks.map((p, i) => Math.hypot(p[0] - TEMPLATE[i]![0], p[1] - TEMPLATE[i]![1]));
      expect(Math.max(dist[0]!, dist[1]!), name).toBeLessThan(12);
      expect(Math.max(...dist), name).toBeLessThan(28);
      // Image order: viewer-left eye and mouth corner first.
      expect(face.landmarks[0][0]).toBeLessThan(face.landmarks[1][0]);
      expect(face.landmarks[3][0]).toBeLessThan(face.landmarks[4][0]);
    }
  });

  it.each(Object.keys(HAND_BOXES))('finds the faces of %s where they are', async (name) => {
    const raster = await fixture(name);
    const faces = await detect(raster, kind);
    expectBoxes(faces, HAND_BOXES[name]!);
    for (const face of faces) {
      expectInside(face, raster.width, raster.height);
      // Each face's landmarks lie in its own box.
      for (const [x, y] of face.landmarks) {
        expect(x).toBeGreaterThan(face.box.x);
        expect(x).toBeLessThan(face.box.x + face.box.w);
        expect(y).toBeGreaterThan(face.box.y);
        expect(y).toBeLessThan(face.box.y + face.box.h);
      }
    }
    const scores = faces.map((f) => f.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('finds the faces of a blurred photo at the default threshold', async () => {
    // Blurred with sigma 3, two children score 0.894 with YuNet: under OpenCV's 0.9.
    const png = await sharp(join(FIXTURE_IMAGES, 'children-alpha.png')).blur(3).png().toBuffer();
    expectBoxes(await detect(await decodeRaster(png, MAX_PIXELS), kind), HAND_BOXES['children-alpha.png']!);
  });

  it.each(['00003.png', 'ADE_val_00000114.jpg'])(
    'finds no face in %s (branches against sky; a beach)',
    async (name) => {
      expect(await detect(await fixture(name), kind)).toEqual([]);
    },
  );

  it('reports the model input size: downscaled, padded to 32 for YuNet', async () => {
    const { inputSize } = await detectFaces(await fixture('00.jpg'), kind, sessions[kind]);
    // 1297×1920 → 432×640, which YuNet pads to 448×640.
    expect(inputSize).toEqual(kind === 'retinaface' ? [640, 640] : [448, 640]);
  });

  it('maps boxes of an EXIF-rotated photo to the upright image', async () => {
    const upright = await fixture('Blake_Lively.jpg');
    // Pixels turned 90° anticlockwise; orientation 6 tells viewers to turn them back clockwise.
    const jpeg = await sharp(readFileSync(join(FIXTURE_IMAGES, 'Blake_Lively.jpg')))
      .rotate(-90)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).width).toBe(464);
    const raster = await decodeRaster(jpeg, MAX_PIXELS);
    expect([raster.width, raster.height]).toEqual([700, 464]);
    const rotated = await detect(raster, kind);
    expectBoxes(rotated, HAND_BOXES['Blake_Lively.jpg']!);
    for (const face of await detect(upright, kind)) {
      expect(Math.max(...rotated.map((f) => iou(f.box, face.box)))).toBeGreaterThan(0.9);
    }
  });

  it('finds several placed faces, and selects the centre or the largest one', async () => {
    const raster = await groupPhoto();
    const all = await detect(raster, kind);
    expectBoxes(all, placedBoxes);
    const [centre] = await detect(raster, kind, { select: 'center' });
    expect(iou(centre!.box, placedBoxes[1]!)).toBeGreaterThanOrEqual(0.5);
    const [largest] = await detect(raster, kind, { select: 'largest' });
    expect(iou(largest!.box, placedBoxes[0]!)).toBeGreaterThanOrEqual(0.5);
    expect(await detect(raster, kind, { select: 'largest', minFaceSize: 1000 })).toEqual([]);
  });

  it('drops faces below minFaceSize, measured in original pixels', async () => {
    const raster = await groupPhoto();
    // Justin's face is about 37 px wide, Julia's about 74 px.
    expectBoxes(await detect(raster, kind, { minFaceSize: 50 }), placedBoxes.slice(0, 2));
    // Detection on a downscaled copy still measures in the original's pixels.
    const big = await enlarged('Adele_crop.png', 1536, 1536);
    expect(await detect(big, kind, { minFaceSize: 800 })).toHaveLength(1);
    expect(await detect(big, kind, { minFaceSize: 1000 })).toEqual([]);
  });

  it('detects on a downscaled copy when maxSide is small (YuNet) and maps back', async () => {
    const result = await detectFaces(await fixture('Blake_Lively.jpg'), kind, sessions[kind], {
      maxSide: 320,
    });
    expect(result.inputSize).toEqual(kind === 'retinaface' ? [640, 640] : [320, 224]);
    expectBoxes(result.faces, HAND_BOXES['Blake_Lively.jpg']!);
  });

  it('ignores alpha, also when an RGBA image is downscaled', async () => {
    const raster = await enlarged('children-alpha.png', 1132, 700);
    expect(raster.channels).toBe(4);
    expectBoxes(
      await detect(raster, kind),
      HAND_BOXES['children-alpha.png']!.map((b) => scaleBox(b, 2, 0, 0)),
    );
  });

  it('finds the face in a one-channel gray image made from a crop', async () => {
    const png = await sharp(join(FIXTURE_IMAGES, 'Adele_crop.png')).toColourspace('b-w').png().toBuffer();
    const raster = await decodeRaster(png, MAX_PIXELS);
    expect(raster.channels).toBe(1);
    expectBoxes(await detect(raster, kind), [CROP_FACE]);
  });

  it('finds the face in a 16-bit image where the 8-bit one has it', async () => {
    const png = await sharp(join(FIXTURE_IMAGES, 'Julia_Roberts_crop.png'))
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const raster = await decodeRaster(png, MAX_PIXELS);
    expect(raster.depth).toBe(16);
    const [face16] = await detect(raster, kind);
    const [face8] = await detect(await fixture('Julia_Roberts_crop.png'), kind);
    expect(iou(face16!.box, face8!.box)).toBeGreaterThan(0.95);
  });

  it("names the missing output when given the other detector's model", async () => {
    const other = kind === 'retinaface' ? sessions.yunet : sessions.retinaface;
    const missing = kind === 'retinaface' ? '"output0"' : '"cls_8"';
    await expect(detectFaces(await fixture('Adele_crop.png'), kind, other)).rejects.toThrow(missing);
  });

  it('stops when aborted', async () => {
    const signal = AbortSignal.abort();
    await expect(
      detectFaces(await fixture('Adele_crop.png'), kind, sessions[kind], { signal }),
    ).rejects.toThrow(/abort/i);
  });
});
