import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_IMAGES } from '../../../../test/helpers/fixtures.js';
import { openModel, runSession } from '../../../../test/helpers/onnx/models.js';
import { maxAbsDiff } from '../../../../test/helpers/onnx/reference.js';
import { runPython, torchAvailable } from '../../../../test/helpers/torch.js';
import { convertToOnnx } from './detect.js';
import {
  PY_TENSOR_IO,
  RRDB_REFERENCE_PY,
  imageCrop,
  readFloat32,
  readTensorExport,
  writeFloat32,
} from './testing.js';

/**
 * The references, written from the networks' definitions: basicsr's RRDBNet (optionally under
 * ESRGAN RRDBNet_arch.py's module names), and the original ESRGAN's single flattened Sequential,
 * whose state dict has the old `model.N` keys by construction. Weights are each module's own
 * PyTorch init (random weights and biases), seeded.
 */
const REFERENCE = `${PY_TENSOR_IO}${RRDB_REFERENCE_PY}
import sys

job = json.load(open(sys.argv[1]))
for case in job['cases']:
    torch.manual_seed(case['seed'])
    args = (case['scale'], case['num_feat'], case['num_block'], case['num_grow_ch'])
    net = OldESRGAN(*args) if case['layout'] == 'rrdb-old' else RRDBNet(case['layout'], *args)
    net.eval()
    save_state(net.state_dict(), case['export'])
    with torch.no_grad():
        x = load_tensor(case['input'], [1, 3, case['height'], case['width']])
        save_tensor(net(x), case['export'] + '.out')
`;

interface Case {
  name: string;
  layout: 'rrdb' | 'rrdb-trunk' | 'rrdb-old';
  scale: number;
  /** basicsr ×2 and ×1 pixel-unshuffle by 2 and 4; the old layout's ×2 has one upsampler. */
  inputMultiple: number;
  width: number;
  height: number;
}

/** Odd sizes where the network allows them; multiples of 2 and 4 where it pixel-unshuffles. */
const CASES: Case[] = [
  { name: 'basicsr-x4', layout: 'rrdb', scale: 4, inputMultiple: 1, width: 13, height: 11 },
  { name: 'basicsr-x2', layout: 'rrdb', scale: 2, inputMultiple: 2, width: 14, height: 10 },
  { name: 'basicsr-x1', layout: 'rrdb', scale: 1, inputMultiple: 4, width: 20, height: 12 },
  { name: 'old-x4', layout: 'rrdb-old', scale: 4, inputMultiple: 1, width: 9, height: 7 },
  { name: 'old-x2', layout: 'rrdb-old', scale: 2, inputMultiple: 1, width: 11, height: 13 },
  { name: 'trunk-x4', layout: 'rrdb-trunk', scale: 4, inputMultiple: 1, width: 10, height: 9 },
];
const SIZES = { num_feat: 16, num_block: 2, num_grow_ch: 8 };

describe.skipIf(!torchAvailable)('RRDBNet rebuilt from PyTorch weights', () => {
  let dir: string;
  const inputs = new Map<string, Float32Array>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pixelsmith-rrdb-'));
    for (const [k, c] of CASES.entries()) {
      const data = await imageCrop(join(FIXTURE_IMAGES, '00003.png'), 40 * k, 90, c.width, c.height);
      inputs.set(c.name, data);
      writeFloat32(join(dir, `${c.name}.in`), data);
    }
    const job = {
      cases: CASES.map((c, k) => ({
        ...c,
        ...SIZES,
        seed: 100 + k,
        input: join(dir, `${c.name}.in`),
        export: join(dir, c.name),
      })),
    };
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    runPython(REFERENCE, [join(dir, 'job.json')]);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.layout} ×${c.scale} matches the PyTorch forward pass at ${c.width}×${c.height}`, async () => {
      const weights = readTensorExport(join(dir, c.name));
      const { info, bytes } = convertToOnnx(weights);
      expect(info).toMatchObject({
        arch: c.layout,
        scale: c.scale,
        params: SIZES,
        inputMultiple: c.inputMultiple,
      });
      const session = await openModel(bytes);
      try {
        const out = await runSession(session, inputs.get(c.name)!, [1, 3, c.height, c.width]);
        expect(out.dims).toEqual([1, 3, c.height * c.scale, c.width * c.scale]);
        const want = readFloat32(join(dir, `${c.name}.out`));
        const diff = maxAbsDiff(out.data, want);
        const peak = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        console.info(`${c.name}: max |ours - torch| = ${diff} (max |torch| = ${peak})`);
        // Random weights still give an output worth comparing.
        expect(peak).toBeGreaterThan(0.01);
        expect(diff).toBeLessThanOrEqual(1e-4);
      } finally {
        await session.release();
      }
    });
  }
});
