import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_IMAGE_COUNT, FIXTURE_IMAGES, FIXTURES, tempDir } from '../../test/helpers/fixtures.js';
import { createCore } from '../app/createCore.js';
import { createLocalTransport } from '../app/localTransport.js';
import { buildClient } from '../contract/client.js';
import { readPackageJson } from '../kernel/version.js';
import { main } from './cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'pixelsmith', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
  });
  return { code, out, err };
}
function dataDir(): string {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  return dir.path;
}

describe('pixelsmith CLI', () => {
  it('--help lists the commands and the global --data-dir; --version prints the version', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/serve/);
    expect(help.out).toMatch(/scan/);
    expect(help.out).toMatch(/--data-dir/);
    const serveHelp = await run('serve', '--help');
    expect(serveHelp.out).toMatch(/--host/);
    expect(serveHelp.out).toMatch(/--token/);
    expect((await run('--version')).out.trim()).toBe(readPackageJson().version);
  });

  it('scan --json prints the images and uses --data-dir for its database', async () => {
    const dir = dataDir();
    const result = await run('--data-dir', dir, 'scan', FIXTURE_IMAGES, '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as { images: unknown[]; errors: unknown[] };
    expect(parsed.images).toHaveLength(FIXTURE_IMAGE_COUNT);
    expect(existsSync(join(dir, 'pixelsmith.db'))).toBe(true);
  });

  it('scan without --json prints one line per image, errors on stderr, and exits 1 when any entry failed', async () => {
    const result = await run(
      '--data-dir',
      dataDir(),
      'scan',
      join(FIXTURE_IMAGES, '0014.jpg'),
      join(FIXTURE_IMAGES, 'nope.jpg'),
    );
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/0014\.jpg\t179×179\tjpeg/);
    expect(result.out).toMatch(/1 image\(s\), 1 error\(s\)/);
    expect(result.err).toMatch(/FILE_NOT_FOUND: .*nope\.jpg does not exist/);
  });

  it('honours PIXELSMITH_DATA_DIR when --data-dir is absent', async () => {
    const dir = dataDir();
    const previous = process.env.PIXELSMITH_DATA_DIR;
    process.env.PIXELSMITH_DATA_DIR = dir;
    try {
      expect((await run('scan', join(FIXTURE_IMAGES, '0014.jpg'))).code).toBe(0);
      expect(existsSync(join(dir, 'pixelsmith.db'))).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.PIXELSMITH_DATA_DIR;
      else process.env.PIXELSMITH_DATA_DIR = previous;
    }
  });

  it('never takes the token from the command line; refuses a short one; rejects bad ports and commands', async () => {
    const onArgv = await run('--data-dir', dataDir(), 'serve', '--token', 'a-secret-anyone-can-see-in-ps');
    expect(onArgv.code).toBe(2);
    expect(onArgv.err).toMatch(/unknown option '--token'/);
    const file = join(dataDir(), 'token');
    writeFileSync(file, 'short\n');
    const short = await run('--data-dir', dataDir(), 'serve', '--port', '0', '--token-file', file);
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/token from the file is 5 characters; use at least 16/);
    const port = await run('serve', '--port', 'eighty');
    expect(port.code).toBe(2);
    expect(port.err).toMatch(/port number/);
    expect((await run('frobnicate')).code).toBe(2);
  });

  it('convert runs a job to the end, then jobs list/show/resume report it by id prefix', async () => {
    const dir = dataDir();
    const out = join(dataDir(), 'out');
    const converted = await run(
      '--data-dir',
      dir,
      'convert',
      join(FIXTURE_IMAGES, '0014.jpg'),
      join(FIXTURE_IMAGES, 'esrgan_lq_comic.png'),
      '--format',
      'webp',
      '--max-size',
      '64',
      '--out',
      out,
    );
    expect(converted.code, converted.err).toBe(0);
    const id = /Job ([0-9a-f-]{36}) started: 2 file/.exec(converted.out)?.[1] ?? '';
    expect(converted.out).toMatch(/done: 2 done, 0 skipped/);
    expect(existsSync(join(out, '0014.webp'))).toBe(true);
    expect((await run('--data-dir', dir, 'jobs')).out).toMatch(
      new RegExp(`${id.slice(0, 8)}\\s+convert\\s+done`),
    );
    const shown = await run('--data-dir', dir, 'jobs', 'show', id.slice(0, 6));
    expect(shown.out).toMatch(/"format":"webp"/);
    expect((await run('--data-dir', dir, 'jobs', 'resume')).out).toMatch(/Nothing to resume/);
    expect((await run('--data-dir', dir, 'jobs', 'show', 'zzz')).err).toMatch(/No job matches "zzz"/);
    const bad = await run('--data-dir', dir, 'convert', FIXTURE_IMAGES, '--format', 'bmp');
    expect(bad.code).toBe(2);
    // In the command line's words: the flag, not the contract's field.
    expect(bad.err).toMatch(/Invalid convert options: --format: /);
  });

  it('jobs pause and cancel act on a job by id prefix', async () => {
    const dir = dataDir();
    const core = createCore({ dataDir: dir, shell: 'cli', runJobs: 'own' });
    const api = buildClient(createLocalTransport(core));
    const job = await api.jobs.create({
      kind: 'convert',
      paths: [FIXTURE_IMAGES],
      outDir: join(dataDir(), 'o'),
    });
    await core.close();
    const paused = await run('--data-dir', dir, 'jobs', 'pause', job.id.slice(0, 8));
    expect(paused.code, paused.err).toBe(0);
    expect(paused.out).toMatch(new RegExp(`${job.id.slice(0, 8)}\\s+convert\\s+paused`));
    const cancelled = await run('--data-dir', dir, 'jobs', 'cancel', job.id.slice(0, 8));
    expect(cancelled.out).toMatch(/cancelled/);
    const again = await run('--data-dir', dir, 'jobs', 'cancel', job.id.slice(0, 8));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/is cancelled, so it cannot be cancelled\. \(INVALID_STATE\)/);
  });

  it('escapes control characters from file names, and jobs show names the model and provider of each item', async () => {
    const dir = dataDir();
    const src = join(dataDir(), 'in');
    mkdirSync(src);
    const evil = join(src, 'evil\x1b[2J.jpg');
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), evil);
    const scanned = await run('--data-dir', dir, 'scan', src);
    expect(scanned.out).toContain('evil\\x1b[2J.jpg');
    expect(scanned.out).not.toContain('\x1b');
    const previous = process.env.PIXELSMITH_MODELS_DIR;
    process.env.PIXELSMITH_MODELS_DIR = join(FIXTURES, 'models');
    try {
      const enhanced = await run(
        '--data-dir',
        dir,
        'enhance',
        join(FIXTURE_IMAGES, 'esrgan_lq_comic.png'),
        '--out',
        join(dataDir(), 'o'),
      );
      expect(enhanced.code, enhanced.err).toBe(0);
      const id = /Job ([0-9a-f-]{36}) started/.exec(enhanced.out)?.[1] ?? '';
      const shown = await run('--data-dir', dir, 'jobs', 'show', id.slice(0, 8));
      expect(shown.out).toMatch(
        /done {5}esrgan_lq_comic\.png → .*esrgan_lq_comic_x2\.png {2}\(realesr-animevideov3 on cpu, \d+\.\d s\)/,
      );
    } finally {
      if (previous === undefined) delete process.env.PIXELSMITH_MODELS_DIR;
      else process.env.PIXELSMITH_MODELS_DIR = previous;
    }
  });
});
