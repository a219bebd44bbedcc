import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import DatabaseCtor from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const CLI = join(REPO_ROOT, 'bin', 'pixelsmith.js');
const COUNT = 200;
const KILLS = 12;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Starts the real CLI; resolves once it has printed `marker` (or exited). */
function startCli(
  args: string[],
  marker: RegExp,
): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (marker.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => resolve());
  });
  return { child, ready, exited };
}

/**
 * The crash test from the job-engine issue: a real `pixelsmith` process converting 200 images is
 * SIGKILLed at random moments and restarted each time. In the end every item is done exactly
 * once, every output is a complete image of the right size, and no temporary file is left.
 */
describe('crash recovery with a real process', () => {
  const dir = tempDir('pixelsmith-crash-');
  const src = join(dir.path, 'in');
  const out = join(dir.path, 'out');
  const data = join(dir.path, 'data');

  beforeAll(async () => {
    mkdirSync(src);
    for (let i = 0; i < COUNT; i += 1) {
      const noise = Buffer.alloc(320 * 240 * 3);
      for (let p = 0; p < noise.length; p += 1) noise[p] = (p * 31 + i * 97) % 251;
      await sharp(noise, { raw: { width: 320, height: 240, channels: 3 } })
        .png()
        .toFile(join(src, `img-${String(i).padStart(3, '0')}.png`));
    }
  }, 120_000);
  afterAll(() => dir.cleanup());

  it(`survives ${KILLS} SIGKILLs and ends with every item done exactly once`, async () => {
    const args = [
      '--data-dir',
      data,
      'convert',
      src,
      '--format',
      'webp',
      '--quality',
      '70',
      '--scale',
      '0.5',
      '--out',
      out,
    ];
    let kills = 0;
    let first = true;
    while (kills < KILLS) {
      const run = first
        ? startCli(args, /started:/)
        : startCli(['--data-dir', data, 'jobs', 'resume'], /progress:|Nothing to resume/);
      first = false;
      await run.ready;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 60));
      if (run.child.exitCode !== null) break;
      run.child.kill('SIGKILL');
      await run.exited;
      kills += 1;
    }
    expect(kills).toBe(KILLS);
    const final = startCli(['--data-dir', data, 'jobs', 'resume'], /$^/);
    expect(await final.exited).toBe(0);

    const db = new DatabaseCtor(join(data, 'pixelsmith.db'), { readonly: true });
    const jobs = db.prepare('SELECT id, status FROM jobs').all() as { id: string; status: string }[];
    const items = db.prepare('SELECT input_path, status, attempts, outputs FROM items').all() as {
      input_path: string;
      status: string;
      attempts: number;
      outputs: string;
    }[];
    db.close();
    expect(jobs).toEqual([expect.objectContaining({ status: 'done' })]);
    expect(items).toHaveLength(COUNT);
    expect(new Set(items.map((i) => i.input_path)).size).toBe(COUNT);
    expect(items.every((i) => i.status === 'done')).toBe(true);
    // Some items were interrupted and run again: that is recovery, not duplication.
    expect(items.some((i) => i.attempts > 1)).toBe(true);

    const files = listFiles(out);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(COUNT);
    for (const item of items) {
      const [output] = JSON.parse(item.outputs) as string[];
      const { info } = await sharp(output).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([160, 120]);
    }
    expect(listFiles(src).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 180_000);
});
