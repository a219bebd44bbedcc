/**
 * Official weights, no Python: checkpoints saved by PyTorch itself (zip and legacy formats, and a
 * float16 copy) go through the reader, the architecture detection and the ONNX graph, and the
 * graph gives what the PyTorch network gives. The reference networks are small Python modules
 * written from the architectures' definitions (`arch/testing.ts`), with random weights.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/fixtures.js';
import { maxAbsDiff } from '../../../test/helpers/onnx/reference.js';
import { runPython, torchAvailable } from '../../../test/helpers/torch.js';
import { convertToOnnx } from './arch/detect.js';
import { PY_TENSOR_IO, RRDB_REFERENCE_PY, readFloat32, writeFloat32 } from './arch/testing.js';
import { readCheckpoint } from './checkpoint/read.js';
import { sessionRunner } from './sessions.js';
import { upscaleRaster } from './upscale.js';

const SAVE = `${PY_TENSOR_IO}${RRDB_REFERENCE_PY}
import sys

out = sys.argv[1]
for name, scale, w, h in [('x4', 4, 13, 11), ('x2', 2, 14, 10)]:
    torch.manual_seed(7 + scale)
    net = RRDBNet('rrdb', scale, 16, 2, 8).eval()
    state = net.state_dict()
    # As Real-ESRGAN releases them: the weights under params_ema (and the raw ones under params).
    torch.save({'params_ema': state, 'params': {k: v * 0 for k, v in state.items()}}, f'{out}/{name}.pth')
    torch.save({'params_ema': state}, f'{out}/{name}-legacy.pth', _use_new_zipfile_serialization=False)
    torch.save({'params_ema': {k: v.half() for k, v in state.items()}}, f'{out}/{name}-fp16.pth')
    x = load_tensor(f'{out}/{name}.in', [1, 3, h, w])
    with torch.no_grad():
        save_tensor(net(x), f'{out}/{name}.out')
        half = RRDBNet('rrdb', scale, 16, 2, 8).eval()
        half.load_state_dict({k: v.half().float() for k, v in state.items()})
        save_tensor(half(x), f'{out}/{name}-fp16.out')
    if scale == 2:
        # The tiler's view of a 23×17 photo: reflect pre-pad 10 px, then to even sizes (11 px).
        photo = load_tensor(f'{out}/photo.in', [1, 3, 17, 23])
        with torch.no_grad():
            y = net(F.pad(photo, (0, 11, 0, 11), mode='reflect'))[:, :, : 17 * 2, : 23 * 2]
        save_tensor(y, f'{out}/photo.out')
`;

/** Deterministic inputs in 0..1. */
function pattern(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 1) out[i] = (Math.sin(i * 0.37 + seed) + 1) / 2;
  return out;
}

describe.skipIf(!torchAvailable)('PyTorch checkpoints converted and run on ONNX Runtime', () => {
  const dir = tempDir('pixelsmith-checkpoints-');
  const inputs: Record<string, { data: Float32Array; w: number; h: number }> = {
    x4: { data: pattern(3 * 13 * 11, 1), w: 13, h: 11 },
    x2: { data: pattern(3 * 14 * 10, 2), w: 14, h: 10 },
  };
  const photo = new Uint8Array(23 * 17 * 3).map((_, i) => (i * 37 + (i >> 5) * 11) & 0xff);

  beforeAll(() => {
    for (const [name, input] of Object.entries(inputs))
      writeFloat32(join(dir.path, `${name}.in`), input.data);
    const planar = new Float32Array(3 * 23 * 17);
    for (let p = 0; p < 23 * 17; p += 1)
      for (let c = 0; c < 3; c += 1) planar[c * 23 * 17 + p] = photo[p * 3 + c]! / 255;
    writeFloat32(join(dir.path, 'photo.in'), planar);
    runPython(SAVE, [dir.path]);
  }, 240_000);
  afterAll(() => dir.cleanup());

  async function convertAndRun(file: string, input: { data: Float32Array; w: number; h: number }) {
    const weights = await readCheckpoint(join(dir.path, file));
    const { info, bytes } = convertToOnnx(weights);
    const session = await ort.InferenceSession.create(bytes);
    try {
      const out = await session.run({
        input: new ort.Tensor('float32', input.data, [1, 3, input.h, input.w]),
      });
      return { info, session, output: out.output!.data as Float32Array };
    } finally {
      await session.release();
    }
  }

  it.each(['x4', 'x2'])('RRDBNet %s: zip and legacy checkpoints match PyTorch within 1e-4', async (name) => {
    const expected = readFloat32(join(dir.path, `${name}.out`));
    for (const file of [`${name}.pth`, `${name}-legacy.pth`]) {
      const { info, output } = await convertAndRun(file, inputs[name]!);
      expect(info).toMatchObject({ arch: 'rrdb', scale: name === 'x4' ? 4 : 2 });
      expect(maxAbsDiff(output, expected), file).toBeLessThanOrEqual(1e-4);
    }
  });

  it.each(['x4', 'x2'])(
    'RRDBNet %s: a float16 copy matches within 1e-2 (1e-4 of its own rounding)',
    async (name) => {
      const { info, output } = await convertAndRun(`${name}-fp16.pth`, inputs[name]!);
      expect(info.arch).toBe('rrdb');
      expect(maxAbsDiff(output, readFloat32(join(dir.path, `${name}.out`)))).toBeLessThanOrEqual(1e-2);
      expect(maxAbsDiff(output, readFloat32(join(dir.path, `${name}-fp16.out`)))).toBeLessThanOrEqual(1e-4);
    },
  );

  it('a ×2 network that takes only even sizes upscales an odd photo through the tiler', async () => {
    const { info, bytes } = convertToOnnx(await readCheckpoint(join(dir.path, 'x2.pth')));
    expect(info.inputMultiple).toBe(2);
    const session = await ort.InferenceSession.create(bytes);
    try {
      const result = await upscaleRaster(
        { data: photo, width: 23, height: 17, channels: 3, depth: 8, hasAlpha: false },
        {
          runner: sessionRunner({
            session,
            provider: 'cpu',
            inputName: 'input',
            outputName: 'output',
            fallbacks: [],
          }),
          scale: 2,
          outscale: 2,
          convention: { channels: 'RGB', range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] },
          tile: 'auto',
          inputMultiple: info.inputMultiple,
          alpha: 'lanczos',
        },
      );
      const torch = readFloat32(join(dir.path, 'photo.out'));
      const plane = 46 * 34;
      let worst = 0;
      for (let p = 0; p < plane; p += 1)
        for (let c = 0; c < 3; c += 1) {
          const want = Math.round(Math.min(1, Math.max(0, torch[c * plane + p]!)) * 255);
          worst = Math.max(worst, Math.abs(result.color[p * 3 + c]! - want));
        }
      // 8-bit output: the same pixels, give or take the last rounding step.
      expect(worst).toBeLessThanOrEqual(1);
    } finally {
      await session.release();
    }
  });
});
