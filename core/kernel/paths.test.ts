import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from './paths.js';

describe('data folder', () => {
  it('matches Electron userData on each OS', () => {
    expect(defaultDataDir('linux', {})).toBe(join(homedir(), '.config', 'Pixelsmith'));
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/xdg' })).toBe(join('/xdg', 'Pixelsmith'));
    expect(defaultDataDir('darwin', {})).toBe(
      join(homedir(), 'Library', 'Application Support', 'Pixelsmith'),
    );
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' })).toBe(
      join('C:\\Users\\a\\AppData\\Roaming', 'Pixelsmith'),
    );
  });

  it('prefers --data-dir, then PIXELSMITH_DATA_DIR, then the default', () => {
    expect(resolveDataDir('rel/dir', { PIXELSMITH_DATA_DIR: '/env' })).toBe(resolve('rel/dir'));
    expect(resolveDataDir(undefined, { PIXELSMITH_DATA_DIR: '/env' })).toBe('/env');
    expect(resolveDataDir(undefined, { PIXELSMITH_DATA_DIR: '  ', XDG_CONFIG_HOME: '/xdg' })).toBe(
      process.platform === 'linux' ? '/xdg/Pixelsmith' : defaultDataDir(),
    );
  });
});
