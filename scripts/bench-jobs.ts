/**
 * npm run bench:jobs — the job engine's overhead. Converts BENCH_COUNT (default 1,000) small
 * images through the engine (claim, hash, probe, atomic write + fsync, results cache, events) and
 * through a plain sequential sharp loop over the same files that writes the same way (a temporary
 * name in the same folder, fsync, rename), and compares them.
 *
 * Each of BENCH_ROUNDS rounds (default 5) runs both back to back, alternating which goes first,
 * with the page cache flushed before each run (so one run's dirty pages are not paid for by the
 * other's fsyncs). The figure is the median of the per-round ratios engine ÷ plain; the target is
 * ≤ 1.15, and the exit code is 1 when it is missed.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { createCore, defaultResources } from '../core/app/createCore.js';
import { createLocalTransport } from '../core/app/localTransport.js';
import { buildClient } from '../core/contract/client.js';
import { waitUntilEnded } from '../core/kernel/cli/jobs.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const TARGET = 1.15;
const root = mkdtempSync(join(tmpdir(), 'pixelsmith-bench-'));

async function makeInputs(dir: string): Promise<string[]> {
  mkdirSync(dir);
  const files: string[] = [];
  for (let i = 0; i < COUNT; i += 1) {
    const raw = Buffer.alloc(128 * 96 * 3);
    for (let p = 0; p < raw.length; p += 1) raw[p] = (p * 7 + i * 13) & 0xff;
    const file = join(dir, `photo-${String(i).padStart(4, '0')}.jpg`);
    await sharp(raw, { raw: { width: 128, height: 96, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(file);
    files.push(file);
  }
  return files;
}

/** Wall and CPU time (user + system, all threads) spent while `fn` runs, in ms. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(before);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

/** What one would write by hand: sharp, then temp file + fsync + rename, one file after another. */
async function plainLoop(files: string[], out: string): Promise<number> {
  mkdirSync(out);
  for (const [i, file] of files.entries()) {
    const data = await sharp(file).autoOrient().keepMetadata().webp({ quality: 80, effort: 4 }).toBuffer();
    const target = join(out, basename(file).replace(/\.jpg$/, '.webp'));
    const tmp = join(out, `.plain-${process.pid}-${i}.tmp`);
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  }
  return files.length;
}

function flushDisk(): void {
  if (process.platform !== 'win32') execFileSync('sync');
}

let dataDirs = 0;
async function engine(dir: string, out: string): Promise<number> {
  const core = createCore({ dataDir: join(root, `data-${(dataDirs += 1)}`), shell: 'cli', runJobs: 'own' });
  try {
    const api = buildClient(createLocalTransport(core));
    const job = await api.jobs.create({
      kind: 'convert',
      options: { format: 'webp', quality: 80 },
      paths: [dir],
      outDir: out,
      priority: 'background',
    });
    await waitUntilEnded(api, [job.id]);
    return (await api.jobs.get({ id: job.id, limit: 1 })).job.counts.done;
  } finally {
    await core.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

try {
  const files = await makeInputs(join(root, 'in'));
  // Warm both paths (libvips, the native modules, SQLite) before timing.
  const warm = join(root, 'warm-in');
  mkdirSync(warm);
  for (const f of files.slice(0, 20)) copyFileSync(f, join(warm, basename(f)));
  await plainLoop(files.slice(0, 20), join(root, 'warm-plain'));
  await engine(warm, join(root, 'warm-engine'));

  console.log(
    `bench:jobs — ${COUNT} images (128×96 JPEG → WebP q80), cpu slots: ${defaultResources().cpu}, ${ROUNDS} round(s), engine and plain paired per round`,
  );
  if (ROUNDS < 5) console.log(`NOTE: ${ROUNDS} round(s): a development run; the figure to judge needs ≥ 5.`);
  const rows: { plain: number; engine: number; ratio: number; plainCpu: number; engineCpu: number }[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const runPlain = async () => {
      flushDisk();
      const out = join(root, `plain-${round}`);
      const r = await timed(() => plainLoop(files, out));
      rmSync(out, { recursive: true, force: true });
      return r;
    };
    const runEngine = async () => {
      flushDisk();
      const out = join(root, `engine-${round}`);
      const r = await timed(() => engine(join(root, 'in'), out));
      if (r.value !== COUNT) throw new Error(`engine converted ${r.value} of ${COUNT}`);
      rmSync(out, { recursive: true, force: true });
      return r;
    };
    const plainFirst = round % 2 === 0;
    const first = plainFirst ? await runPlain() : await runEngine();
    const second = plainFirst ? await runEngine() : await runPlain();
    const [p, e] = plainFirst ? [first, second] : [second, first];
    const row = { plain: p.ms, engine: e.ms, ratio: e.ms / p.ms, plainCpu: p.cpuMs, engineCpu: e.cpuMs };
    rows.push(row);
    console.log(
      `round ${round + 1}/${ROUNDS} (${plainFirst ? 'plain → engine' : 'engine → plain'}): ` +
        `plain ${row.plain.toFixed(0)} ms (cpu ${row.plainCpu.toFixed(0)}), ` +
        `engine ${row.engine.toFixed(0)} ms (cpu ${row.engineCpu.toFixed(0)}), ratio ${row.ratio.toFixed(3)}`,
    );
  }
  const rate = (ms: number): string => ((COUNT / ms) * 1000).toFixed(1);
  const plain = median(rows.map((r) => r.plain));
  const eng = median(rows.map((r) => r.engine));
  const ratio = median(rows.map((r) => r.ratio));
  console.log(`median plain loop (temp + fsync + rename): ${plain.toFixed(0)} ms  (${rate(plain)} items/s)`);
  console.log(`median job engine:                         ${eng.toFixed(0)} ms  (${rate(eng)} items/s)`);
  console.log(
    `median CPU time (user+sys): plain ${median(rows.map((r) => r.plainCpu)).toFixed(0)} ms, engine ${median(rows.map((r) => r.engineCpu)).toFixed(0)} ms`,
  );
  const pass = ratio <= TARGET;
  console.log(
    `${pass ? 'PASS' : 'MISS'}  engine ÷ plain, median of ${ROUNDS} per-round ratios: ${ratio.toFixed(3)} (target ≤ ${TARGET})`,
  );
  if (!pass) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
