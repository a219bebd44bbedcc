/**
 * npm run bench:jobs — the job engine's overhead. Converts 1,000 small images through the
 * engine (claim, hash, probe, atomic write + fsync, results cache, events) and through a plain
 * sequential sharp loop over the same files, and prints the ratio (target ≤ 1.15) and items/s.
 * Runs alternate, with the page cache flushed between them (so one run's dirty pages are not
 * paid for by the other's fsyncs); the best of ROUNDS runs of each is compared.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createCore, defaultResources } from '../core/app/createCore.js';
import { createLocalTransport } from '../core/app/localTransport.js';
import { buildClient } from '../core/contract/client.js';
import { waitUntilEnded } from '../core/kernel/cli/jobs.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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

/** CPU time (user + system, all threads) spent while `fn` runs, in ms. */
async function cpuOf<T>(fn: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000 };
}

async function plainLoop(files: string[], out: string): Promise<number> {
  mkdirSync(out);
  const t0 = performance.now();
  for (const file of files) {
    await sharp(file)
      .autoOrient()
      .keepMetadata()
      .webp({ quality: 80, effort: 4 })
      .toFile(
        join(
          out,
          file
            .split('/')
            .pop()!
            .replace(/\.jpg$/, '.webp'),
        ),
      );
  }
  return performance.now() - t0;
}

function flushDisk(): void {
  if (process.platform !== 'win32') execFileSync('sync');
}

async function engine(dir: string, out: string, round: number): Promise<{ ms: number; done: number }> {
  const core = createCore({ dataDir: join(root, `data-${round}`), shell: 'cli', runJobs: 'own' });
  const t0 = performance.now();
  const api = buildClient(createLocalTransport(core));
  const job = await api.jobs.create({
    kind: 'convert',
    options: { format: 'webp', quality: 80 },
    paths: [dir],
    outDir: out,
    priority: 'background',
  });
  await waitUntilEnded(api, [job.id]);
  const ms = performance.now() - t0;
  const done = (await api.jobs.get({ id: job.id, limit: 1 })).job.counts.done;
  await core.close();
  return { ms, done };
}

try {
  const files = await makeInputs(join(root, 'in'));
  // Warm both paths (libvips, the native modules) before timing.
  await plainLoop(files.slice(0, 20), join(root, 'warm'));
  const plainTimes: number[] = [];
  const engineTimes: number[] = [];
  const cpu = { plain: Infinity, engine: Infinity };
  for (let round = 0; round < ROUNDS; round += 1) {
    flushDisk();
    const p = await cpuOf(() => plainLoop(files, join(root, `plain-${round}`)));
    plainTimes.push(p.value);
    cpu.plain = Math.min(cpu.plain, p.cpuMs);
    flushDisk();
    const e = await cpuOf(() => engine(join(root, 'in'), join(root, `engine-${round}`), round));
    if (e.value.done !== COUNT) throw new Error(`engine converted ${e.value.done} of ${COUNT}`);
    engineTimes.push(e.value.ms);
    cpu.engine = Math.min(cpu.engine, e.cpuMs);
  }
  const plain = Math.min(...plainTimes);
  const best = Math.min(...engineTimes);
  const rate = (ms: number): string => ((COUNT / ms) * 1000).toFixed(1);
  const all = (t: number[]): string => t.map((x) => x.toFixed(0)).join(', ');
  console.log(
    `images: ${COUNT} (128×96 JPEG → WebP q80), cpu slots: ${defaultResources().cpu}, best of ${ROUNDS}`,
  );
  console.log(
    `plain sequential sharp loop: ${plain.toFixed(0)} ms  (${rate(plain)} items/s)   runs: ${all(plainTimes)}`,
  );
  console.log(
    `job engine:                  ${best.toFixed(0)} ms  (${rate(best)} items/s)   runs: ${all(engineTimes)}`,
  );
  console.log(
    `CPU time (user+sys, best): plain ${cpu.plain.toFixed(0)} ms, engine ${cpu.engine.toFixed(0)} ms`,
  );
  console.log(`ratio engine / plain: ${(best / plain).toFixed(3)}  (target ≤ 1.15)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
