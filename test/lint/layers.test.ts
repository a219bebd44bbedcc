import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';

const eslint = new ESLint({ cwd: REPO_ROOT });
async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** The layer rules are only worth having if they fire: each case is one a reviewer would reject. */
describe('layer lint rules', () => {
  it('core may not import electron or the shells', async () => {
    expect(
      await restrictedImports('core/files/x.ts', "import { app } from 'electron';\nexport const a = app;\n"),
    ).not.toEqual([]);
    expect(
      await restrictedImports(
        'core/files/x.ts',
        "import { App } from '../../renderer/src/App.js';\nexport const a = App;\n",
      ),
    ).not.toEqual([]);
    expect(
      await restrictedImports(
        'core/files/x.ts',
        "import { registerIpc } from '../../electron/main/ipc.js';\nexport const a = registerIpc;\n",
      ),
    ).not.toEqual([]);
    expect(
      await restrictedImports(
        'core/files/x.ts',
        "import { join } from 'node:path';\nexport const a = join;\n",
      ),
    ).toEqual([]);
  });

  it('core/contract may not import node built-ins', async () => {
    expect(
      await restrictedImports(
        'core/contract/x.ts',
        "import { join } from 'node:path';\nexport const a = join;\n",
      ),
    ).not.toEqual([]);
    expect(
      await restrictedImports('core/contract/x.ts', "import fs from 'fs';\nexport const a = fs;\n"),
    ).not.toEqual([]);
    expect(
      await restrictedImports('core/contract/x.ts', "import { z } from 'zod';\nexport const a = z;\n"),
    ).toEqual([]);
  });

  it('the renderer reaches core only through core/contract', async () => {
    const file = 'renderer/src/x.ts';
    expect(
      await restrictedImports(
        file,
        "import { openDb } from '../../core/db/openDb.js';\nexport const a = openDb;\n",
      ),
    ).not.toEqual([]);
    expect(
      await restrictedImports(
        file,
        "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n",
      ),
    ).not.toEqual([]);
    expect(
      await restrictedImports(
        file,
        "import { readFile } from 'node:fs/promises';\nexport const a = readFile;\n",
      ),
    ).not.toEqual([]);
    expect(
      await restrictedImports(
        file,
        "import { buildClient } from '../../core/contract/client.js';\nexport const a = buildClient;\n",
      ),
    ).toEqual([]);
  });
});
