import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';

const eslint = new ESLint({ cwd: REPO_ROOT });
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'pixelsmith/layers').map((m) => m.message);
}
const importing = (what: string, from: string): string =>
  `import ${what} from '${from}';\nexport const a = 1;\n`;

/** The layer rules are only worth having if they fire: each case is one a reviewer would reject. */
describe('layer lint rules (allow-lists)', () => {
  it('core may not import electron or the shells', async () => {
    expect(await layerErrors('core/kernel/x.ts', importing('{ app }', 'electron'))).not.toEqual([]);
    expect(
      await layerErrors('core/kernel/x.ts', importing('{ App }', '../../renderer/src/App.js')),
    ).not.toEqual([]);
    expect(
      await layerErrors('core/kernel/x.ts', importing('{ registerIpc }', '../../electron/main/ipc.js')),
    ).not.toEqual([]);
    expect(await layerErrors('core/kernel/x.ts', importing('{ join }', 'node:path'))).toEqual([]);
  });

  it('core/contract imports only itself and browser-safe packages: no node:*, no sharp, no db', async () => {
    expect(await layerErrors('core/contract/x.ts', importing('{ join }', 'node:path'))).not.toEqual([]);
    expect(await layerErrors('core/contract/x.ts', importing('fs', 'fs'))).not.toEqual([]);
    expect(await layerErrors('core/contract/x.ts', importing('sharp', 'sharp'))).not.toEqual([]);
    expect(await layerErrors('core/contract/x.ts', importing('{ openDb }', '../db/openDb.js'))).not.toEqual(
      [],
    );
    expect(await layerErrors('core/contract/x.ts', importing('{ z }', 'zod'))).toEqual([]);
    expect(await layerErrors('core/contract/x.ts', importing('{ methods }', './methods.js'))).toEqual([]);
  });

  it('the renderer reaches core only through core/contract, with browser-safe packages only', async () => {
    const file = 'renderer/src/x.ts';
    expect(await layerErrors(file, importing('{ openDb }', '../../core/db/openDb.js'))).not.toEqual([]);
    expect(await layerErrors(file, importing('{ ipcRenderer }', 'electron'))).not.toEqual([]);
    expect(await layerErrors(file, importing('{ readFile }', 'node:fs/promises'))).not.toEqual([]);
    expect(await layerErrors(file, importing('sharp', 'sharp'))).not.toEqual([]);
    expect(await layerErrors(file, importing('{ buildClient }', '../../core/contract/client.js'))).toEqual(
      [],
    );
    expect(await layerErrors(file, importing('{ useState }', 'react'))).toEqual([]);
  });

  it('the preload imports only the contract; only electron/main/ipc.ts may use ipcMain', async () => {
    const typeOnly = "import type { Database } from '../../core/db/openDb.js';\nexport type A = Database;\n";
    expect(await layerErrors('electron/preload/index.ts', typeOnly)).not.toEqual([]);
    expect(
      await layerErrors(
        'electron/preload/index.ts',
        importing('{ buildClient }', '../../core/contract/client.js'),
      ),
    ).toEqual([]);
    expect(await layerErrors('electron/main/index.ts', importing('{ ipcMain }', 'electron'))).toEqual([
      expect.stringMatching(/Only electron\/main\/ipc\.ts may use ipcMain/),
    ]);
    expect(await layerErrors('electron/main/ipc.ts', importing('{ ipcMain }', 'electron'))).toEqual([]);
  });

  it('each layer imports only those below it: db, jobs and features never reach up', async () => {
    expect(
      await layerErrors('core/db/x.ts', importing('{ ModelStore }', '../features/enhance/models.js')),
    ).not.toEqual([]);
    expect(
      await layerErrors(
        'core/jobs/x.ts',
        "export const m = () => import('../features/enhance/models.js');\n",
      ),
    ).not.toEqual([]);
    expect(
      await layerErrors(
        'core/features/files/scan.ts',
        importing('{ createCore }', '../../app/createCore.js'),
      ),
    ).not.toEqual([]);
    expect(
      await layerErrors('core/features/files/scan.ts', importing('{ JobEngine }', '../../jobs/engine.js')),
    ).toEqual([]);
  });

  it('shells and CLI commands use the contract, never the features or the database directly', async () => {
    expect(
      await layerErrors('core/host/x.ts', importing('{ scanPaths }', '../features/files/scan.js')),
    ).not.toEqual([]);
    expect(await layerErrors('core/host/x.ts', importing('{ createCore }', '../app/createCore.js'))).toEqual(
      [],
    );
    expect(
      await layerErrors('core/features/files/cli.ts', importing('{ openDb }', '../../db/openDb.js')),
    ).not.toEqual([]);
    expect(
      await layerErrors(
        'core/features/files/cli.ts',
        importing('{ withApi }', '../../kernel/cli/context.js'),
      ),
    ).toEqual([]);
  });

  it('an npm package nobody classified is refused until it is', async () => {
    expect(await layerErrors('core/kernel/x.ts', importing('leftPad', 'left-pad'))).toEqual([
      expect.stringMatching(/"left-pad" is not classified/),
    ]);
  });
});
