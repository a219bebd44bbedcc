import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/fixtures.js';
import { createLocalTransport } from './localTransport.js';
import { createCore, type Core } from './createCore.js';

const mode = (path: string): number => statSync(path).mode & 0o777;
let core: Core | null = null;
let dir: { path: string; cleanup: () => void } | null = null;
afterEach(async () => {
  await core?.close();
  dir?.cleanup();
});

describe('createCore', () => {
  it('keeps the data folder to its owner: folder 0700, database and its WAL 0600', async () => {
    dir = tempDir();
    const data = join(dir.path, 'fresh', 'Pixelsmith');
    core = createCore({ dataDir: data, shell: 'cli' });
    // A write, so SQLite makes its WAL and shared-memory files.
    const result = await createLocalTransport(core).call('settings.set', { theme: 'dark' });
    expect(result.ok).toBe(true);
    expect(mode(data)).toBe(0o700);
    for (const file of ['pixelsmith.db', 'pixelsmith.db-wal', 'pixelsmith.db-shm']) {
      expect(mode(join(data, file)), file).toBe(0o600);
    }
  });
});
