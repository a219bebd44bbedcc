import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_IMAGES, tempDir } from '../../../test/helpers/fixtures.js';
import { probeModule } from '../../../test/helpers/harness.js';
import { createCore, type Core } from '../../app/createCore.js';
import { SHIPPED_MODULES } from '../../app/modules.js';
import type { ModuleContext } from '../module.js';
import { createLocalTransport } from '../../app/localTransport.js';
import { buildClient, type Api } from '../../contract/client.js';
import { waitUntilEnded } from '../../kernel/cli/jobs.js';

const SECRET = 'AIzaSyTEST-0000-secret-value-for-tests';
let dir: { path: string; cleanup: () => void };
let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
  dir.cleanup();
});
let context: () => ModuleContext;
function open(): Api {
  const probe = probeModule();
  core = createCore({
    dataDir: join(dir.path, 'data'),
    shell: 'cli',
    runJobs: 'own',
    modules: [...SHIPPED_MODULES, probe.module],
  });
  context = probe.context;
  return buildClient(createLocalTransport(core));
}
async function reopen(): Promise<Api> {
  await core?.close();
  return open();
}

/** The secret key file matters to API keys only: losing or damaging it never stops other work. */
describe('a damaged or lost secret.key', () => {
  it('damaged: everything but the keys works; the keys say what happened and how to recover', async () => {
    dir = tempDir();
    let api = open();
    await api.keys.add({ label: 'Work', project: 'p1', secret: SECRET });
    writeFileSync(join(dir.path, 'data', 'secret.key'), 'short');
    api = await reopen();
    // Unrelated work runs: a convert job, the settings, the key list (masked, nothing decrypted).
    const job = await api.jobs.create({
      kind: 'convert',
      paths: [join(FIXTURE_IMAGES, '0014.jpg')],
      outDir: join(dir.path, 'out'),
    });
    await waitUntilEnded(api, [job.id]);
    expect((await api.jobs.get({ id: job.id })).job.counts.done).toBe(1);
    expect(await api.keys.list()).toEqual([expect.objectContaining({ label: 'Work', masked: '…ests' })]);
    const added = await api.keys
      .add({ label: 'Home', project: 'p2', secret: `${SECRET}-2` })
      .catch((e: unknown) => e);
    expect(added).toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringMatching(
        /secret\.key is damaged \(5 bytes, not 32\).*Delete that file, then add your keys again/,
      ),
    });
  });

  it('lost: keys saved before cannot be used and are set aside with the reason; new keys work', async () => {
    dir = tempDir();
    let api = open();
    await api.keys.add({ label: 'Work', project: 'p1', secret: SECRET });
    rmSync(join(dir.path, 'data', 'secret.key'));
    api = await reopen();
    const home = await api.keys.add({ label: 'Home', project: 'p2', secret: `${SECRET}-2` });
    expect(home.disabledReason).toBeNull();
    // Taking a request slot skips the undecryptable key and disables it, saying why.
    const lease = await context().service('quota').acquire('gemini-2.5-flash-image');
    expect(lease).toMatchObject({ label: 'Home', secret: `${SECRET}-2` });
    expect((await api.keys.list()).find((k) => k.label === 'Work')).toMatchObject({
      disabledReason: expect.stringMatching(/cannot be decrypted.*lost or replaced.*add it again/),
    });
  });
});
