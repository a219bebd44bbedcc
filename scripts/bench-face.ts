/**
 * npm run bench:face — face restoration on the CPU (ONNX Runtime's CPU provider), in this process:
 *
 *  - detection: `detectFaces` with each detector (RetinaFace mobilenet0.25 at 640×640, YuNet
 *    2023mar at a 640 long side) on the fixture photos (00.jpg, Blake_Lively.jpg,
 *    children-alpha.png, 00017_gray.png), after one untimed warm-up run each: median ms, ms per
 *    megapixel of the photo, faces found;
 *  - the face pass: `restoreFaces` (align → GFPGAN → paste back) on Blake_Lively.jpg over a 2×
 *    Lanczos background, with a random-weight GFPGANv1Clean at the released 512 configuration
 *    (v1.3 / v1.4 sizes) written by PyTorch (the tests' reference module), read by the checkpoint
 *    reader and converted by `convertToOnnx`, as `models import` does. Without PyTorch the state
 *    dict is drawn here from the architecture's shapes instead. Median ms per face (the pass's own
 *    per-face time), and of the bare `session.run` of the 1×3×512×512 face inside it;
 *  - PyTorch: the same checkpoint's forward on a 1×3×512×512 input in GFPGAN's own network
 *    (Debian's python3-torch, 2 threads, `torch.no_grad()`), one warm-up then median of
 *    max(3, BENCH_ROUNDS), and ONNX Runtime ÷ PyTorch; skipped with a note when
 *    `/usr/bin/python3 -c "import torch"` fails.
 *
 * Environment: BENCH_ROUNDS (default 5, at least 5 for detection), BENCH_THREADS (ONNX Runtime
 * intra-op threads, default 2, as PyTorch gets), PIXELSMITH_MODELS_DIR (default
 * ../shared/fixtures/models; the detectors), BENCH_IMAGES (default ../shared/fixtures/images).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { convertToOnnx } from '../core/features/enhance/arch/detect.js';
import { gfpganTensorShapes } from '../core/features/enhance/arch/gfpgan.js';
import { GFPGAN_FULL, GFPGAN_REFERENCE_PY } from '../core/features/enhance/arch/testing.js';
import { readCheckpoint } from '../core/features/enhance/checkpoint/read.js';
import type { CheckpointTensor, StateDict } from '../core/features/enhance/checkpoint/types.js';
import { detectFaces, type DetectorKind } from '../core/features/enhance/face/detect.js';
import { FACE_SIZE, restoreFaces, type FaceRestorer } from '../core/features/enhance/face/restore.js';
import { decodeRaster, type Raster } from '../core/features/enhance/imageio.js';
import { SessionCache, sessionRunner } from '../core/features/enhance/sessions.js';
import { lanczosUpscale } from '../core/features/enhance/upscale.js';

const self = fileURLToPath(import.meta.url);
// Built, this runs from dist/scripts/: the repository is two folders up.
const repo = resolve(dirname(self), '..', '..');
const modelsDir = resolve(
  process.env.PIXELSMITH_MODELS_DIR ?? join(repo, '..', 'shared', 'fixtures', 'models'),
);
const imagesDir = resolve(process.env.BENCH_IMAGES ?? join(modelsDir, '..', 'images'));
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const TORCH_ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 5));
const THREADS = Math.max(1, Number(process.env.BENCH_THREADS ?? 2));
const PYTHON = '/usr/bin/python3';
// YuNet declares its outputs at 640×640 and runs at the photo's own aspect: ORT warns about the
// shapes on every run (12 lines). Errors only, before the first session is made.
ort.env.logLevel = 'error';

const DETECTORS: [DetectorKind, string][] = [
  ['retinaface', 'retinaface_mobilenet0.25_640.onnx'],
  ['yunet', 'face_detection_yunet_2023mar.onnx'],
];
const PHOTOS = ['00.jpg', 'Blake_Lively.jpg', 'children-alpha.png', '00017_gray.png'];
const FACE_PHOTO = 'Blake_Lively.jpg';
const OUTSCALE = 2;

/** GFPGAN's own network on the checkpoint: a warm-up, then each forward's ms, as JSON. */
const TORCH_FORWARD = `${GFPGAN_REFERENCE_PY}
import time
cfg = json.loads(sys.argv[1])
net = GFPGANv1Clean(cfg['out_size'], cfg['num_style_feat'], cfg['channel_multiplier'], cfg['narrow'], cfg['sft_half'])
net.load_state_dict(torch.load(sys.argv[2], map_location='cpu')['params_ema'])
net.eval()
torch.manual_seed(0)
x = torch.rand(1, 3, cfg['out_size'], cfg['out_size']) * 2 - 1
times = []
with torch.no_grad():
    net(x)
    for _ in range(int(sys.argv[3])):
        t0 = time.perf_counter()
        net(x)
        times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({'ms': times, 'threads': torch.get_num_threads(), 'version': torch.__version__}))
`;

const SAVE_CHECKPOINT = `${GFPGAN_REFERENCE_PY}
net = random_gfpgan(json.loads(sys.argv[1]))
torch.save({'params_ema': net.state_dict()}, sys.argv[2])
`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fixed = (v: number, digits: number, width: number): string => v.toFixed(digits).padStart(width);

function python(source: string, args: string[]): string {
  const r = spawnSync(PYTHON, ['-c', source, ...args], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 ** 2,
    env: { ...process.env, OMP_NUM_THREADS: '2', PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.status !== 0) throw new Error(`python exited with ${r.status}:\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

/** A GFPGAN-size state dict without PyTorch: each tensor N(0, 0.02), seeded (mulberry32). */
function drawnWeights(): StateDict {
  let state = 1;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  const { out_size, num_style_feat, channel_multiplier, narrow, sft_half } = GFPGAN_FULL;
  const sizes = { out_size, num_style_feat, channel_multiplier, narrow, sft_half: sft_half ? 1 : 0 };
  const weights = new Map<string, CheckpointTensor>();
  for (const [key, shape] of gfpganTensorShapes(sizes)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i += 1)
      data[i] = 0.02 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    weights.set(key, { shape, dtype: 'float32', data });
  }
  return weights;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pixelsmith-bench-face-'));
  const sessions = new SessionCache(() => THREADS);
  try {
    const torch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
    const photos = new Map<string, Raster>();
    for (const file of PHOTOS) photos.set(file, await decodeRaster(readFileSync(join(imagesDir, file)), 1e9));

    console.log(
      `bench:face — ONNX Runtime CPU, ${THREADS} intra-op thread(s); detection: warm-up + median of ${ROUNDS}`,
    );
    console.log('  detector     photo                 size         MP     ms   ms/MP  faces');
    for (const [kind, file] of DETECTORS) {
      const loaded = await sessions.get(join(modelsDir, file));
      for (const [name, raster] of photos) {
        const mp = (raster.width * raster.height) / 1e6;
        let faces = (await detectFaces(raster, kind, loaded.session)).faces.length;
        const times: number[] = [];
        for (let round = 0; round < ROUNDS; round += 1) {
          const t0 = performance.now();
          faces = (await detectFaces(raster, kind, loaded.session)).faces.length;
          times.push(performance.now() - t0);
        }
        const ms = median(times);
        console.log(
          `  ${kind.padEnd(12)} ${name.padEnd(20)} ${`${raster.width}×${raster.height}`.padEnd(10)} ${fixed(mp, 2, 5)} ${fixed(ms, 1, 6)} ${fixed(ms / mp, 1, 7)} ${String(faces).padStart(6)}`,
        );
      }
    }

    // The face model: a random-weight GFPGANv1Clean (512, channel multiplier 2) converted to ONNX.
    const pth = join(root, 'gfpgan.pth');
    let weights: StateDict;
    if (torch) {
      python(SAVE_CHECKPOINT, [JSON.stringify(GFPGAN_FULL), pth]);
      weights = await readCheckpoint(pth);
    } else {
      console.log(`NOTE  ${PYTHON} cannot import torch: GFPGAN weights drawn here, N(0, 0.02)`);
      weights = drawnWeights();
    }
    const t0 = performance.now();
    const { info, bytes } = convertToOnnx(weights);
    const convertMs = performance.now() - t0;
    const onnx = join(root, 'gfpgan.onnx');
    writeFileSync(onnx, bytes);
    const loaded = await sessions.get(onnx);
    const timing = { runMs: 0 };
    const runner = sessionRunner(loaded, timing);
    const runMs: number[] = [];
    const restorer: FaceRestorer = {
      runner: {
        async run(input, height, width) {
          const before = timing.runMs;
          const out = await runner.run(input, height, width);
          runMs.push(timing.runMs - before);
          return out;
        },
      },
      convention: info.convention,
    };
    const retinaface = await sessions.get(join(modelsDir, DETECTORS[0]![1]));
    const photo = photos.get(FACE_PHOTO)!;
    const background = await lanczosUpscale(photo, OUTSCALE);
    const pass = () =>
      restoreFaces(photo, { ...background, color: background.color.slice() }, restorer, {
        detector: 'retinaface',
        detectorSession: retinaface.session,
        select: 'all',
        strength: 0.5,
      });
    await pass();
    runMs.length = 0;
    const perFace: number[] = [];
    const detectMs: number[] = [];
    let faces = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const result = await pass();
      faces = result.faces.length;
      detectMs.push(result.detectMs);
      perFace.push(...result.faces.map((f) => f.ms));
    }
    const ortMs = median(runMs);
    console.log(
      `\nface pass — ${FACE_PHOTO} ${photo.width}×${photo.height} → ${background.width}×${background.height} (Lanczos ×${OUTSCALE}), ${faces} faces, ` +
        `GFPGANv1Clean ${FACE_SIZE} (${info.arch}, ${(bytes.length / 1024 ** 2).toFixed(0)} MB ONNX, converted in ${convertMs.toFixed(0)} ms), warm-up + median of ${ROUNDS}`,
    );
    console.log('  detect ms   ms per face (align + GFPGAN + paste)   of which session.run ms');
    console.log(
      `  ${fixed(median(detectMs), 1, 9)}   ${fixed(median(perFace), 1, 36)}   ${fixed(ortMs, 1, 24)}`,
    );

    if (!torch) {
      console.log(
        `\nSKIP  PyTorch's own forward: ${PYTHON} cannot import torch (apt-get install -y python3-torch)`,
      );
      return;
    }
    const ref = JSON.parse(
      python(TORCH_FORWARD, [JSON.stringify(GFPGAN_FULL), pth, String(TORCH_ROUNDS)]),
    ) as {
      ms: number[];
      threads: number;
      version: string;
    };
    const torchMs = median(ref.ms);
    console.log(
      `\nGFPGAN's own network — PyTorch ${ref.version}, ${ref.threads} threads, torch.no_grad(), 1×3×${FACE_SIZE}×${FACE_SIZE}, warm-up + median of ${TORCH_ROUNDS}`,
    );
    console.log('  PyTorch forward ms   ONNX Runtime session.run ms   ONNX Runtime ÷ PyTorch');
    console.log(`  ${fixed(torchMs, 1, 17)}   ${fixed(ortMs, 1, 27)}   ${fixed(ortMs / torchMs, 2, 22)}`);
  } finally {
    await sessions.release();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
