import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, FIXTURE_IMAGES } from '../../../../test/helpers/fixtures.js';
import { openModel, runSession } from '../../../../test/helpers/onnx/models.js';
import { maxAbsDiff } from '../../../../test/helpers/onnx/reference.js';
import { runPython, torchAvailable } from '../../../../test/helpers/torch.js';
import { convertToOnnx } from './detect.js';
import { PY_TENSOR_IO, imageCrop, readFloat32, readTensorExport, writeFloat32 } from './testing.js';

/**
 * The reference: SRVGGNetCompact written from Real-ESRGAN's definition (a ModuleList of convs and
 * PReLUs, PixelShuffle, plus the input upsampled nearest), loaded strictly with the official
 * weights, which it then exports for our graph. It runs every crop given.
 */
const REFERENCE = `${PY_TENSOR_IO}
import sys

class SRVGGNetCompact(nn.Module):
    def __init__(self, num_feat, num_conv, upscale):
        super().__init__()
        self.upscale = upscale
        layers = [nn.Conv2d(3, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        layers.append(nn.Conv2d(num_feat, 3 * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        return self.upsampler(out) + F.interpolate(x, scale_factor=self.upscale, mode='nearest')

job = json.load(open(sys.argv[1]))
for case in job['cases']:
    checkpoint = torch.load(case['weights'], map_location='cpu')
    state = checkpoint.get('params_ema', checkpoint.get('params', checkpoint))
    net = SRVGGNetCompact(num_feat=64, num_conv=16, upscale=4)
    net.load_state_dict(state, strict=True)
    net.eval()
    save_state(net.state_dict(), case['export'])
    with torch.no_grad():
        for crop in job['crops']:
            x = load_tensor(crop['input'], [1, 3, crop['height'], crop['width']])
            save_tensor(net(x), case['export'] + '.' + crop['name'] + '.out')
`;

const WEIGHTS = ['realesr-animevideov3.pth', 'RealESRGANv2-animevideo-xsx4.pth'];

/** Real photo crops, one of them odd-sized. */
const CROPS = [
  { name: 'branches', file: '00003.png', left: 200, top: 100, width: 64, height: 48 },
  { name: 'scene', file: 'ADE_val_00000114.jpg', left: 31, top: 77, width: 37, height: 29 },
];

describe.skipIf(!torchAvailable)('SRVGGNetCompact rebuilt from the official weights', () => {
  let dir: string;
  const inputs = new Map<string, Float32Array>();
  let fixtureModel: InferenceSession;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pixelsmith-srvgg-'));
    for (const crop of CROPS) {
      const data = await imageCrop(
        join(FIXTURE_IMAGES, crop.file),
        crop.left,
        crop.top,
        crop.width,
        crop.height,
      );
      inputs.set(crop.name, data);
      writeFloat32(join(dir, `${crop.name}.in`), data);
    }
    const job = {
      cases: WEIGHTS.map((file) => ({ weights: join(FIXTURES, 'weights', file), export: join(dir, file) })),
      crops: CROPS.map((c) => ({
        name: c.name,
        input: join(dir, `${c.name}.in`),
        width: c.width,
        height: c.height,
      })),
    };
    const jobFile = join(dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));
    runPython(REFERENCE, [jobFile]);
    fixtureModel = await openModel(readFileSync(join(FIXTURES, 'models', 'realesr-animevideov3.onnx')));
  }, 120_000);

  afterAll(async () => {
    await fixtureModel?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const file of WEIGHTS) {
    it(`${file}: matches the PyTorch forward pass on photo crops`, async () => {
      const weights = readTensorExport(join(dir, file));
      const { info, bytes } = convertToOnnx(weights);
      expect(info).toMatchObject({
        arch: 'srvgg',
        task: 'upscale',
        scale: 4,
        params: { num_feat: 64, num_conv: 16 },
        inputMultiple: 1,
      });
      const session = await openModel(bytes);
      try {
        for (const crop of CROPS) {
          const out = await runSession(session, inputs.get(crop.name)!, [1, 3, crop.height, crop.width]);
          expect(out.dims).toEqual([1, 3, crop.height * 4, crop.width * 4]);
          const want = readFloat32(join(dir, `${file}.${crop.name}.out`));
          const diff = maxAbsDiff(out.data, want);
          console.info(`${file} ${crop.name} ${crop.width}x${crop.height}: max |ours - torch| = ${diff}`);
          expect(diff).toBeLessThanOrEqual(1e-4);
        }
      } finally {
        await session.release();
      }
    });
  }

  it('realesr-animevideov3: matches the fixture ONNX export of the same weights', async () => {
    const { bytes } = convertToOnnx(readTensorExport(join(dir, 'realesr-animevideov3.pth')));
    const session = await openModel(bytes);
    try {
      for (const crop of CROPS) {
        const dims = [1, 3, crop.height, crop.width];
        const ours = await runSession(session, inputs.get(crop.name)!, dims);
        const theirs = await runSession(fixtureModel, inputs.get(crop.name)!, dims);
        expect(ours.dims).toEqual(theirs.dims);
        const diff = maxAbsDiff(ours.data, theirs.data);
        console.info(`animevideov3 ${crop.name}: max |ours - fixture ONNX| = ${diff}`);
        expect(diff).toBeLessThanOrEqual(1e-4);
      }
    } finally {
      await session.release();
    }
  });
});
