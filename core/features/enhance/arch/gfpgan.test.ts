import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_IMAGES, tempDir } from '../../../../test/helpers/fixtures.js';
import { runPython, torchAvailable } from '../../../../test/helpers/torch.js';
import { RpcError } from '../../../contract/errors.js';
import type { CheckpointTensor, StateDict } from '../checkpoint/types.js';
import { readCheckpoint } from '../checkpoint/read.js';
import { buildModel } from '../onnx/build.js';
import { gfpganV1Clean } from './gfpgan.js';
import { GFPGAN_FULL, GFPGAN_REFERENCE_PY, readFloat32, type GfpganConfig } from './testing.js';
import type { ArchInfo } from './types.js';

/**
 * The PyTorch reference ({@link GFPGAN_REFERENCE_PY}) saves, per configuration, the checkpoint
 * (as the official releases are, plus a legacy-format and a float16 copy of the full one) and the
 * expected output for the given input (and, for a contrast input, how far the output moves: what
 * a 1e-4 match can see).
 */
const REFERENCE_PY = String.raw`${GFPGAN_REFERENCE_PY}
work = sys.argv[1]
report = {}
for cfg in json.load(open(f'{work}/configs.json')):
    net = random_gfpgan(cfg)
    name, size = cfg['name'], cfg['out_size']
    # Saved as the official releases are: torch.save of {'params_ema': state_dict}.
    state = net.state_dict()
    torch.save({'params_ema': state}, f'{work}/{name}.pth')
    if name == 'full':
        torch.save({'params_ema': state}, f'{work}/{name}-legacy.pth', _use_new_zipfile_serialization=False)
        torch.save({'params_ema': {k: v.half() for k, v in state.items()}}, f'{work}/{name}-fp16.pth')
    with torch.no_grad():
        out = net(read_input(f'{work}/{name}.input.bin', size))
        save(out, f'{work}/{name}.expected.bin')
        moved = None
        if cfg.get('contrast'):
            moved = (net(read_input(f'{work}/{name}.contrast.bin', size)) - out).abs().max().item()
    report[name] = {'contrast_max_abs': moved, 'output_max_abs': out.abs().max().item()}
print(json.dumps(report))
`;

interface ReferenceConfig extends GfpganConfig {
  /** A second face whose output is compared with the first: how much the input moves it. */
  contrast?: string;
  face: string;
}

/** The released configuration (v1.3 / v1.4), and a small one off every default. */
const FULL: ReferenceConfig = { ...GFPGAN_FULL, face: 'Adele_crop.png' };
const SMALL: ReferenceConfig = {
  name: 'small',
  seed: 1,
  out_size: 64,
  num_style_feat: 64,
  channel_multiplier: 1,
  narrow: 0.25,
  sft_half: false,
  face: 'Justin_Timberlake_crop.png',
  contrast: 'Paris_Hilton_crop.png',
};

interface Reference {
  weights: StateDict;
  input: Float32Array;
  expected: Float32Array;
  contrastMaxAbs: number | null;
}

/** A face photo resized to size × size, RGB CHW float32 normalised to [-1, 1] (mean 0.5, std 0.5). */
async function faceInput(file: string, size: number): Promise<Float32Array> {
  const { data, info } = await sharp(join(FIXTURE_IMAGES, file))
    .removeAlpha()
    .toColourspace('srgb')
    .resize(size, size, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: expected RGB, got ${info.channels} channels`);
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p += 1) {
    for (let c = 0; c < 3; c += 1) out[c * plane + p] = ((data[p * 3 + c] ?? 0) / 255 - 0.5) / 0.5;
  }
  return out;
}

/** Converts with our architecture and runs the graph on onnxruntime's CPU provider. */
async function runConverted(weights: StateDict, info: ArchInfo, input: Float32Array): Promise<Float32Array> {
  const size = info.params.out_size ?? 0;
  const session = await ort.InferenceSession.create(buildModel(gfpganV1Clean.build(weights, info)), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 2,
  });
  try {
    const results = await session.run({ input: new ort.Tensor('float32', input, [1, 3, size, size]) });
    const output = results.output;
    if (!output) throw new Error('the graph has no output named "output"');
    expect(output.dims).toEqual([1, 3, size, size]);
    return output.data as Float32Array;
  } finally {
    await session.release();
  }
}

function diffStats(actual: Float32Array, expected: Float32Array) {
  let maxAbs = 0;
  let peak = 0;
  let sum = 0;
  for (let k = 0; k < expected.length; k += 1) {
    const d = Math.abs((actual[k] ?? NaN) - (expected[k] ?? NaN));
    maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    peak = Math.max(peak, Math.abs(expected[k] ?? 0));
    sum += d;
  }
  return { maxAbs, relative: maxAbs / peak, meanAbs: sum / expected.length, peak };
}

function detectError(weights: StateDict): RpcError {
  try {
    gfpganV1Clean.detect(weights);
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error('detect accepted the state dict');
}

const without = (weights: StateDict, key: string): StateDict =>
  new Map([...weights].filter(([name]) => name !== key));

/** The dict with `key`'s shape replaced (its data cut to fit), as a mis-sized checkpoint has it. */
function reshaped(weights: StateDict, key: string, shape: number[]): StateDict {
  const tensor = weights.get(key);
  if (!tensor) throw new Error(`no ${key} to reshape`);
  const count = shape.reduce((a, b) => a * b, 1);
  return new Map([...weights, [key, { ...tensor, shape, data: tensor.data.subarray(0, count) }]]);
}

function fake(shape: number[]): CheckpointTensor {
  return { shape, dtype: 'float32', data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
}

describe('gfpganV1Clean.detect', () => {
  it('leaves other networks alone, GFPGANv1 and GFPGANBilinear included', () => {
    const rrdb = new Map([
      ['conv_first.weight', fake([64, 3, 3, 3])],
      ['body.0.rdb1.conv1.weight', fake([32, 64, 3, 3])],
    ]);
    const gfpganV1 = new Map([
      ['conv_body_first.0.weight', fake([32, 3, 1, 1])],
      ['conv_body_down.0.conv1.0.weight', fake([32, 32, 3, 3])],
      ['stylegan_decoder.constant_input.weight', fake([1, 512, 4, 4])],
    ]);
    expect(gfpganV1Clean.detect(rrdb)).toBeNull();
    expect(gfpganV1Clean.detect(gfpganV1)).toBeNull();
    expect(gfpganV1Clean.detect(new Map())).toBeNull();
  });
});

describe.skipIf(!torchAvailable)('GFPGANv1Clean against a PyTorch reference', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  const refs = new Map<string, Reference>();
  const ref = (name: string): Reference => {
    const found = refs.get(name);
    if (!found) throw new Error(`no reference ${name}`);
    return found;
  };

  beforeAll(async () => {
    dir = tempDir('pixelsmith-gfpgan-');
    const work = dir.path;
    const configs = [FULL, SMALL];
    for (const cfg of configs) {
      writeFileSync(join(work, `${cfg.name}.input.bin`), await faceInput(cfg.face, cfg.out_size));
      if (cfg.contrast) {
        writeFileSync(join(work, `${cfg.name}.contrast.bin`), await faceInput(cfg.contrast, cfg.out_size));
      }
    }
    writeFileSync(join(work, 'configs.json'), JSON.stringify(configs));
    const report = JSON.parse(runPython(REFERENCE_PY, [work])) as Record<
      string,
      { contrast_max_abs: number | null }
    >;
    for (const cfg of configs) {
      refs.set(cfg.name, {
        weights: await readCheckpoint(join(work, `${cfg.name}.pth`)),
        input: readFloat32(join(work, `${cfg.name}.input.bin`)),
        expected: readFloat32(join(work, `${cfg.name}.expected.bin`)),
        contrastMaxAbs: report[cfg.name]?.contrast_max_abs ?? null,
      });
    }
  }, 300_000);
  afterAll(() => dir?.cleanup());

  it('reads the released configuration from the shapes', () => {
    expect(gfpganV1Clean.detect(ref('full').weights)).toEqual({
      arch: 'gfpgan-v1-clean',
      task: 'face-restore',
      scale: 1,
      params: { out_size: 512, num_style_feat: 512, channel_multiplier: 2, narrow: 1, sft_half: 1 },
      convention: {
        layout: 'NCHW',
        channels: 'RGB',
        range: [0, 1],
        mean: [0.5, 0.5, 0.5],
        std: [0.5, 0.5, 0.5],
        size: [512, 512],
      },
      inputMultiple: 1,
    });
  });

  it('reads a narrow, small configuration that applies SFT to all channels', () => {
    const info = gfpganV1Clean.detect(ref('small').weights);
    expect(info?.params).toEqual({
      out_size: 64,
      num_style_feat: 64,
      channel_multiplier: 1,
      narrow: 0.25,
      sft_half: 0,
    });
    expect(info?.convention.size).toEqual([64, 64]);
  });

  it('ignores the style MLP and the U-Net toRGB heads, which inference never reads', () => {
    const weights = ref('full').weights;
    const unused = (key: string) => key.startsWith('stylegan_decoder.style_mlp.') || key.startsWith('toRGB.');
    expect(weights.has('stylegan_decoder.style_mlp.1.weight')).toBe(true);
    expect(weights.has('toRGB.0.weight')).toBe(true);
    const needed = new Map([...weights].filter(([key]) => !unused(key)));
    const info = gfpganV1Clean.detect(needed);
    expect(info).toEqual(gfpganV1Clean.detect(weights));
    if (!info) throw new Error('not detected');
    const initializers = gfpganV1Clean.build(weights, info).initializers ?? [];
    expect(initializers.filter((t) => unused(t.name))).toEqual([]);
    expect(initializers.filter((t) => weights.has(t.name))).toHaveLength(needed.size);
  });

  it.each([
    'stylegan_decoder.noises.noise9',
    'stylegan_decoder.style_convs.5.modulated_conv.modulation.weight',
    'condition_shift.2.2.bias',
    'conv_body_up.6.skip.weight',
    'final_linear.bias',
  ])('names a missing %s', (key) => {
    const weights = without(ref('full').weights, key);
    const error = detectError(weights);
    expect(error.code).toBe('BAD_CHECKPOINT');
    expect(error.message).toContain(key);
    expect(error.message).toContain('missing');
    const info = gfpganV1Clean.detect(ref('full').weights);
    if (!info) throw new Error('not detected');
    expect(() => gfpganV1Clean.build(weights, info)).toThrow(key);
  });

  it('names a misshapen tensor with both shapes', () => {
    const key = 'stylegan_decoder.style_convs.6.modulated_conv.modulation.weight';
    const error = detectError(reshaped(ref('full').weights, key, [256, 512]));
    expect(error.code).toBe('BAD_CHECKPOINT');
    expect(error.message).toContain(key);
    expect(error.message).toContain('[256, 512]');
    expect(error.message).toContain('[512, 512]');
    expect(error.details).toEqual({ tensor: key, shape: [256, 512], expected: [512, 512] });
  });

  it('refuses a single shared latent (different_w=False), which the released models never use', () => {
    const error = detectError(reshaped(ref('full').weights, 'final_linear.weight', [512, 4096]));
    expect(error.code).toBe('BAD_CHECKPOINT');
    expect(error.message).toContain('final_linear.weight is [512, 4096], expected [8192, 4096]');
    expect(error.message).toContain('different_w');
  });

  it('matches PyTorch within 1e-4 at full size on a real face', async () => {
    const { weights, input, expected } = ref('full');
    const info = gfpganV1Clean.detect(weights);
    if (!info) throw new Error('not detected');
    const stats = diffStats(await runConverted(weights, info, input), expected);
    expect(stats.maxAbs, JSON.stringify(stats)).toBeLessThanOrEqual(1e-4);
  }, 300_000);

  it('reads the legacy format and a float16 copy of the full-size weights (≤ 1e-4, ≤ 1e-2)', async () => {
    const { input, expected } = ref('full');
    for (const [file, tolerance] of [
      ['full-legacy.pth', 1e-4],
      ['full-fp16.pth', 1e-2],
    ] as const) {
      const weights = await readCheckpoint(join(dir!.path, file));
      const info = gfpganV1Clean.detect(weights);
      if (!info) throw new Error(`${file}: not detected`);
      const stats = diffStats(await runConverted(weights, info, input), expected);
      expect(stats.maxAbs, `${file}: ${JSON.stringify(stats)}`).toBeLessThanOrEqual(tolerance);
    }
  }, 300_000);

  it('matches PyTorch within 1e-4 on the small configuration', async () => {
    const { weights, input, expected, contrastMaxAbs } = ref('small');
    const info = gfpganV1Clean.detect(weights);
    if (!info) throw new Error('not detected');
    const stats = diffStats(await runConverted(weights, info, input), expected);
    expect(stats.maxAbs, JSON.stringify(stats)).toBeLessThanOrEqual(1e-4);
    // Another face moves the output far more than the tolerance: the match sees the encoder too,
    // not only the decoder's constant input and noise.
    expect(contrastMaxAbs).toBeGreaterThan(1e-2);
  });
});
