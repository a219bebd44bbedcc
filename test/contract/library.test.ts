import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { buildClient, type Api } from '../../core/contract/client.js';
import { FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let api: Api;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await h.close();
  cleanups.splice(0).forEach((c) => c());
});

/** A folder as a user drops it: seven photos, one cut short, one note. */
function folder(): string {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  const root = join(dir.path, 'trip');
  mkdirSync(join(root, 'day 2'), { recursive: true });
  const photos = ['0014.jpg', '0030.jpg', '00003.png', 'children-alpha.png', 'Blake_Lively.jpg'];
  for (const name of photos) copyFileSync(join(FIXTURE_IMAGES, name), join(root, name));
  copyFileSync(join(FIXTURE_IMAGES, '00017_gray.png'), join(root, 'day 2', 'gray.png'));
  copyFileSync(join(FIXTURE_IMAGES, 'esrgan_lq_comic.png'), join(root, 'day 2', 'comic.png'));
  const full = readFileSync(join(FIXTURE_IMAGES, '00003.png'));
  writeFileSync(join(root, 'cut.png'), full.subarray(0, Math.floor(full.length / 2)));
  writeFileSync(join(root, 'notes.txt'), 'shopping list');
  return root;
}

describe.each(['direct', 'http'] as const)('the library over %s', (kind) => {
  it('keeps what was added across clients, flags a damaged photo, leaves out a note, and removes one by one', async () => {
    h = await startHarness(kind);
    api = buildClient(h.transport);
    const root = folder();
    const changes: number[] = [];
    const off = h.transport.subscribe((e) => {
      if (e.name === 'library.changed') changes.push((e.payload as { total: number }).total);
    });
    const added = await api.library.add({ paths: [root] });
    expect(added).toMatchObject({
      added: 8,
      already: 0,
      damaged: 1,
      notImages: 1,
      total: 8,
      truncated: false,
    });
    expect(added.refused).toEqual([
      expect.objectContaining({ shownPath: join(root, 'notes.txt'), code: 'NOT_AN_IMAGE' }),
    ]);
    // Adding the same folder again adds nothing new.
    expect(await api.library.add({ paths: [root] })).toMatchObject({ added: 0, already: 8, total: 8 });

    // What another window (or the page after a reload) sees.
    const { photos } = await buildClient(h.transport).library.list();
    expect(photos).toHaveLength(8);
    expect(photos.find((p) => p.name === 'cut.png')?.problem).toMatch(/cut short/);
    expect(photos.filter((p) => p.problem === null)).toHaveLength(7);
    expect(photos.find((p) => p.name === 'gray.png')).toMatchObject({
      relDir: 'trip/day 2',
      shownPath: join(root, 'day 2', 'gray.png'),
    });

    const removed = await api.library.remove({ paths: [join(root, 'cut.png'), join(root, 'nowhere.png')] });
    expect(removed).toEqual({ removed: 1, total: 7 });
    expect(await api.library.clear()).toEqual({ removed: 7 });
    expect((await api.library.list()).photos).toEqual([]);
    await expect.poll(() => changes).toEqual([8, 8, 7, 0]);
    off();
  });
});

describe('results at full resolution', () => {
  it('give a finished output a reference whose regions are its real pixels, losslessly', async () => {
    h = await startHarness('direct');
    api = buildClient(h.transport);
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const input = join(dir.path, 'in.png');
    copyFileSync(join(FIXTURE_IMAGES, 'children-alpha.png'), input);
    const job = await api.jobs.create({
      kind: 'convert',
      options: { format: 'png', scale: 2 },
      files: [{ path: input, relDir: '' }],
      outDir: join(dir.path, 'out'),
    });
    await expect
      .poll(async () => (await api.jobs.get({ id: job.id })).job.status, { timeout: 30_000 })
      .toBe('done');
    const item = (await api.jobs.get({ id: job.id })).items[0];
    const out = await api.files.outputRef({ itemId: item?.id ?? 0 });
    expect(out).toMatchObject({ name: 'in.png', width: 1132, height: 700 });

    const region = await api.files.region({ ref: out.ref, left: 1100, top: 600, width: 64, height: 200 });
    // Clipped to the image, and the pixels are the file's own.
    expect(region).toMatchObject({
      left: 1100,
      top: 600,
      width: 32,
      height: 100,
      imageWidth: 1132,
      imageHeight: 700,
    });
    const got = await sharp(Buffer.from(region.data, 'base64')).raw().toBuffer();
    const want = await sharp(out.path)
      .extract({ left: 1100, top: 600, width: 32, height: 100 })
      .raw()
      .toBuffer();
    expect(got.equals(want)).toBe(true);

    await expect(api.files.outputRef({ itemId: 999_999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      api.files.region({ ref: 'f'.repeat(40), left: 0, top: 0, width: 8, height: 8 }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('choosing a folder on the server', () => {
  it('lists folders under the roots it offers, never outside them, links included', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const root = join(dir.path, 'photos');
    mkdirSync(join(root, 'Album 10'), { recursive: true });
    mkdirSync(join(root, 'Album 9'));
    mkdirSync(join(root, '.hidden'));
    writeFileSync(join(root, 'a.jpg'), 'x');
    symlinkSync(dir.path, join(root, 'escape'));
    symlinkSync(join(root, 'Album 9'), join(root, 'shortcut'));
    h = await startHarness('direct', {}, { folderRoots: [root] });
    api = buildClient(h.transport);
    expect(await api.files.folders()).toMatchObject({ roots: [root], path: null });
    const listed = await api.files.folders({ path: root });
    expect(listed).toMatchObject({ path: root, parent: null });
    expect(listed.folders.map((f) => f.name)).toEqual(['Album 9', 'Album 10', 'shortcut']);
    expect((await api.files.folders({ path: join(root, 'Album 9') })).parent).toBe(root);
    await expect(api.files.folders({ path: dir.path })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(api.files.folders({ path: join(root, 'escape') })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
