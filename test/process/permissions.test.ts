import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_IMAGES, REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/**
 * An unreadable photo must fail its own item with UNREADABLE. Root reads everything, so when the
 * tests run as root (as CI does) the real CLI runs as `nobody` for this case.
 */
describe('an unreadable file in a folder', () => {
  it('fails its own item with UNREADABLE; the others convert and the exit code says a file failed', (ctx) => {
    if (isRoot) {
      // `nobody` must be able to reach the checkout; a clone inside a private folder cannot.
      const probe = spawnSync(
        process.execPath,
        [
          '-e',
          `require('fs').accessSync(${JSON.stringify(join(REPO_ROOT, 'dist', 'core', 'host', 'cli.js'))})`,
        ],
        {
          uid: NOBODY,
          gid: NOBODY,
        },
      );
      if (probe.status !== 0)
        ctx.skip(`user nobody cannot read ${REPO_ROOT}, so root cannot drop privileges for this case`);
    }
    const dir = tempDir('pixelsmith-perm-');
    try {
      const src = join(dir.path, 'in');
      mkdirSync(src);
      copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(src, 'readable.jpg'));
      copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(src, 'locked.jpg'));
      chmodSync(join(src, 'locked.jpg'), 0o000);
      for (const d of [dir.path, src]) chmodSync(d, 0o777);
      const result = spawnSync(
        process.execPath,
        [
          join(REPO_ROOT, 'bin', 'pixelsmith.js'),
          '--data-dir',
          join(dir.path, 'data'),
          'convert',
          src,
          '--format',
          'png',
          '--out',
          join(dir.path, 'out'),
        ],
        {
          encoding: 'utf8',
          ...(isRoot && { uid: NOBODY, gid: NOBODY }),
          env: { ...process.env, HOME: dir.path },
        },
      );
      expect(result.status, result.stderr).toBe(1);
      expect(result.stdout).toMatch(/1 done, 0 skipped \(already up to date\), 1 failed/);
      expect(result.stderr).toMatch(/locked\.jpg\s+UNREADABLE: .*permission denied/);
    } finally {
      dir.cleanup();
    }
  });
});
