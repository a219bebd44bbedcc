/**
 * npm run bench:enhance — the enhance pipeline (realesr-animevideov3, x4, ONNX Runtime on the CPU)
 * against the simplest code that does the same work, on the same inputs, paired per round:
 *
 *  - CLI:   `pixelsmith enhance <file> --scale 4 --format png` in a fresh process (wall time);
 *  - API:   the core API (createCore → jobs.create → waitUntilEnded) in a fresh process, the
 *           session already loaded by an untimed job on a tiny image (the app, open): timed from
 *           jobs.create to the job's end;
 *  - bare:  a script written here, in a fresh process, importing nothing of Pixelsmith: sharp
 *           decode → one session.run per tile of the pipeline's grid (the minimum the image
 *           needs: one for an image that fits a tile) → the cores copied into a canvas → PNG;
 *  - torch: the same network in PyTorch on the CPU (scripts/bench/torch_ref.py, Debian's
 *           python3-torch), in a fresh process, on the same tile grid; skipped when
 *           `/usr/bin/python3 -c "import torch"` fails (or BENCH_TORCH=0).
 *
 * Each round runs every contender on every size, in alternating order; medians over rounds (of
 * the per-round ratios, for ratios). Every contender has a process of its own, so none runs in a
 * process another has warmed or filled. Peak RSS is each process's own (the CLI, API and bare
 * ones through scripts/bench/rss-report.mjs, PyTorch's through getrusage). MB = 2^20 bytes, as formatBytes.
 *
 * Targets (exit code 1 when one is missed): CLI ÷ bare ≤ 1.05 and model pixels ÷ image pixels
 * ≤ 1.15 for images of 1 MP and more; exactly (W+10)(H+10)/(WH) for images that fit one tile;
 * CLI peak RSS ≤ 900 MB for 3000×2000 → 12000×8000 PNG.
 *
 * Environment: BENCH_ROUNDS (default 5), BENCH_SIZES (default 256x256,512x512,1000x700,3000x2000),
 * BENCH_TORCH=0 (skip PyTorch), PIXELSMITH_MODELS_DIR (default ../shared/fixtures/models).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

const self = fileURLToPath(import.meta.url);
// Built, this runs from dist/scripts/: the repository is two folders up.
const here = dirname(self);
const repo = resolve(here, '..', '..');
const modelsDir = resolve(
  process.env.PIXELSMITH_MODELS_DIR ?? join(repo, '..', 'shared', 'fixtures', 'models'),
);
const fixtures = join(modelsDir, '..');
const model = join(modelsDir, 'realesr-animevideov3.onnx');
const weights = join(fixtures, 'weights', 'realesr-animevideov3.pth');
const cliBin = join(repo, 'bin', 'pixelsmith.js');
const rssPreload = pathToFileURL(join(repo, 'scripts', 'bench', 'rss-report.mjs')).href;
const torchScript = join(repo, 'scripts', 'bench', 'torch_ref.py');
const PYTHON = '/usr/bin/python3';

// The pipeline's tiling, restated (not imported): x4, cores overlapping by 16, 10 px of context
// on each side, 10 px reflect pre-pad on the right and bottom, tile side from a 512 MiB budget (as core/features/enhance/upscale.ts).
const SCALE = 4;
const OVERLAP = 16;
const PAD = 10;
const PRE_PAD = 10;
const BUDGET = 512 * 1024 ** 2;

function autoTile(): number {
  const side = Math.floor(Math.sqrt(BUDGET / (1024 + 48 * SCALE * SCALE))) - 2 * PAD;
  return Math.max(64, Math.min(2048, side - (side % 8)));
}

interface Tile {
  /** Core [x, x + w) × [y, y + h), copied to the output. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Context [cx, cx + cw) × [cy, cy + ch), given to the model (past the image: reflected). */
  cx: number;
  cy: number;
  cw: number;
  ch: number;
}

function axis(length: number, side: number): { start: number; length: number; c0: number; c1: number }[] {
  const cores: [number, number][] = [];
  if (length + PRE_PAD <= side) cores.push([0, length]);
  else {
    const n = Math.ceil((length - OVERLAP) / (side - OVERLAP));
    const step = Math.ceil((length - OVERLAP) / n);
    const count = Math.ceil((length - OVERLAP) / step);
    for (let i = 0; i < count; i += 1) cores.push([i * step, Math.min(step + OVERLAP, length - i * step)]);
  }
  return cores.map(([start, len]) => ({
    start,
    length: len,
    c0: Math.max(0, start - PAD),
    c1: start + len === length ? length + PRE_PAD : Math.min(length + PRE_PAD, start + len + PAD),
  }));
}

function tilesFor(width: number, height: number, side: number): Tile[] {
  const tiles: Tile[] = [];
  for (const ys of axis(height, side))
    for (const xs of axis(width, side))
      tiles.push({
        x: xs.start,
        y: ys.start,
        w: xs.length,
        h: ys.length,
        cx: xs.c0,
        cy: ys.c0,
        cw: xs.c1 - xs.c0,
        ch: ys.c1 - ys.c0,
      });
  return tiles;
}

/** numpy 'reflect' past the right/bottom edge (… n-2 n-1 | n-2 n-3 …); contexts never go below 0. */
const reflect = (i: number, n: number): number => (i < n ? i : 2 * (n - 1) - i);

/** The bare script: what someone would write with sharp and onnxruntime-node, and nothing else. */
async function bare(input: string, output: string, side: number): Promise<void> {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model);
  const sessionMs = performance.now() - t0;
  const t1 = performance.now();
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const outW = width * SCALE;
  const canvas = new Uint8ClampedArray(outW * height * SCALE * 3);
  const tiles = tilesFor(width, height, side);
  let inferMs = 0;
  let modelPixels = 0;
  for (const t of tiles) {
    const area = t.cw * t.ch;
    const x = new Float32Array(3 * area);
    for (let j = 0; j < t.ch; j += 1) {
      const row = reflect(t.cy + j, height) * width;
      for (let i = 0; i < t.cw; i += 1) {
        const p = (row + reflect(t.cx + i, width)) * 3;
        const o = j * t.cw + i;
        x[o] = data[p]! / 255;
        x[area + o] = data[p + 1]! / 255;
        x[2 * area + o] = data[p + 2]! / 255;
      }
    }
    modelPixels += area;
    const r0 = performance.now();
    const result = await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, t.ch, t.cw]),
    });
    inferMs += performance.now() - r0;
    const y = result[session.outputNames[0]!]!.data as Float32Array;
    const ow = t.cw * SCALE;
    const plane = ow * t.ch * SCALE;
    for (let j = 0; j < t.h * SCALE; j += 1) {
      const src = ((t.y - t.cy) * SCALE + j) * ow + (t.x - t.cx) * SCALE;
      const dst = ((t.y * SCALE + j) * outW + t.x * SCALE) * 3;
      for (let i = 0; i < t.w * SCALE; i += 1) {
        // Uint8ClampedArray clamps and rounds.
        canvas[dst + i * 3] = y[src + i]! * 255;
        canvas[dst + i * 3 + 1] = y[plane + src + i]! * 255;
        canvas[dst + i * 3 + 2] = y[2 * plane + src + i]! * 255;
      }
    }
  }
  await sharp(canvas, { raw: { width: outW, height: height * SCALE, channels: 3 } })
    .png({ compressionLevel: 2, adaptiveFiltering: false })
    .toFile(output);
  const pipelineMs = performance.now() - t1;
  process.stdout.write(
    JSON.stringify({ sessionMs, pipelineMs, inferMs, runs: tiles.length, modelPixels, side }) + '\n',
  );
}

if (process.argv[2] === '--bare') {
  await bare(process.argv[3] ?? '', process.argv[4] ?? '', Number(process.argv[5]));
  process.exit(0);
}
if (process.argv[2] === '--api') {
  await apiChild(process.argv[3] ?? '', process.argv[4] ?? '', process.argv[5] ?? '');
  process.exit(0);
}

// ───────────────────────────── the benchmark ─────────────────────────────

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const SIZE_LIST = (process.env.BENCH_SIZES ?? '256x256,512x512,1000x700,3000x2000')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const ONE_MP = 1_000_000;
const RSS_TARGET_MB = 900;
const RSS_SIZE = '3000x2000';

/** Real photos from the fixtures, resized (cover) to each size; 3000×2000 from 00.jpg. */
const SOURCES: Record<string, string> = {
  '256x256': 'ADE_val_00000114.jpg',
  '512x512': 'Adele_crop.png',
  '1000x700': 'Blake_Lively.jpg',
  '3000x2000': '00.jpg',
};

interface Size {
  label: string;
  w: number;
  h: number;
  file: string;
  plan: string;
  tiles: Tile[];
}

interface Run {
  ms: number;
  rssKb: number | null;
  /** Pixelsmith's own figures (CLI and API) or the script's (bare, torch). */
  ratio?: number;
  tiles?: number;
  inferMs?: number;
  glueMs?: number;
  /** bare and torch: time from decode to the written file (no start-up, no model load). */
  pipelineMs?: number;
  output?: string;
  /** The run's own folder (data folder, output), removed once the run is looked at. */
  dir?: string;
  provider?: string;
}

type Contender = 'cli' | 'api' | 'bare' | 'torch';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function childRun(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ ms: number; stdout: string; pid: number }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    let ms = 0;
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('exit', () => (ms = performance.now() - t0));
    child.on('close', (code) => {
      if (code === 0) done({ ms, stdout, pid: child.pid ?? 0 });
      else fail(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-3000)}`));
    });
  });
}

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;

/** Flushes other runs' dirty pages first, so no contender's fsync pays for another's writes. */
function flushDisk(): void {
  if (process.platform !== 'win32') execFileSync('sync');
}

const root = mkdtempSync(join(tmpdir(), 'pixelsmith-bench-enhance-'));
const rssDir = join(root, 'rss');
mkdirSync(rssDir);
const readRss = (pid: number): number | null => {
  const file = join(rssDir, `${pid}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { maxRssKb: number }).maxRssKb : null;
};
const side = autoTile();
let counter = 0;
const fresh = (what: string): string => {
  const dir = join(root, `${what}-${(counter += 1)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

async function runCli(size: Size): Promise<Run> {
  const dir = fresh('cli');
  const dataDir = join(dir, 'data');
  const out = join(dir, 'out');
  const env = { PIXELSMITH_MODELS_DIR: modelsDir, BENCH_RSS_DIR: rssDir };
  flushDisk();
  const r = await childRun(
    process.execPath,
    ['--import', rssPreload, cliBin, '--data-dir', dataDir, 'enhance', size.file, '--scale', '4'].concat([
      '--format',
      'png',
      '--out',
      out,
    ]),
    env,
  );
  const id = /Job (\S+) started/.exec(r.stdout)?.[1];
  if (!id) throw new Error(`no job id in the CLI's output:\n${r.stdout}`);
  const shown = await childRun(process.execPath, [
    cliBin,
    '--data-dir',
    dataDir,
    'jobs',
    'show',
    id,
    '--json',
  ]);
  const item = (
    JSON.parse(shown.stdout) as {
      items: { status: string; outputPath: string | null; details: Record<string, string | number> | null }[];
    }
  ).items[0];
  if (item?.status !== 'done' || !item.details) throw new Error(`the CLI's item is ${item?.status}`);
  return { ...fromDetails(r.ms, readRss(r.pid), item.details, item.outputPath), dir };
}

function fromDetails(
  ms: number,
  rssKb: number | null,
  d: Record<string, string | number>,
  output: string | null,
): Run {
  return {
    ms,
    rssKb,
    ratio: Number(d.modelPixelRatio),
    tiles: Number(d.tiles),
    inferMs: Number(d.inferMs),
    glueMs: Number(d.glueMs),
    provider: String(d.provider),
    ...(output && { output }),
  };
}

/** A tiny input for untimed warm-up runs (and the API's session-loading job). */
let warm: Size | null = null;

/**
 * The core API in a child process of its own (as the CLI and bare runs are), so no contender
 * runs in a process another has warmed or filled: a job on a tiny photo loads the session, then
 * the timed job runs. Prints the time and the item as JSON.
 */
async function apiChild(input: string, warmInput: string, dataDir: string): Promise<void> {
  const { createCore } = await import('../core/app/createCore.js');
  const { createLocalTransport } = await import('../core/app/localTransport.js');
  const { buildClient } = await import('../core/contract/client.js');
  const { waitUntilEnded } = await import('../core/kernel/cli/jobs.js');
  const core = createCore({ dataDir: join(dataDir, 'data'), shell: 'cli', runJobs: 'own', modelsDir });
  try {
    const api = buildClient(createLocalTransport(core));
    const enhance = async (path: string, outDir: string) => {
      const job = await api.jobs.create({
        kind: 'enhance',
        options: { outscale: 4, format: 'png' },
        paths: [path],
        outDir,
        priority: 'interactive',
      });
      await waitUntilEnded(api, [job.id]);
      const item = (await api.jobs.get({ id: job.id, limit: 1 })).items[0];
      if (item?.status !== 'done' || !item.details) throw new Error(`the API's item is ${item?.status}`);
      return item;
    };
    await enhance(warmInput, join(dataDir, 'warm'));
    flushDisk();
    const t0 = performance.now();
    const item = await enhance(input, join(dataDir, 'out'));
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ ms, details: item.details, outputPath: item.outputPath }) + '\n');
  } finally {
    await core.close();
  }
}

async function runApi(size: Size): Promise<Run> {
  const dir = fresh('api');
  const r = await childRun(
    process.execPath,
    ['--import', rssPreload, self, '--api', size.file, warm!.file, dir],
    { BENCH_RSS_DIR: rssDir },
  );
  const o = lastJson<{ ms: number; details: Record<string, string | number>; outputPath: string | null }>(
    r.stdout,
  );
  return { ...fromDetails(o.ms, readRss(r.pid), o.details, o.outputPath), dir };
}

async function runBare(size: Size): Promise<Run> {
  const dir = fresh('bare');
  const output = join(dir, `${size.label}.png`);
  flushDisk();
  const r = await childRun(
    process.execPath,
    ['--import', rssPreload, self, '--bare', size.file, output, String(side)],
    { BENCH_RSS_DIR: rssDir },
  );
  const o = lastJson<{ pipelineMs: number; inferMs: number; runs: number; modelPixels: number }>(r.stdout);
  return {
    ms: r.ms,
    rssKb: readRss(r.pid),
    ratio: o.modelPixels / (size.w * size.h),
    tiles: o.runs,
    inferMs: o.inferMs,
    pipelineMs: o.pipelineMs,
    output,
    dir,
  };
}

async function runTorch(size: Size): Promise<Run> {
  const dir = fresh('torch');
  const output = join(dir, `${size.label}.png`);
  flushDisk();
  const r = await childRun(PYTHON, [torchScript, 'run', weights, size.file, output, size.plan]);
  const o = lastJson<{ pipelineMs: number; inferMs: number; runs: number; maxRssKb: number }>(r.stdout);
  return {
    ms: r.ms,
    rssKb: o.maxRssKb,
    tiles: o.runs,
    inferMs: o.inferMs,
    pipelineMs: o.pipelineMs,
    output,
    dir,
  };
}

const runners: Record<Contender, (size: Size) => Promise<Run>> = {
  cli: runCli,
  api: runApi,
  bare: runBare,
  torch: runTorch,
};

/** The max and mean absolute difference of two images' 8-bit RGB pixels. */
async function diff(a: string, b: string): Promise<{ max: number; mean: number }> {
  const pixels = (f: string) => sharp(f, { limitInputPixels: false }).removeAlpha().raw().toBuffer();
  const [pa, pb] = await Promise.all([pixels(a), pixels(b)]);
  if (pa.length !== pb.length) return { max: Infinity, mean: Infinity };
  let max = 0;
  let sum = 0;
  for (let i = 0; i < pa.length; i += 1) {
    const d = Math.abs(pa[i]! - pb[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / pa.length };
}

/** Runs the PyTorch network and ONNX Runtime on one small input; the largest absolute difference. */
async function torchMatchesOnnx(): Promise<{ maxAbs: number; w: number; h: number; threads: number }> {
  const [w, h] = [48, 40];
  const { data } = await sharp(join(fixtures, 'images', 'Adele_crop.png'))
    .resize(w, h)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const x = new Float32Array(3 * w * h);
  for (let p = 0; p < w * h; p += 1) for (let c = 0; c < 3; c += 1) x[c * w * h + p] = data[p * 3 + c]! / 255;
  const session = await ort.InferenceSession.create(model);
  const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, h, w]) });
  const onnx = result[session.outputNames[0]!]!.data as Float32Array;
  await session.release();
  const inFile = join(root, 'check-in.f32');
  const outFile = join(root, 'check-out.f32');
  writeFileSync(inFile, new Uint8Array(x.buffer));
  const r = await childRun(PYTHON, [torchScript, 'check', weights, inFile, String(h), String(w), outFile]);
  const bytes = readFileSync(outFile);
  const torch = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  if (torch.length !== onnx.length)
    throw new Error(`PyTorch gave ${torch.length} values, ONNX ${onnx.length}`);
  let maxAbs = 0;
  for (let i = 0; i < onnx.length; i += 1) maxAbs = Math.max(maxAbs, Math.abs(onnx[i]! - torch[i]!));
  return { maxAbs, w, h, threads: lastJson<{ threads: number }>(r.stdout).threads };
}

/** A real photo from the fixtures, resized (cover) to w×h, with its tile plan. */
async function makeInput(name: string, w: number, h: number, source: string): Promise<Size> {
  const file = join(root, `photo-${name}.jpg`);
  await sharp(join(fixtures, 'images', source))
    .resize(w, h, { fit: 'cover' })
    .jpeg({ quality: 92 })
    .toFile(file);
  const tiles = tilesFor(w, h, side);
  const plan = join(root, `plan-${name}.json`);
  writeFileSync(plan, JSON.stringify({ side, tiles }));
  return { label: name, w, h, file, plan, tiles };
}

async function makeInputs(): Promise<Size[]> {
  const sizes: Size[] = [];
  for (const label of SIZE_LIST) {
    const m = /^(\d+)(?:x(\d+))?$/.exec(label);
    if (!m) throw new Error(`BENCH_SIZES: "${label}" is not WxH`);
    const w = Number(m[1]);
    const h = Number(m[2] ?? m[1]);
    const name = `${w}x${h}`;
    sizes.push(await makeInput(name, w, h, SOURCES[name] ?? '00.jpg'));
  }
  return sizes;
}

const fmtMs = (ms: number | undefined): string => (ms === undefined ? '–' : ms.toFixed(0));
const fmtMb = (kb: number | null | undefined): string =>
  kb === null || kb === undefined ? '–' : (kb / 1024).toFixed(0);
const pad = (s: string, n: number): string => s.padStart(n);

try {
  if (!existsSync(model)) throw new Error(`${model} is missing (PIXELSMITH_MODELS_DIR)`);
  const sizes = await makeInputs();
  const contenders: Contender[] = ['cli', 'api', 'bare', 'torch'];
  let torchNote = '';
  if (process.env.BENCH_TORCH === '0') torchNote = 'PyTorch row skipped: BENCH_TORCH=0.';
  else if (spawnSync(PYTHON, ['-c', 'import torch']).status !== 0)
    torchNote = `PyTorch row skipped: \`${PYTHON} -c "import torch"\` failed (install python3-torch).`;
  else if (!existsSync(weights)) torchNote = `PyTorch row skipped: ${weights} is missing.`;
  if (torchNote) contenders.splice(contenders.indexOf('torch'), 1);

  console.log(
    `bench:enhance — realesr-animevideov3 x4 → PNG, ONNX Runtime ${ort.env.versions.node ?? ''} CPU, ` +
      `tile ${side} px (auto), ${ROUNDS} round(s), sizes ${sizes.map((s) => s.label).join(', ')}`,
  );
  if (ROUNDS < 5) console.log(`NOTE: ${ROUNDS} round(s): a development run; the figures to judge need ≥ 5.`);

  let check: Awaited<ReturnType<typeof torchMatchesOnnx>> | null = null;
  if (contenders.includes('torch')) {
    check = await torchMatchesOnnx();
    console.log(
      `PyTorch (${check.threads} threads) vs ONNX Runtime on a ${check.w}×${check.h} input: max |diff| = ${check.maxAbs.toExponential(2)}`,
    );
  } else console.log(torchNote);

  // Warm-up (untimed): the page cache, the native modules, Python's imports.
  warm = await makeInput('warm-48x40', 48, 40, '0014.jpg');
  for (const c of contenders) {
    const run = await runners[c](warm);
    if (run.dir) rmSync(run.dir, { recursive: true, force: true });
  }

  const runs = new Map<string, Run[]>();
  const key = (c: Contender, s: Size) => `${c}|${s.label}`;
  const sanity: string[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    const figures: string[] = [];
    for (const size of sizes) {
      const got: Partial<Record<Contender, Run>> = {};
      for (const c of order) {
        const run = await runners[c](size);
        got[c] = run;
        runs.set(key(c, size), [...(runs.get(key(c, size)) ?? []), run]);
      }
      if (round === 0 && got.bare?.output) {
        for (const c of ['cli', 'torch'] as const) {
          const other = got[c]?.output;
          if (!other) continue;
          const d = await diff(other, got.bare.output);
          sanity.push(
            `${size.label}: ${c} vs bare output, max |diff| ${d.max}, mean ${d.mean.toFixed(4)} (8-bit)`,
          );
        }
      }
      for (const run of Object.values(got)) if (run.dir) rmSync(run.dir, { recursive: true, force: true });
      figures.push(
        `${size.label} ` +
          order.map((c) => `${c} ${fmtMs(got[c]?.ms)}`).join(' ') +
          ` ms, CLI÷bare ${((got.cli?.ms ?? NaN) / (got.bare?.ms ?? NaN)).toFixed(3)}` +
          ` (session.run: CLI ${fmtMs(got.cli?.inferMs)}, bare ${fmtMs(got.bare?.inferMs)})`,
      );
    }
    console.log(`round ${round + 1}/${ROUNDS} (${order.join(' → ')}): ${figures.join('; ')}`);
  }

  // Medians of the times, and of the per-round ratios.
  const med = (c: Contender, s: Size, f: (r: Run) => number | undefined): number | undefined => {
    const xs = (runs.get(key(c, s)) ?? []).map(f).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  const pairRatio = (a: Contender, b: Contender, s: Size): number | undefined => {
    const ra = runs.get(key(a, s));
    const rb = runs.get(key(b, s));
    if (!ra || !rb) return undefined;
    return median(ra.map((r, i) => r.ms / rb[i]!.ms));
  };
  const maxRss = (c: Contender, s: Size): number | null => {
    const xs = (runs.get(key(c, s)) ?? []).map((r) => r.rssKb).filter((x): x is number => x !== null);
    return xs.length ? Math.max(...xs) : null;
  };
  const onePadRatio = (s: Size) => ((s.w + PRE_PAD) * (s.h + PRE_PAD)) / (s.w * s.h);
  const oneTile = (s: Size) => s.w + PRE_PAD <= side && s.h + PRE_PAD <= side;

  console.log('');
  console.log(
    `median of ${ROUNDS}: wall ms per image, every contender runs in a fresh process; ratios are medians of per-round ratios`,
  );
  const head = [
    'size',
    'CLI ms',
    'API ms',
    'bare ms',
    'CLI÷bare',
    'torch ms',
    'Pixelsmith÷torch',
    'model px÷img px',
    'CLI peak RSS MB',
    'bare peak RSS MB',
  ];
  const widths = head.map((h) => Math.max(h.length, 9));
  console.log(head.map((h, i) => pad(h, widths[i]!)).join('  '));
  for (const s of sizes) {
    const row = [
      s.label,
      fmtMs(med('cli', s, (r) => r.ms)),
      fmtMs(med('api', s, (r) => r.ms)),
      fmtMs(med('bare', s, (r) => r.ms)),
      pairRatio('cli', 'bare', s)?.toFixed(3) ?? '–',
      fmtMs(med('torch', s, (r) => r.ms)),
      pairRatio('cli', 'torch', s)?.toFixed(3) ?? '–',
      med('cli', s, (r) => r.ratio)?.toFixed(3) ?? '–',
      fmtMb(maxRss('cli', s)),
      fmtMb(maxRss('bare', s)),
    ];
    console.log(row.map((c, i) => pad(c, widths[i]!)).join('  '));
  }

  console.log('');
  console.log('where the time goes (medians, ms):');
  for (const s of sizes) {
    const rest = (r: Run) => r.ms - (r.inferMs ?? NaN) - (r.glueMs ?? NaN);
    const apiRuns = runs.get(key('api', s)) ?? [];
    const bareRuns = runs.get(key('bare', s)) ?? [];
    const apiVsBare = apiRuns.length
      ? median(apiRuns.map((r, i) => r.ms / (bareRuns[i]?.pipelineMs ?? NaN))).toFixed(3)
      : '–';
    const parts = [
      `${s.label}: ${s.tiles.length} tile(s)`,
      `CLI session.run ${fmtMs(med('cli', s, (r) => r.inferMs))}, tile glue ${fmtMs(
        med('cli', s, (r) => r.glueMs),
      )}, rest of the process ${fmtMs(med('cli', s, rest))}`,
      `API session.run ${fmtMs(med('api', s, (r) => r.inferMs))}, tile glue ${fmtMs(
        med('api', s, (r) => r.glueMs),
      )}, rest ${fmtMs(med('api', s, rest))}`,
      `bare session.run ${fmtMs(med('bare', s, (r) => r.inferMs))}, decode→file ${fmtMs(
        med('bare', s, (r) => r.pipelineMs),
      )}`,
      `API ÷ bare decode→file ${apiVsBare}`,
    ];
    if (contenders.includes('torch'))
      parts.push(
        `torch forward ${fmtMs(med('torch', s, (r) => r.inferMs))}, decode→file ${fmtMs(
          med('torch', s, (r) => r.pipelineMs),
        )}, peak RSS ${fmtMb(maxRss('torch', s))} MB`,
      );
    console.log(`  ${parts.join('; ')}`);
  }
  const provider = runs.get(key('cli', sizes[0]!))?.[0]?.provider;
  console.log(
    `  (Pixelsmith ran on ${provider}; bare on cpu. PyTorch runs the same tile grid as bare and the pipeline —` +
      ` a single whole-image run for images that fit one tile — its PNG written by Pillow at zlib level 2.)`,
  );
  for (const line of sanity) console.log(`  ${line}`);

  // Targets.
  const results: { name: string; pass: boolean | null; detail: string }[] = [];
  const target = (name: string, pass: boolean | null, detail: string) => results.push({ name, pass, detail });
  for (const s of sizes) {
    const cliTiles = med('cli', s, (r) => r.tiles);
    const cliRatio = med('cli', s, (r) => r.ratio);
    const apiRatio = med('api', s, (r) => r.ratio);
    const bareRatio = s.tiles.reduce((n, t) => n + t.cw * t.ch, 0) / (s.w * s.h);
    target(
      `${s.label}: bare runs the pipeline's grid`,
      cliTiles === s.tiles.length && cliRatio !== undefined && Math.abs(cliRatio - bareRatio) < 0.0006,
      `pipeline ${cliTiles} tile(s), ratio ${cliRatio}; bare ${s.tiles.length}, ${bareRatio.toFixed(3)}`,
    );
    if (s.w * s.h >= ONE_MP) {
      const r = pairRatio('cli', 'bare', s);
      target(`${s.label}: CLI ÷ bare ≤ 1.05`, r !== undefined && r <= 1.05, r?.toFixed(3) ?? 'not measured');
      target(
        `${s.label}: model px ÷ image px ≤ 1.15`,
        cliRatio !== undefined && cliRatio <= 1.15,
        `${cliRatio?.toFixed(3)}`,
      );
    }
    if (oneTile(s)) {
      const want = Number(onePadRatio(s).toFixed(3));
      target(
        `${s.label}: model px ÷ image px = (W+10)(H+10)/(WH) (one tile)`,
        cliRatio === want && apiRatio === want && cliTiles === 1,
        `CLI ${cliRatio}, API ${apiRatio}, expected ${onePadRatio(s).toFixed(5)}`,
      );
    }
  }
  const rssSize = sizes.find((s) => s.label === RSS_SIZE);
  const rss = rssSize ? maxRss('cli', rssSize) : null;
  target(
    `CLI peak RSS ≤ ${RSS_TARGET_MB} MB for 3000×2000 → 12000×8000 PNG`,
    rssSize ? rss !== null && rss / 1024 <= RSS_TARGET_MB : null,
    rssSize
      ? `${fmtMb(rss)} MB (max of ${ROUNDS}); bare script ${fmtMb(maxRss('bare', rssSize))} MB`
      : `${RSS_SIZE} not in BENCH_SIZES`,
  );
  if (check)
    target(
      'PyTorch peer = the ONNX network (max |diff| ≤ 1e-3)',
      check.maxAbs <= 1e-3,
      check.maxAbs.toExponential(2),
    );

  console.log('');
  for (const r of results)
    console.log(`${r.pass === null ? 'SKIP' : r.pass ? 'PASS' : 'MISS'}  ${r.name}: ${r.detail}`);
  if (results.some((r) => r.pass === false)) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
