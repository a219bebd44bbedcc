import { describe, expect, it } from 'vitest';
import { openModel, runSession } from '../../../../test/helpers/onnx/models.js';
import { RpcError } from '../../../contract/errors.js';
import type { CheckpointTensor, StateDict } from '../checkpoint/types.js';
import { decodeModelProto } from '../onnx/proto.js';
import { ARCHITECTURES, convertToOnnx, detectArchitecture } from './detect.js';

/**
 * State dicts with the official key names and shapes (zero weights): detection reads nothing
 * else. They are built here from the published layouts, independently of the code under test.
 */
type Shapes = [string, number[]][];

function stateDict(shapes: Shapes): Map<string, CheckpointTensor> {
  return new Map(
    shapes.map(([key, shape]) => [
      key,
      { shape, dtype: 'float32', data: new Float32Array(shape.reduce((a, b) => a * b, 1)) },
    ]),
  );
}

const convShapes = (module: string, out: number, inputs: number): Shapes => [
  [`${module}.weight`, [out, inputs, 3, 3]],
  [`${module}.bias`, [out]],
];

function srvggShapes(numFeat = 64, numConv = 16, scale = 4, prelu = true): Shapes {
  const shapes: Shapes = [...convShapes('body.0', numFeat, 3)];
  if (prelu) shapes.push(['body.1.weight', [numFeat]]);
  for (let k = 1; k <= numConv; k += 1) {
    shapes.push(...convShapes(`body.${2 * k}`, numFeat, numFeat));
    if (prelu) shapes.push([`body.${2 * k + 1}.weight`, [numFeat]]);
  }
  shapes.push(...convShapes(`body.${2 * numConv + 2}`, 3 * scale * scale, numFeat));
  return shapes;
}

interface RrdbOptions {
  layout: 'rrdb' | 'rrdb-old' | 'rrdb-trunk';
  numFeat?: number;
  numBlock?: number;
  numGrow?: number;
  /** conv_first's input channels: 3, 12 (×2) or 48 (×1). */
  inChannels?: number;
  upsamplers?: number;
}

function rrdbShapes(o: RrdbOptions): Shapes {
  const { numFeat: nf = 64, numBlock: nb = 23, numGrow: gc = 32, inChannels = 3, upsamplers = 2 } = o;
  const old = o.layout === 'rrdb-old';
  const dense = (b: number, d: number, k: number) =>
    old
      ? `model.1.sub.${b}.RDB${d}.conv${k}.0`
      : o.layout === 'rrdb'
        ? `body.${b}.rdb${d}.conv${k}`
        : `RRDB_trunk.${b}.RDB${d}.conv${k}`;
  const shapes: Shapes = [...convShapes(old ? 'model.0' : 'conv_first', nf, inChannels)];
  for (let b = 0; b < nb; b += 1) {
    for (let d = 1; d <= 3; d += 1) {
      for (let k = 1; k <= 5; k += 1)
        shapes.push(...convShapes(dense(b, d, k), k === 5 ? nf : gc, nf + (k - 1) * gc));
    }
  }
  const trunk = { rrdb: 'conv_body', 'rrdb-trunk': 'trunk_conv', 'rrdb-old': `model.1.sub.${nb}` }[o.layout];
  shapes.push(...convShapes(trunk, nf, nf));
  for (let u = 1; u <= upsamplers; u += 1) {
    const name = { rrdb: `conv_up${u}`, 'rrdb-trunk': `upconv${u}`, 'rrdb-old': `model.${3 * u}` }[o.layout];
    shapes.push(...convShapes(name, nf, nf));
  }
  const n = upsamplers;
  const hr = { rrdb: 'conv_hr', 'rrdb-trunk': 'HRconv', 'rrdb-old': `model.${2 + 3 * n}` }[o.layout];
  const last = old ? `model.${4 + 3 * n}` : 'conv_last';
  shapes.push(...convShapes(hr, nf, nf), ...convShapes(last, 3, nf));
  return shapes;
}

/** A torchvision-ResNet-like state dict: nothing Pixelsmith converts. */
const RESNET: Shapes = [
  ['conv1.weight', [64, 3, 7, 7]],
  ['bn1.weight', [64]],
  ['bn1.bias', [64]],
  ['bn1.running_mean', [64]],
  ['bn1.running_var', [64]],
  ['layer1.0.conv1.weight', [64, 64, 3, 3]],
  ['layer1.0.bn1.weight', [64]],
  ['fc.weight', [1000, 512]],
  ['fc.bias', [1000]],
];

function reshaped(shapes: Shapes, key: string, shape: number[]): Shapes {
  if (!shapes.some(([k]) => k === key)) throw new Error(`no ${key} to reshape`);
  return shapes.map(([k, s]) => [k, k === key ? shape : s]);
}

/** The BAD_CHECKPOINT RpcError `detect` throws, for its message. */
function badCheckpoint(weights: StateDict): RpcError {
  try {
    detectArchitecture(weights);
  } catch (error) {
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe('BAD_CHECKPOINT');
    return error as RpcError;
  }
  throw new Error('detection accepted the checkpoint');
}

describe('detectArchitecture', () => {
  it('lists SRVGGNetCompact, RRDBNet and GFPGANv1Clean', () => {
    expect(ARCHITECTURES.map((a) => a.name)).toEqual(['SRVGGNetCompact', 'RRDBNet', 'GFPGANv1Clean']);
  });

  it('reads realesr-animevideov3 / general-x4v3 shapes as SRVGGNetCompact ×4', () => {
    const { architecture, info } = detectArchitecture(stateDict(srvggShapes(64, 16, 4)));
    expect(architecture.name).toBe('SRVGGNetCompact');
    expect(info).toEqual({
      arch: 'srvgg',
      task: 'upscale',
      scale: 4,
      params: { num_feat: 64, num_conv: 16 },
      convention: {
        layout: 'NCHW',
        channels: 'RGB',
        range: [0, 1],
        mean: [0, 0, 0],
        std: [1, 1, 1],
        size: 'dynamic',
      },
      inputMultiple: 1,
    });
    expect(detectArchitecture(stateDict(srvggShapes(64, 32, 4))).info.params.num_conv).toBe(32);
    expect(detectArchitecture(stateDict(srvggShapes(48, 8, 2))).info).toMatchObject({
      scale: 2,
      params: { num_feat: 48, num_conv: 8 },
    });
  });

  it('reads RealESRGAN_x4plus, x2plus and anime_6B shapes (basicsr keys)', () => {
    const x4 = detectArchitecture(stateDict(rrdbShapes({ layout: 'rrdb' })));
    expect(x4.architecture.name).toBe('RRDBNet');
    expect(x4.info).toMatchObject({
      arch: 'rrdb',
      task: 'upscale',
      scale: 4,
      params: { num_feat: 64, num_block: 23, num_grow_ch: 32 },
      inputMultiple: 1,
    });
    expect(detectArchitecture(stateDict(rrdbShapes({ layout: 'rrdb', inChannels: 12 }))).info).toMatchObject({
      scale: 2,
      inputMultiple: 2,
    });
    expect(detectArchitecture(stateDict(rrdbShapes({ layout: 'rrdb', inChannels: 48 }))).info).toMatchObject({
      scale: 1,
      inputMultiple: 4,
    });
    expect(detectArchitecture(stateDict(rrdbShapes({ layout: 'rrdb', numBlock: 6 }))).info.params).toEqual({
      num_feat: 64,
      num_block: 6,
      num_grow_ch: 32,
    });
  });

  it('reads the original ESRGAN model.N keys at ×4, ×2 and ×8', () => {
    const x4 = detectArchitecture(stateDict(rrdbShapes({ layout: 'rrdb-old' })));
    expect(x4.info).toMatchObject({
      arch: 'rrdb-old',
      scale: 4,
      params: { num_feat: 64, num_block: 23, num_grow_ch: 32 },
    });
    const keys = [...stateDict(rrdbShapes({ layout: 'rrdb-old' })).keys()];
    for (const key of ['model.3.weight', 'model.6.weight', 'model.8.weight', 'model.10.weight']) {
      expect(keys).toContain(key);
    }
    const x2 = stateDict(
      rrdbShapes({ layout: 'rrdb-old', upsamplers: 1, numFeat: 32, numBlock: 4, numGrow: 16 }),
    );
    expect(detectArchitecture(x2).info).toMatchObject({
      scale: 2,
      params: { num_feat: 32, num_block: 4, num_grow_ch: 16 },
    });
    const x8 = stateDict(rrdbShapes({ layout: 'rrdb-old', upsamplers: 3, numBlock: 1 }));
    expect(detectArchitecture(x8).info.scale).toBe(8);
  });

  it("reads ESRGAN RRDBNet_arch.py's RRDB_trunk keys", () => {
    expect(
      detectArchitecture(stateDict(rrdbShapes({ layout: 'rrdb-trunk', numBlock: 3 }))).info,
    ).toMatchObject({
      arch: 'rrdb-trunk',
      scale: 4,
      params: { num_feat: 64, num_block: 3, num_grow_ch: 32 },
    });
  });

  it('refuses an unknown network, naming a few of its keys and their count', () => {
    const error = badCheckpoint(stateDict(RESNET));
    expect(error.message).toContain('SRVGGNetCompact, RRDBNet');
    expect(error.message).toContain('9 tensors');
    expect(error.message).toContain('conv1.weight [64, 3, 7, 7]');
    expect(error.message).toContain('bn1.weight [64]');
    expect(error.message).toContain('(4 more)');
    expect(badCheckpoint(new Map()).message).toContain('no tensors');
  });

  it('names the tensor and both shapes when one disagrees', () => {
    const srvgg = badCheckpoint(stateDict(reshaped(srvggShapes(), 'body.4.weight', [64, 32, 3, 3])));
    expect(srvgg.message).toBe(
      'SRVGGNetCompact checkpoint: body.4.weight has shape [64, 32, 3, 3], expected [64, 64, 3, 3]',
    );
    const rrdb = badCheckpoint(
      stateDict(
        reshaped(rrdbShapes({ layout: 'rrdb', numBlock: 2 }), 'body.1.rdb2.conv3.weight', [32, 64, 3, 3]),
      ),
    );
    expect(rrdb.message).toBe(
      'RRDBNet checkpoint: body.1.rdb2.conv3.weight has shape [32, 64, 3, 3], expected [32, 128, 3, 3]',
    );
    const old = badCheckpoint(
      stateDict(reshaped(rrdbShapes({ layout: 'rrdb-old', numBlock: 2 }), 'model.10.weight', [1, 64, 3, 3])),
    );
    expect(old.message).toContain('model.10.weight has shape [1, 64, 3, 3], expected [3, 64, 3, 3]');
    const gray = badCheckpoint(stateDict(reshaped(srvggShapes(), 'body.0.weight', [64, 1, 3, 3])));
    expect(gray.message).toContain('body.0.weight has shape [64, 1, 3, 3], expected [64, 3, 3, 3]');
  });

  it('explains what else is wrong inside a recognised layout', () => {
    const noPrelu = badCheckpoint(stateDict(srvggShapes(64, 16, 4, false)));
    expect(noPrelu.message).toContain(
      'without PReLU weights (no body.1.weight; found body.0, body.2, body.4, body.6, …)',
    );
    expect(noPrelu.message).toContain('ReLU or LeakyReLU');

    const badScale = badCheckpoint(stateDict(reshaped(srvggShapes(), 'body.34.weight', [40, 64, 3, 3])));
    expect(badScale.message).toContain('body.34.weight has 40 output channels, expected 3·scale²');

    const missing = stateDict(rrdbShapes({ layout: 'rrdb', numBlock: 3 }));
    missing.delete('body.1.rdb3.conv5.bias');
    expect(badCheckpoint(missing).message).toBe('RRDBNet checkpoint has no tensor body.1.rdb3.conv5.bias');

    const extra = stateDict([
      ...rrdbShapes({ layout: 'rrdb', numBlock: 1 }),
      ['body.0.rdb1.noise.weight', [1]],
    ]);
    expect(badCheckpoint(extra).message).toBe(
      'RRDBNet checkpoint has 1 tensor its layout has no place for: body.0.rdb1.noise.weight',
    );

    const unshuffled = badCheckpoint(stateDict(rrdbShapes({ layout: 'rrdb', numBlock: 1, inChannels: 6 })));
    expect(unshuffled.message).toContain('conv_first.weight takes 6 input channels, expected 3 (RGB), 12');

    const pixelShuffleUps = stateDict(
      rrdbShapes({ layout: 'rrdb-old', numBlock: 1 }).map(([k, s]): [string, number[]] => [
        k.replace(/^model\.(3|6)\./, (_, i: string) => `model.${Number(i) - 1}.`),
        s,
      ]),
    );
    expect(badCheckpoint(pixelShuffleUps).message).toContain(
      'the convs after the trunk are at model.2, model.5, model.8, model.10',
    );
  });
});

describe('convertToOnnx', () => {
  it('writes opset 17 with input [1, 3, height, width] and output [1, 3, out_height, out_width]', () => {
    const { info, bytes } = convertToOnnx(stateDict(srvggShapes(8, 2, 3)));
    expect(info.scale).toBe(3);
    const model = decodeModelProto(bytes) as {
      opset_import: { version: number }[];
      graph: { input: { name: string; type: unknown }[]; output: { name: string; type: unknown }[] };
    };
    expect(model.opset_import).toEqual([{ domain: '', version: 17 }]);
    const dims = (v: { type: unknown }) =>
      (v.type as { tensor_type: { shape: { dim: Record<string, unknown>[] } } }).tensor_type.shape.dim;
    expect(model.graph.input.map((v) => v.name)).toEqual(['input']);
    expect(dims(model.graph.input[0]!)).toEqual([
      { dim_value: 1 },
      { dim_value: 3 },
      { dim_param: 'height' },
      { dim_param: 'width' },
    ]);
    expect(model.graph.output.map((v) => v.name)).toEqual(['output']);
    expect(dims(model.graph.output[0]!)).toEqual([
      { dim_value: 1 },
      { dim_value: 3 },
      { dim_param: 'out_height' },
      { dim_param: 'out_width' },
    ]);
  });

  it('converts a full-size RealESRGAN_x4plus layout (67 MB of weights) that onnxruntime runs', async () => {
    const weights = stateDict(rrdbShapes({ layout: 'rrdb' }));
    const values = [...weights.values()].reduce((sum, t) => sum + t.data.length, 0);
    const { info, bytes } = convertToOnnx(weights);
    expect(info.params).toEqual({ num_feat: 64, num_block: 23, num_grow_ch: 32 });
    expect(values).toBe(16_697_987); // RealESRGAN_x4plus' published parameter count
    expect(bytes.length).toBeGreaterThan(values * 4);
    const session = await openModel(bytes);
    try {
      const out = await runSession(session, new Float32Array(3 * 5 * 7).fill(0.5), [1, 3, 5, 7]);
      expect(out.dims).toEqual([1, 3, 20, 28]);
      expect(out.data.every((v) => v === 0)).toBe(true);
    } finally {
      await session.release();
    }
  });
});
