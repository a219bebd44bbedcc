import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import DatabaseCtor from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, REPO_ROOT, tempDir } from '../helpers/fixtures.js';

/**
 * Ctrl+C during a long enhance: the running model call stops between tiles, the command exits
 * 130 at once (not after finishing the photo), and the job shows paused, ready to resume.
 */
describe('Ctrl+C during enhance', () => {
  const dir = tempDir('pixelsmith-interrupt-');
  afterAll(() => dir.cleanup());

  it('pauses the job, exits 130, writes nothing, and `jobs resume` finishes it', async () => {
    const input = join(dir.path, 'big.png');
    await sharp({
      create: {
        width: 384,
        height: 384,
        channels: 3,
        background: '#777',
        noise: { type: 'gaussian', mean: 128, sigma: 50 },
      },
    })
      .png()
      .toFile(input);
    const data = join(dir.path, 'data');
    const out = join(dir.path, 'out');
    const env = { ...process.env, PIXELSMITH_MODELS_DIR: join(FIXTURES, 'models') };
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'bin', 'pixelsmith.js'),
        '--data-dir',
        data,
        'enhance',
        input,
        '--scale',
        '4',
        '--tile',
        '32',
        '--out',
        out,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => {
      const onData = (c: Buffer): void => {
        output += c.toString();
        // The bar moves once tiles are running: interrupt then, mid-photo.
        if (/progress: 0\/1/.test(output)) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    expect(await exited, output).toBe(130);
    expect(output).toMatch(/Stopping: running items go back to the queue/);
    expect(output).toMatch(/Job [0-9a-f]{8} paused: 0 done/);
    expect(output).toMatch(/Resume it with: pixelsmith jobs resume/);
    const db = new DatabaseCtor(join(data, 'pixelsmith.db'), { readonly: true });
    const job = db.prepare('SELECT status FROM jobs').get() as { status: string };
    const item = db.prepare('SELECT status, attempts FROM items').get() as {
      status: string;
      attempts: number;
    };
    db.close();
    expect(job.status).toBe('paused');
    expect(item).toEqual({ status: 'queued', attempts: 0 });
    expect(existsSync(out) ? readdirSync(out, { recursive: true }) : []).toEqual([]);

    const resumed = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'pixelsmith.js'), '--data-dir', data, 'jobs', 'resume'],
      {
        env,
        stdio: 'ignore',
      },
    );
    expect(await new Promise((r) => resumed.once('exit', r))).toBe(0);
    const meta = await sharp(join(out, 'big_x4.png')).metadata();
    expect([meta.width, meta.height]).toEqual([1536, 1536]);
  }, 240_000);
});
