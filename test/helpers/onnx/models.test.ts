import { describe, expect, it } from 'vitest';
import {
  affineUpscaleModel,
  blurUpscaleModel,
  buildModel,
  nearestUpscaleModel,
  openModel,
  runModel,
  runSession,
} from './models.js';
import { decodeModelProto } from '../../../core/features/enhance/onnx/proto.js';
import { affineRef, boxBlurRef, maxAbsDiff, nearestUpscaleRef, randomImage, type Nchw } from './reference.js';

const SIZES: [number, number][] = [
  [5, 7],
  [16, 9],
  [1, 1],
];

/** Runs `bytes` with one session over several sizes, checking each against `reference`. */
async function expectMatches(
  bytes: Uint8Array,
  channels: number,
  scale: number,
  reference: (img: Nchw) => Nchw,
): Promise<void> {
  const session = await openModel(bytes);
  try {
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    for (const [k, [h, w]] of SIZES.entries()) {
      const image = randomImage([1, channels, h, w], 100 + k);
      const out = await runSession(session, image.data, image.dims);
      const want = reference(image);
      expect(out.dims).toEqual([1, channels, h * scale, w * scale]);
      expect(want.dims).toEqual(out.dims);
      expect(maxAbsDiff(out.data, want.data)).toBeLessThanOrEqual(1e-6);
    }
  } finally {
    await session.release();
  }
}

describe('nearestUpscaleModel', () => {
  for (const scale of [1, 2, 3, 4, 8]) {
    it(`upscales ×${scale} exactly (bit-identical)`, async () => {
      await expectMatches(nearestUpscaleModel(scale), 3, scale, (img) => nearestUpscaleRef(img, scale));
      const image = randomImage([1, 3, 13, 11], scale);
      const out = await runModel(nearestUpscaleModel(scale), image.data, image.dims);
      expect(out.data).toEqual(nearestUpscaleRef(image, scale).data);
    });
  }

  it('supports other channel counts', async () => {
    await expectMatches(nearestUpscaleModel(2, 1), 1, 2, (img) => nearestUpscaleRef(img, 2));
    await expectMatches(nearestUpscaleModel(2, 4), 4, 2, (img) => nearestUpscaleRef(img, 2));
  });

  it('maps output (y, x) to input (floor(y/s), floor(x/s)) on a ramp', async () => {
    const input = Float32Array.from({ length: 6 }, (_, k) => k);
    const out = await runModel(nearestUpscaleModel(2, 1), input, [1, 1, 2, 3]);
    expect(out.dims).toEqual([1, 1, 4, 6]);
    expect(Array.from(out.data)).toEqual([
      0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5,
    ]);
  });

  it('rejects non-integer scales', () => {
    expect(() => nearestUpscaleModel(1.5)).toThrow(/scale/);
    expect(() => nearestUpscaleModel(0)).toThrow(/scale/);
  });
});

describe('blurUpscaleModel', () => {
  for (const scale of [1, 2, 4]) {
    it(`box-blurs then upscales ×${scale}`, async () => {
      await expectMatches(blurUpscaleModel(scale), 3, scale, (img) =>
        nearestUpscaleRef(boxBlurRef(img), scale),
      );
    });
  }

  it('has a 1-pixel receptive field: a crop with 1 px margin reproduces the interior', async () => {
    const [h, w] = [12, 10];
    const image = randomImage([1, 3, h, w], 7);
    const full = await runModel(blurUpscaleModel(1), image.data, image.dims);
    // Crop rows 3..8, cols 2..7 (with 1 px margin: rows 2..9, cols 1..8) and compare the interior.
    const [y0, y1, x0, x1] = [2, 10, 1, 9];
    const ch = y1 - y0;
    const cw = x1 - x0;
    const crop = new Float32Array(3 * ch * cw);
    for (let c = 0; c < 3; c += 1) {
      for (let y = 0; y < ch; y += 1) {
        for (let x = 0; x < cw; x += 1)
          crop[(c * ch + y) * cw + x] = image.data[(c * h + y + y0) * w + x + x0] ?? 0;
      }
    }
    const tile = await runModel(blurUpscaleModel(1), crop, [1, 3, ch, cw]);
    let diff = 0;
    for (let c = 0; c < 3; c += 1) {
      for (let y = 1; y < ch - 1; y += 1) {
        for (let x = 1; x < cw - 1; x += 1) {
          const a = tile.data[(c * ch + y) * cw + x] ?? NaN;
          const b = full.data[(c * h + y + y0) * w + x + x0] ?? NaN;
          diff = Math.max(diff, Math.abs(a - b));
        }
      }
    }
    expect(diff).toBeLessThanOrEqual(1e-6);
    // ...while the crop's own border pixels (zero-padded) differ from the full image.
    const edge = Math.abs((tile.data[0] ?? NaN) - (full.data[y0 * w + x0] ?? NaN));
    expect(edge).toBeGreaterThan(1e-3);
  });
});

describe('affineUpscaleModel', () => {
  it('computes nearest(a·x + b) with scalar a, b', async () => {
    await expectMatches(affineUpscaleModel(2, 0.5, 0.25), 3, 2, (img) =>
      nearestUpscaleRef(affineRef(img, 0.5, 0.25), 2),
    );
  });

  it('applies per-channel a, b in channel order', async () => {
    const a = [1, -1, 0];
    const b = [0, 1, 0.75];
    await expectMatches(affineUpscaleModel(3, a, b), 3, 3, (img) =>
      nearestUpscaleRef(affineRef(img, a, b), 3),
    );
    const out = await runModel(affineUpscaleModel(1, a, b), new Float32Array([0.2, 0.2, 0.2]), [1, 3, 1, 1]);
    expect(Array.from(out.data)).toEqual([Math.fround(0.2), Math.fround(0.8), 0.75]);
  });

  it('rejects per-channel constants of the wrong length', () => {
    expect(() => affineUpscaleModel(2, [1, 2], 0)).toThrow(/channels/);
  });
});

describe('model structure', () => {
  it('serializes opset 17 / IR 8 with dynamic height and width', async () => {
    const decoded = decodeModelProto(nearestUpscaleModel(2)) as {
      ir_version: number;
      opset_import: { domain?: string; version: number }[];
    };
    expect(decoded.ir_version).toBe(8);
    expect(decoded.opset_import).toEqual([{ domain: '', version: 17 }]);

    const session = await openModel(blurUpscaleModel(2));
    try {
      const [input] = session.inputMetadata;
      const [output] = session.outputMetadata;
      expect(input).toMatchObject({
        name: 'input',
        isTensor: true,
        type: 'float32',
        shape: [1, 3, 'height', 'width'],
      });
      expect(output).toMatchObject({
        name: 'output',
        isTensor: true,
        type: 'float32',
        shape: [1, 3, 'out_height', 'out_width'],
      });
    } finally {
      await session.release();
    }
  });

  it('can make the batch dimension dynamic', async () => {
    const image = randomImage([2, 3, 4, 5], 3);
    const out = await runModel(nearestUpscaleModel(2, 3, { dynamicBatch: true }), image.data, image.dims);
    expect(out.dims).toEqual([2, 3, 8, 10]);
    expect(out.data).toEqual(nearestUpscaleRef(image, 2).data);
  });

  it('buildModel builds arbitrary single-op graphs', async () => {
    const bytes = buildModel({
      nodes: [{ opType: 'Relu', inputs: ['input'], outputs: ['output'] }],
      inputs: [{ name: 'input', shape: ['n'] }],
      outputs: [{ name: 'output', shape: ['n'] }],
    });
    const out = await runModel(bytes, new Float32Array([-1, 0.5, -3, 2]), [4]);
    expect(Array.from(out.data)).toEqual([0, 0.5, 0, 2]);
  });
});
