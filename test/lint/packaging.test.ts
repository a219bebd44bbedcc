import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';

/** What the packaged desktop app must be; Electron cannot run here, so its configuration is read. */
describe('packaged app hardening', () => {
  const builder = readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8');
  const main = readFileSync(join(REPO_ROOT, 'electron', 'main', 'index.ts'), 'utf8');

  it('flips the Electron fuses: no run-as-node, no NODE_OPTIONS or inspector, encrypted cookies, asar only', () => {
    const fuses = builder.slice(builder.indexOf('electronFuses:'));
    for (const [fuse, value] of [
      ['runAsNode', 'false'],
      ['enableNodeOptionsEnvironmentVariable', 'false'],
      ['enableNodeCliInspectArguments', 'false'],
      ['enableCookieEncryption', 'true'],
      ['enableEmbeddedAsarIntegrityValidation', 'true'],
      ['onlyLoadAppFromAsar', 'true'],
      ['grantFileProtocolExtraPrivileges', 'false'],
    ]) {
      expect(fuses, fuse).toMatch(new RegExp(`\\n  ${fuse}: ${value}\\n`));
    }
  });

  it('turns DevTools off in packaged builds and keeps the renderer sandboxed', () => {
    expect(main).toMatch(/devTools: !app\.isPackaged/);
    expect(main).toMatch(/sandbox: true/);
    expect(main).toMatch(/contextIsolation: true/);
    expect(main).toMatch(/nodeIntegration: false/);
  });
});
