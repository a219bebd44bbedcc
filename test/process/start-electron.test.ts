import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';

/**
 * `npm start` where Electron's binary cannot be downloaded (this machine, an offline laptop):
 * one friendly message that points to the browser studio, not @electron/get's stack trace.
 */
describe('npm start without the Electron binary', () => {
  const installed = existsSync(join(REPO_ROOT, 'node_modules', 'electron', 'path.txt'));

  it.skipIf(installed)('says so in a few plain lines and points to npm run web', () => {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'start-electron.mjs')], {
      // A mirror nobody listens on: the download fails at once, whatever the network.
      env: { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/', ELECTRON_GET_USE_PROXY: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const said = `${run.stdout}${run.stderr}`;
    expect(run.status).toBe(1);
    expect(said).toMatch(/could not be downloaded here \(offline\?\).*\n.*npm run web/s);
    expect(said).not.toMatch(/\n\s+at |TypeError|install-electron/);
    expect(said.trim().split('\n').length).toBeLessThanOrEqual(4);
  });
});
