import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { buildClient, type Api } from '../../core/contract/client.js';
import { FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { HARNESS_TOKEN, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let api: Api;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await h.close();
  cleanups.splice(0).forEach((c) => c());
});

const get = (path: string, token: string | null = HARNESS_TOKEN) =>
  fetch(new URL(path, h.server?.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** Entry names and bytes of a zip, read with an independent reader. */
function unzip(data: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('results in the browser studio', () => {
  it('download one by one and all at once as a zip, in the folders they were mirrored into', async () => {
    h = await startHarness('http');
    api = buildClient(h.transport);
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const root = join(dir.path, 'trip');
    mkdirSync(join(root, 'día 2'), { recursive: true });
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(root, 'a.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(root, 'día 2', 'b.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '00003.png'), join(root, 'día 2', 'gone.png'));
    const job = await api.jobs.create({
      kind: 'convert',
      options: { format: 'webp' },
      paths: [root],
      outDir: join(dir.path, 'out'),
    });
    await expect
      .poll(async () => (await api.jobs.get({ id: job.id })).job.status, { timeout: 30_000 })
      .toBe('done');
    const { items } = await api.jobs.get({ id: job.id });
    const b = items.find((i) => i.inputPath.endsWith('b.jpg'));

    const one = await get(`/download/item/${b?.id ?? 0}`);
    expect(one.status).toBe(200);
    expect(one.headers.get('content-type')).toBe('image/webp');
    expect(one.headers.get('content-disposition')).toBe(
      `attachment; filename="b.webp"; filename*=UTF-8''b.webp`,
    );
    expect(Buffer.from(await one.arrayBuffer()).equals(readFileSync(b?.outputs[0] ?? ''))).toBe(true);

    rmSync(items.find((i) => i.inputPath.endsWith('gone.png'))?.outputs[0] ?? '');
    const zip = await get(`/download/job/${job.id}.zip`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const entries = await unzip(Buffer.from(await zip.arrayBuffer()));
    expect([...entries.keys()].sort()).toEqual(['MISSING.txt', 'trip/a.webp', 'trip/día 2/b.webp']);
    expect(entries.get('trip/día 2/b.webp')?.equals(readFileSync(b?.outputs[0] ?? ''))).toBe(true);
    expect(entries.get('MISSING.txt')?.toString()).toMatch(/gone\.webp/);
  });

  it('needs the token, and answers unknown items and jobs with 404 and a sentence', async () => {
    h = await startHarness('http');
    expect((await get('/download/item/1', null)).status).toBe(401);
    const missing = await get('/download/item/424242');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await get('/download/job/nope.zip')).status).toBe(404);
    expect((await get('/download/elsewhere')).status).toBe(404);
    expect((await get('/download/item/1?index=-1')).status).toBe(400);
  });
});
