import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageJson } from '../../core/kernel/version.js';
import { latestVersion } from '../../core/db/migrate.js';
import { MIGRATIONS } from '../../core/app/modules.js';
import { buildClient, type Api } from '../../core/contract/client.js';
import { RpcError } from '../../core/contract/errors.js';
import type { EventEnvelope } from '../../core/contract/events.js';
import type { MethodName } from '../../core/contract/methods.js';
import { DEFAULT_SETTINGS } from '../../core/contract/schemas.js';
import { eventually } from '../helpers/eventually.js';
import { FIXTURE_IMAGE_COUNT, FIXTURE_IMAGES, FIXTURES, KNOWN_IMAGES, tempDir } from '../helpers/fixtures.js';
import { startHarness, type Harness, type TransportKind } from '../helpers/harness.js';

/** The same behaviour, whichever way the contract is carried. */
describe.each<TransportKind>(['direct', 'http'])('contract over %s', (kind) => {
  let h: Harness;
  let api: Api;
  const work = tempDir('pixelsmith-contract-out-');
  beforeAll(async () => {
    h = await startHarness(kind);
    api = buildClient(h.transport);
  });
  afterAll(async () => {
    await h.close();
    work.cleanup();
  });

  const expectRpcError = async (promise: Promise<unknown>, code: string): Promise<RpcError> => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(code);
    return error as RpcError;
  };

  it('app.info reports version, data folder, schema and ONNX Runtime providers', async () => {
    const info = await api.app.info();
    expect(info.version).toBe(readPackageJson().version);
    expect(info.dataDir).toBe(h.dataDir);
    expect(info.schemaVersion).toBe(latestVersion(MIGRATIONS));
    expect(info.onnxruntime.error).toBeNull();
    expect(info.onnxruntime.version).toMatch(/^1\.\d+\.\d+/);
    expect(info.onnxruntime.executionProviders).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'cpu', bundled: true })]),
    );
    const cuda = info.onnxruntime.executionProviders.find((p) => p.name === 'cuda');
    if (cuda) expect(cuda.note).toMatch(/onnxruntime-node-install=cuda12/);
  });

  it('settings.get returns defaults and settings.set validates, persists and announces', async () => {
    expect(await api.settings.get()).toEqual(DEFAULT_SETTINGS);
    const seen: unknown[] = [];
    const off = api.on('settings.changed', (s) => seen.push(s));
    try {
      // The event socket opens asynchronously: repeat the change until its event arrives.
      await eventually(async () => {
        await api.settings.set({ thumbnailSize: 200 });
        expect(seen.length).toBeGreaterThan(0);
      });
      const next = await api.settings.set({ theme: 'dark', outputFolderName: 'enhanced' });
      expect(next).toMatchObject({ theme: 'dark', outputFolderName: 'enhanced', thumbnailSize: 200 });
      await eventually(() => expect(seen.at(-1)).toMatchObject({ theme: 'dark' }));
      expect(await api.settings.get()).toEqual(next);
    } finally {
      off();
    }
    const bad = await expectRpcError(api.settings.set({ outputFolderName: '../escape' }), 'INVALID_INPUT');
    expect(bad.message).toMatch(/outputFolderName/);
    await expectRpcError(api.settings.set({ theme: 'sepia' } as never), 'INVALID_INPUT');
    await expectRpcError(api.settings.set({ unknownKey: 1 } as never), 'INVALID_INPUT');
    expect((await api.settings.get()).outputFolderName).toBe('enhanced');
  });

  it('files.scan lists real photos with per-entry errors, and reports progress with the scan id', async () => {
    const events: EventEnvelope[] = [];
    const off = h.transport.subscribe((e) => events.push(e));
    try {
      const result = await eventually(async () => {
        const r = await api.files.scan({
          paths: [FIXTURE_IMAGES, `${FIXTURE_IMAGES}/missing.jpg`],
          scanId: 'scan-1',
        });
        expect(events.some((e) => e.name === 'files.scanProgress')).toBe(true);
        return r;
      });
      expect(result.images).toHaveLength(FIXTURE_IMAGE_COUNT);
      expect(result.images.find((i) => i.name === '00017_gray.png')).toMatchObject(
        KNOWN_IMAGES['00017_gray.png'],
      );
      expect(result.errors).toEqual([
        expect.objectContaining({ code: 'FILE_NOT_FOUND', path: `${FIXTURE_IMAGES}/missing.jpg` }),
      ]);
      await eventually(() =>
        expect(events.filter((e) => e.name === 'files.scanProgress').at(-1)?.payload).toMatchObject({
          scanId: 'scan-1',
          done: true,
          images: FIXTURE_IMAGE_COUNT,
          errors: 1,
        }),
      );
    } finally {
      off();
    }
  });

  it('files.thumbnail returns a decodable WebP for a scanned ref and NOT_FOUND for others', async () => {
    const { images } = await api.files.scan({ paths: [`${FIXTURE_IMAGES}/children-alpha.png`] });
    const ref = images[0]?.thumbRef ?? '';
    const thumb = await api.files.thumbnail({ ref });
    const meta = await sharp(Buffer.from(thumb.data, 'base64')).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: thumb.width, height: thumb.height, hasAlpha: true });
    expect(Math.max(thumb.width, thumb.height)).toBe(200);
    await expectRpcError(api.files.thumbnail({ ref: 'f'.repeat(40) }), 'NOT_FOUND');
    await expectRpcError(api.files.thumbnail({ ref: '../../etc/passwd' }), 'INVALID_INPUT');
  });

  it('answers UNKNOWN_METHOD for a name outside the contract', async () => {
    const result = await h.transport.call('files.delete' as MethodName, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('jobs: create a convert job, follow its events, page its items, and control it', async () => {
    const events: EventEnvelope[] = [];
    const off = h.transport.subscribe((e) => events.push(e));
    try {
      // Outputs go to the user's folders; the data folder is Pixelsmith's own and refused.
      const out = `${work.path}/out-${kind}`;
      const job = await eventually(async () => {
        const created = await api.jobs.create({
          kind: 'convert',
          options: { format: 'webp', maxSize: 48 },
          paths: [FIXTURE_IMAGES],
          outDir: out,
        });
        expect(events.some((e) => e.name === 'job.updated')).toBe(true);
        return created;
      });
      expect(job).toMatchObject({
        kind: 'convert',
        options: { format: 'webp', quality: 85, maxSize: 48 },
        outDir: out,
      });
      const done = await eventually(async () => {
        const s = (await api.jobs.list()).find((j) => j.id === job.id);
        expect(s?.status).toBe('done');
        return s;
      }, 20_000);
      expect(done?.counts).toMatchObject({
        total: FIXTURE_IMAGE_COUNT,
        done: FIXTURE_IMAGE_COUNT,
        failed: 0,
      });
      await eventually(() => {
        expect(events.filter((e) => e.name === 'item.done' && e.payload.jobId === job.id)).toHaveLength(
          FIXTURE_IMAGE_COUNT,
        );
        expect(
          events.some(
            (e) => e.name === 'job.progress' && e.payload.jobId === job.id && e.payload.progress === 1,
          ),
        ).toBe(true);
      });
      const page = await api.jobs.get({ id: job.id, offset: 10, limit: 5 });
      expect(page.totalItems).toBe(FIXTURE_IMAGE_COUNT);
      expect(page.items.map((i) => i.seq)).toEqual([10, 11, 12, 13]);
      expect(page.items[0]?.outputs[0]).toMatch(/\.webp$/);
      const err = await expectRpcError(api.jobs.pause({ id: job.id }), 'INVALID_STATE');
      expect(err.message).toMatch(/is done/);
      await expectRpcError(api.jobs.get({ id: 'nope' }), 'NOT_FOUND');
      // Paths are the server's: a relative one would be resolved against its working folder.
      const relative = await expectRpcError(
        api.jobs.create({ kind: 'convert', paths: [FIXTURE_IMAGES], outDir: 'out' }),
        'INVALID_INPUT',
      );
      expect(relative.message).toMatch(/outDir: must be an absolute path/);
      const inData = await expectRpcError(
        api.jobs.create({ kind: 'convert', paths: [FIXTURE_IMAGES], outDir: `${h.dataDir}/out` }),
        'FORBIDDEN',
      );
      expect(inData.message).toMatch(/belongs to Pixelsmith itself/);
      await expectRpcError(
        api.jobs.create({ kind: 'convert', options: { quality: 0 }, paths: [FIXTURE_IMAGES] }),
        'INVALID_INPUT',
      );
    } finally {
      off();
    }
  });

  it('models: list the catalog, import a model file, enhance with it, remove it', async () => {
    const before = await api.models.list();
    expect(before.map((m) => m.id)).toEqual(
      expect.arrayContaining(['realesr-general-x4v3', 'realesr-animevideov3', 'GFPGANv1.4']),
    );
    // Shipped with the app: installed before anything is downloaded or imported.
    expect(before.find((m) => m.id === 'realesr-animevideov3')).toMatchObject({
      installed: true,
      source: 'bundled',
      format: 'pth',
      downloadable: true,
    });
    await expectRpcError(api.models.download({ id: 'no-such-model' }), 'NOT_FOUND');
    // Offline, out of the box: the first enhance converts the bundled checkpoint and runs it.
    const converting: number[] = [];
    const offConvert = api.on('models.convertProgress', (p) => converting.push(p.fraction));
    const first = await api.jobs.create({
      kind: 'enhance',
      options: {},
      paths: [`${FIXTURE_IMAGES}/esrgan_lq_comic.png`],
      outDir: `${work.path}/bundled-${kind}`,
    });
    const bundled = await eventually(async () => {
      const got = await api.jobs.get({ id: first.id });
      expect(got.job.status).toBe('done');
      return got;
    }, 60_000);
    offConvert();
    expect(bundled.items[0]).toMatchObject({
      status: 'done',
      details: { model: 'realesr-animevideov3', width: 120, height: 180 },
    });
    expect(converting.at(-1)).toBe(1);
    const imported = await api.models.import({ path: `${FIXTURES}/models/realesr-animevideov3.onnx` });
    expect(imported).toMatchObject({
      id: 'realesr-animevideov3',
      installed: true,
      source: 'import',
      scale: 4,
    });
    const job = await api.jobs.create({
      kind: 'enhance',
      options: { outscale: 2 },
      paths: [`${FIXTURE_IMAGES}/esrgan_lq_comic.png`],
      outDir: `${work.path}/enhanced-${kind}`,
    });
    const done = await eventually(async () => {
      const got = await api.jobs.get({ id: job.id });
      expect(got.job.status).toBe('done');
      return got;
    }, 20_000);
    expect(done.items[0]).toMatchObject({
      status: 'done',
      details: { model: 'realesr-animevideov3', provider: 'cpu', width: 120, height: 180 },
    });
    expect((await api.models.list()).find((m) => m.id === 'realesr-animevideov3')?.provider).toBe('cpu');
    expect(await api.models.remove({ id: 'realesr-animevideov3' })).toEqual({ removed: true });
    expect((await api.models.list()).find((m) => m.id === 'realesr-animevideov3')?.source).toBe('bundled');
    await expectRpcError(api.models.import({ path: `${FIXTURES}/MANIFEST.md` }), 'INVALID_INPUT');
  });
});
