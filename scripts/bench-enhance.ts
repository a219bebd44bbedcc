/**
 * npm run bench:enhance — the enhance pipeline on CPU with realesr-animevideov3 (x4):
 *  (a) pipeline wall time ÷ the summed bare session.run time of the same tiles (target ≤ 1.10);
 *  (b) images per minute on 256×256 inputs, through the job engine;
 *  (c) peak RSS of a fresh process upscaling a 3000×2000 photo 4× (target ≤ 1.5 GB).
 * The model comes from PIXELSMITH_MODELS_DIR (default ../shared/fixtures/models).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createCore } from '../core/app/createCore.js';
import { createLocalTransport } from '../core/app/localTransport.js';
import { buildClient } from '../core/contract/client.js';
import { waitUntilEnded } from '../core/kernel/cli/jobs.js';
import { decodeRaster, encodeRaster } from '../core/features/enhance/imageio.js';
import { SessionCache, sessionRunner } from '../core/features/enhance/sessions.js';
import { upscaleRaster } from '../core/features/enhance/upscale.js';

const here = dirname(fileURLToPath(import.meta.url));
const modelsDir = resolve(
  process.env.PIXELSMITH_MODELS_DIR ?? join(here, '..', '..', '..', 'shared', 'fixtures', 'models'),
);
const images = join(modelsDir, '..', 'images');
const model = join(modelsDir, 'realesr-animevideov3.onnx');
const RGB01 = { channels: 'RGB', range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] } as const;

async function enhanceOnce(
  input: Buffer,
  tile: number | 'auto',
): Promise<{ wallMs: number; runMs: number; tile: number; bytes: number }> {
  const sessions = new SessionCache(() => 0);
  const loaded = await sessions.get(model);
  const timing = { runMs: 0 };
  const t0 = performance.now();
  const raster = await decodeRaster(input, 1e9);
  const up = await upscaleRaster(raster, {
    runner: sessionRunner(loaded, timing),
    scale: 4,
    outscale: 4,
    convention: { ...RGB01, range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] },
    tile,
    alpha: 'lanczos',
  });
  const out = await encodeRaster({ ...up, original: input, format: 'png', quality: 90 });
  const wallMs = performance.now() - t0;
  await sessions.release();
  return { wallMs, runMs: timing.runMs, tile: up.tile, bytes: out.length };
}

if (process.argv[2] === '--rss-child') {
  // (c) runs alone in this process so its peak RSS is its own.
  const r = await enhanceOnce(readFileSync(process.argv[3] ?? ''), 'auto');
  process.stdout.write(JSON.stringify({ ...r, maxRssKb: process.resourceUsage().maxRSS }));
  process.exit(0);
}

const root = mkdtempSync(join(tmpdir(), 'pixelsmith-bench-enhance-'));
try {
  // (a) overhead of everything around session.run, on a 512×384 photo.
  const photo = await sharp(join(images, 'Blake_Lively.jpg'))
    .resize(512, 384)
    .jpeg({ quality: 92 })
    .toBuffer();
  await enhanceOnce(photo, 'auto');
  const a = await enhanceOnce(photo, 'auto');
  const tiled = await enhanceOnce(photo, 128);
  console.log(
    `(a) 512×384 → 2048×1536, tile ${a.tile}: pipeline ${a.wallMs.toFixed(0)} ms, session.run ${a.runMs.toFixed(0)} ms, ratio ${(a.wallMs / a.runMs).toFixed(3)} (target ≤ 1.10)`,
  );
  console.log(
    `    same with 128 px tiles: pipeline ${tiled.wallMs.toFixed(0)} ms, session.run ${tiled.runMs.toFixed(0)} ms, ratio ${(tiled.wallMs / tiled.runMs).toFixed(3)}`,
  );

  // (b) throughput through the job engine on 256×256 inputs.
  const src = join(root, 'in');
  mkdirSync(src);
  const names = [
    '0014.jpg',
    '0030.jpg',
    'ADE_val_00000114.jpg',
    'Adele_crop.png',
    '00003.png',
    'esrgan_gt_comic.png',
  ];
  for (const [i, name] of names.entries())
    await sharp(join(images, name))
      .resize(256, 256)
      .png()
      .toFile(join(src, `in-${i}.png`));
  const core = createCore({ dataDir: join(root, 'data'), shell: 'cli', runJobs: 'own', modelsDir });
  const t0 = performance.now();
  const api = buildClient(createLocalTransport(core));
  const job = await api.jobs.create({
    kind: 'enhance',
    options: { model: 'realesr-animevideov3', outscale: 4, format: 'png' },
    paths: [src],
    outDir: join(root, 'out'),
    priority: 'interactive',
  });
  await waitUntilEnded(api, [job.id]);
  const minutes = (performance.now() - t0) / 60_000;
  const done = (await api.jobs.get({ id: job.id, limit: 1 })).job.counts.done;
  await core.close();
  console.log(
    `(b) ${done} images 256×256 → 1024×1024 through the job engine: ${(done / minutes).toFixed(1)} images/min`,
  );

  // (c) peak memory for a large photo, in a fresh process.
  const big = join(root, 'big.jpg');
  writeFileSync(
    big,
    await sharp(join(images, '00.jpg')).resize(3000, 2000, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer(),
  );
  const child = JSON.parse(
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--rss-child', big], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    }),
  ) as { wallMs: number; runMs: number; tile: number; maxRssKb: number };
  console.log(
    `(c) 3000×2000 → 12000×8000, tile ${child.tile}: peak RSS ${(child.maxRssKb / 1024).toFixed(0)} MB (target ≤ 1536 MB), ${(child.wallMs / 1000).toFixed(1)} s, session.run ${(child.runMs / 1000).toFixed(1)} s, ratio ${(child.wallMs / child.runMs).toFixed(3)}`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
