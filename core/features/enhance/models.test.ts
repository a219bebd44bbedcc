import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, REPO_ROOT, tempDir } from '../../../test/helpers/fixtures.js';
import { nearestUpscaleModel } from '../../../test/helpers/onnx/models.js';
import { createModelsRepo } from './modelsRepo.js';
import { openTestDb } from '../../../test/helpers/db.js';
import { loadCatalog, type CatalogEntry } from './catalog.js';
import { createHash } from 'node:crypto';
import { MODEL_MAX_BYTES, ModelStore } from './models.js';

const FIXTURE_MODELS = join(FIXTURES, 'models');
const ANIME = join(FIXTURE_MODELS, 'realesr-animevideov3.onnx');
const ANIME_PTH = join(FIXTURES, 'weights', 'realesr-animevideov3.pth');
const XSX4_PTH = join(FIXTURES, 'weights', 'RealESRGANv2-animevideo-xsx4.pth');
const BUNDLED = join(REPO_ROOT, 'resources', 'models');

let dir: { path: string; cleanup: () => void };
let db: Database;
let server: Server | null = null;
beforeEach(() => {
  dir = tempDir();
  db = openTestDb(join(dir.path, 'p.db'));
});
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = null;
  db.close();
  dir.cleanup();
});

/**
 * A download host on loopback: serves `bytes`, honours Range, can cut a response short. The cut
 * comes once the client says it has the bytes (`received`), never on a timer.
 */
async function host(
  bytes: Buffer,
  opts: { cutAfter?: number } = {},
): Promise<{ url: string; ranges: (string | undefined)[]; received(n: number): void }> {
  const ranges: (string | undefined)[] = [];
  let clientHas = 0;
  let onReceived = (): void => undefined;
  server = createServer((req, res) => {
    ranges.push(req.headers.range);
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const from = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, { 'content-length': bytes.length - from });
    const body = bytes.subarray(from);
    if (opts.cutAfter !== undefined && !m) {
      // Drop the connection once the client has these bytes, as a flaky network would.
      const cut = opts.cutAfter;
      res.write(body.subarray(0, cut));
      onReceived = () => {
        if (clientHas >= cut) res.destroy();
      };
      onReceived();
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server?.address() as AddressInfo).port}/model.onnx`,
    ranges,
    received(n) {
      clientHas = n;
      onReceived();
    },
  };
}

function store(
  catalog: CatalogEntry[],
  extraDir?: string,
  onDownloadProgress?: (id: string, received: number) => void,
  more: Partial<ConstructorParameters<typeof ModelStore>[0]> = {},
): ModelStore {
  return new ModelStore({
    catalog,
    repo: createModelsRepo(db),
    dir: join(dir.path, 'models'),
    extraDir,
    ...(onDownloadProgress && { onDownloadProgress }),
    ...more,
  });
}

/** Max |a − b| of two models' outputs on the same small photo crop (1×3×40×48, RGB 0..1). */
async function outputsDiffer(a: string, b: string): Promise<number> {
  const { data } = await sharp(join(FIXTURES, 'images', '0014.jpg'))
    .extract({ left: 60, top: 50, width: 48, height: 40 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const input = new Float32Array(3 * 40 * 48);
  for (let i = 0; i < 40 * 48; i += 1)
    for (let c = 0; c < 3; c += 1) input[c * 40 * 48 + i] = data[i * 3 + c]! / 255;
  const run = async (path: string) => {
    const session = await ort.InferenceSession.create(path);
    try {
      const out = await session.run({
        [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, 40, 48]),
      });
      return out[session.outputNames[0]!]!.data as Float32Array;
    } finally {
      await session.release();
    }
  };
  const [x, y] = [await run(a), await run(b)];
  expect(x.length).toBe(y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i += 1) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
}

const real = loadCatalog(join(REPO_ROOT, 'resources'));
const sha256Of = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const anime = real.find((e) => e.id === 'realesr-animevideov3') as CatalogEntry;

describe('model catalog and store', () => {
  it('the catalog matches the fixtures manifest wherever the file is in ../shared/fixtures/models', () => {
    for (const entry of real) {
      for (const known of [entry, ...entry.exports]) {
        for (const file of [
          join(FIXTURE_MODELS, known.fileName),
          join(FIXTURES, 'weights', known.fileName),
        ]) {
          if (!existsSync(file)) continue;
          expect(known.bytes, entry.id).toBe(statSync(file).size);
          expect(known.sha256, entry.id).toBe(sha256Of(file));
        }
      }
    }
    // Every download has its published size; every sha256 names who publishes it.
    expect(real.filter((e) => e.urls.length > 0).every((e) => e.bytes !== null)).toBe(true);
    expect(real.every((e) => (e.sha256 === null) === (e.sha256Source === null))).toBe(true);
    // The official checkpoints are offered, from their official release pages.
    for (const id of [
      'realesr-general-x4v3',
      'realesr-general-wdn-x4v3',
      'RealESRGAN_x4plus',
      'RealESRGAN_x2plus',
      'RealESRGAN_x4plus_anime_6B',
      'realesr-animevideov3',
      'GFPGANv1.4',
    ]) {
      const entry = real.find((e) => e.id === id);
      expect(entry?.fileName, id).toMatch(/\.pth$/);
      expect(entry?.urls[0], id).toMatch(
        /^https:\/\/github\.com\/(xinntao\/Real-ESRGAN|TencentARC\/GFPGAN)\/releases\/download\//,
      );
    }
    // The summary is for people: checksums, priors and other internals belong in the notes.
    for (const entry of real) {
      expect(entry.summary, entry.id).not.toMatch(/[0-9a-f]{16}|sha256|prior|\.pth|onnx/i);
    }
    expect(real.map((e) => e.id)).toEqual(
      expect.arrayContaining([
        'realesr-general-x4v3',
        'realesr-animevideov3',
        'RealESRGAN_x4plus',
        'RealESRGAN_x2plus',
        'GFPGANv1.4',
        'retinaface-mobilenet0.25',
        'yunet-2023mar',
      ]),
    );
  });

  it('finds catalog models in the read-only folder only when size and sha256 match, and refuses to remove them', async () => {
    const s = store(real, FIXTURE_MODELS);
    const listed = await s.list();
    // The folder holds an ONNX export of the catalog's weights: recognised by its own sha256.
    expect(listed.find((m) => m.id === 'realesr-animevideov3')).toMatchObject({
      installed: true,
      source: 'folder',
      format: 'onnx',
      path: ANIME,
      summary: anime.summary,
      sha256: anime.exports[0]?.sha256,
    });
    expect(listed.find((m) => m.id === 'realesr-general-x4v3')).toMatchObject({
      installed: false,
      downloadable: true,
      format: 'pth',
      sha256: '8dc7edb9ac80ccdc30c3a5dca6616509367f05fbc184ad95b731f05bece96292',
      sha256Source: expect.stringMatching(/OpenModelDB/),
    });
    expect((await s.resolve(undefined)).id).toBe('realesr-animevideov3');
    await expect(s.remove('realesr-animevideov3')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringMatching(/read-only/),
    });
    // A file with the right name but other bytes is not that model.
    const fake = join(dir.path, 'fake');
    mkdirSync(fake);
    writeFileSync(join(fake, anime.fileName), 'not the model');
    writeFileSync(join(fake, anime.exports[0]!.fileName), 'not the model either');
    expect((await store(real, fake).list()).find((m) => m.id === anime.id)?.installed).toBe(false);
    await expect(store(real, fake).resolve(anime.id)).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringMatching(/models import/),
    });
  });

  it('downloads with progress, resumes a cut download with a Range request, checks the sha256, converts the checkpoint, installs', async () => {
    const bytes = readFileSync(ANIME_PTH);
    const first = await host(bytes, { cutAfter: 1_000_000 });
    const entry = { ...anime, urls: [first.url] };
    const converting: number[] = [];
    const s = store([entry], undefined, (_id, received) => first.received(received), {
      onConvertProgress: (_id, f) => converting.push(f),
    });
    await expect(s.download(entry.id)).rejects.toMatchObject({
      code: 'DOWNLOAD_FAILED',
      message: expect.stringMatching(/offline.*import/s),
    });
    expect(statSync(join(dir.path, 'models', `${entry.fileName}.part`)).size).toBe(1_000_000);
    const info = await s.download(entry.id);
    expect(first.ranges).toEqual([undefined, 'bytes=1000000-']);
    expect(info).toMatchObject({ installed: true, source: 'download', bytes: bytes.length, format: 'pth' });
    expect(readFileSync(info.path ?? '').equals(bytes)).toBe(true);
    // Converted as part of the download: ready to run, no conversion left for the first job.
    expect(converting.at(-1)).toBe(1);
    const ready = await s.resolve(entry.id);
    expect(ready.path).toMatch(/converted\/[0-9a-f]{64}\.v\d+\.onnx$/);
    expect(converting.filter((f) => f === 1)).toHaveLength(1);
    expect(existsSync(join(dir.path, 'models', `${entry.fileName}.part`))).toBe(false);
    expect(await s.remove(entry.id)).toBe(true);
    expect(existsSync(info.path ?? '')).toBe(false);
  });

  it('never installs a download whose sha256 is wrong', async () => {
    const served = await host(Buffer.from(nearestUpscaleModel(4)));
    const entry = { ...anime, urls: [served.url], bytes: nearestUpscaleModel(4).length };
    const s = store([entry]);
    await expect(s.download(entry.id)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(existsSync(join(dir.path, 'models', entry.fileName))).toBe(false);
    expect((await s.list())[0]?.installed).toBe(false);
  });

  it('imports an ONNX file: recognises a catalog model by sha256, derives the scale of an unknown one, refuses a non-model', async () => {
    const s = store(real);
    const known = await s.import(ANIME, {});
    expect(known).toMatchObject({ id: 'realesr-animevideov3', task: 'upscale', scale: 4, source: 'import' });
    const mine = join(dir.path, 'my x3 model.onnx');
    writeFileSync(mine, nearestUpscaleModel(3));
    const custom = await s.import(mine, {});
    expect(custom).toMatchObject({
      id: 'my-x3-model',
      task: 'upscale',
      scale: 3,
      installed: true,
      summary: 'A model you imported.',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await s.resolve('my-x3-model')).convention).toMatchObject({ channels: 'RGB', range: [0, 1] });
    const notModel = join(dir.path, 'notes.onnx');
    copyFileSync(join(FIXTURES, 'MANIFEST.md'), notModel);
    await expect(s.import(notModel, {})).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/not an ONNX model/),
    });
  });

  it('imports only a regular model file under the size cap, and stops when cancelled', async () => {
    const s = store(real);
    await expect(s.import('/dev/zero', {})).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/not a regular file/),
    });
    const fifo = join(dir.path, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    await expect(s.import(fifo, {})).rejects.toMatchObject({
      message: expect.stringMatching(/not a regular file/),
    });
    const huge = join(dir.path, 'huge.onnx');
    writeFileSync(huge, '');
    truncateSync(huge, MODEL_MAX_BYTES + 1); // sparse: no disk used
    await expect(s.import(huge, {})).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringMatching(/over the 2 GB/),
    });
    const big = join(dir.path, 'big.onnx');
    writeFileSync(big, '');
    truncateSync(big, 1024 ** 3);
    const stop = new AbortController();
    const importing = s.import(big, {}, stop.signal);
    stop.abort();
    await expect(importing).rejects.toThrow(/abort/i);
    expect(existsSync(join(dir.path, 'models'))).toBe(false);
  });

  it('runs the bundled checkpoint offline: converted on first use, once, the same network as the ONNX export', async () => {
    const converting: number[] = [];
    const s = store(real, undefined, undefined, {
      bundledDir: BUNDLED,
      onConvertProgress: (id, f) => converting.push(f),
    });
    expect((await s.list()).find((m) => m.id === 'realesr-animevideov3')).toMatchObject({
      installed: true,
      source: 'bundled',
      format: 'pth',
      path: join(BUNDLED, 'realesr-animevideov3.pth'),
      sha256: anime.sha256,
      sha256Source: expect.stringMatching(/OpenModelDB/),
    });
    const model = await s.resolve(undefined);
    expect(model).toMatchObject({ id: 'realesr-animevideov3', scale: 4, inputMultiple: 1 });
    expect(model.path.startsWith(join(dir.path, 'models', 'converted'))).toBe(true);
    expect(converting.at(-1)).toBe(1);
    const count = converting.length;
    expect((await s.resolve('realesr-animevideov3')).path).toBe(model.path);
    expect(converting).toHaveLength(count);
    expect(await outputsDiffer(model.path, ANIME)).toBeLessThanOrEqual(1e-4);
    await expect(s.remove('realesr-animevideov3')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringMatching(/comes with Pixelsmith/),
    });
  });

  it('imports a PyTorch checkpoint: the network, task and scale come from its weights', async () => {
    const s = store(real);
    const info = await s.import(XSX4_PTH, {});
    expect(info).toMatchObject({
      id: 'RealESRGANv2-animevideo-xsx4',
      task: 'upscale',
      scale: 4,
      format: 'pth',
      source: 'import',
      sha256: sha256Of(XSX4_PTH),
      sha256Source: null,
    });
    const model = await s.resolve(info.id);
    expect(model.path).toMatch(/\.onnx$/);
    // Other weights than the anime model's: a different network output on the same input.
    expect(await outputsDiffer(model.path, ANIME)).toBeGreaterThan(1e-3);
    // The official file is recognised as the catalog's model by its sha256.
    expect(await s.import(ANIME_PTH, {})).toMatchObject({ id: 'realesr-animevideov3', source: 'import' });
  });

  it('refuses a damaged or unknown checkpoint on import with the reason, and keeps nothing', async () => {
    const s = store(real);
    const cut = join(dir.path, 'cut.pth');
    writeFileSync(cut, readFileSync(ANIME_PTH).subarray(0, 1_500_000));
    await expect(s.import(cut, {})).rejects.toMatchObject({ code: 'BAD_CHECKPOINT' });
    const text = join(dir.path, 'notes.pth');
    writeFileSync(text, 'these are not weights');
    await expect(s.import(text, {})).rejects.toMatchObject({ code: 'BAD_CHECKPOINT' });
    expect(existsSync(join(dir.path, 'models', 'cut.pth'))).toBe(false);
    expect((await s.list()).filter((m) => m.source === 'import')).toEqual([]);
  });

  it('records the sha256 of a download nobody publishes one for, and says it is recorded', async () => {
    const bytes = readFileSync(ANIME_PTH);
    const served = await host(bytes);
    const entry = { ...anime, sha256: null, sha256Source: null, urls: [served.url] };
    const info = await store([entry]).download(entry.id);
    expect(info).toMatchObject({ installed: true, sha256: sha256Of(ANIME_PTH), sha256Source: null });
  });

  it('never suggests a download that cannot happen', async () => {
    const offline = real.map((e) => ({ ...e, urls: [] }));
    await expect(store(offline).resolve(undefined)).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.not.stringMatching(/models download/),
    });
    await expect(store(real).resolve(undefined)).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringMatching(/models download realesr-general-x4v3/),
    });
    await expect(store(offline).resolve('RealESRGAN_x4plus')).rejects.toMatchObject({
      message: expect.stringMatching(/No download exists for it; import a \.pth or \.onnx/),
    });
  });
});
