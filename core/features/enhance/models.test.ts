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
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, REPO_ROOT, tempDir } from '../../../test/helpers/fixtures.js';
import { nearestUpscaleModel } from '../../../test/helpers/onnx/models.js';
import { createModelsRepo } from './modelsRepo.js';
import { openTestDb } from '../../../test/helpers/db.js';
import { loadCatalog, type CatalogEntry } from './catalog.js';
import { MODEL_MAX_BYTES, ModelStore } from './models.js';

const FIXTURE_MODELS = join(FIXTURES, 'models');
const ANIME = join(FIXTURE_MODELS, 'realesr-animevideov3.onnx');

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
): ModelStore {
  return new ModelStore({
    catalog,
    repo: createModelsRepo(db),
    dir: join(dir.path, 'models'),
    extraDir,
    ...(onDownloadProgress && { onDownloadProgress }),
  });
}

const real = loadCatalog(join(REPO_ROOT, 'resources'));
const anime = real.find((e) => e.id === 'realesr-animevideov3') as CatalogEntry;

describe('model catalog and store', () => {
  it('the catalog matches the fixtures manifest wherever the file is in ../shared/fixtures/models', () => {
    for (const entry of real) {
      const file = join(FIXTURE_MODELS, entry.fileName);
      if (!existsSync(file)) continue;
      expect(entry.bytes, entry.id).toBe(statSync(file).size);
      expect(entry.sha256, entry.id).not.toBeNull();
    }
    expect(real.filter((e) => e.urls.length > 0).every((e) => e.sha256 && e.bytes)).toBe(true);
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
    expect(listed.find((m) => m.id === 'realesr-animevideov3')).toMatchObject({
      installed: true,
      source: 'folder',
      path: ANIME,
      summary: anime.summary,
      sha256: anime.sha256,
    });
    expect(listed.find((m) => m.id === 'realesr-general-x4v3')).toMatchObject({
      installed: false,
      downloadable: false,
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
    expect((await store(real, fake).list()).find((m) => m.id === anime.id)?.installed).toBe(false);
    await expect(store(real, fake).resolve(anime.id)).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringMatching(/models import/),
    });
  });

  it('downloads with progress, resumes a cut download with a Range request, and installs after the sha256 check', async () => {
    const bytes = readFileSync(ANIME);
    const first = await host(bytes, { cutAfter: 1_000_000 });
    const entry = { ...anime, urls: [first.url] };
    const s = store([entry], undefined, (_id, received) => first.received(received));
    await expect(s.download(entry.id)).rejects.toMatchObject({
      code: 'DOWNLOAD_FAILED',
      message: expect.stringMatching(/offline.*import/s),
    });
    expect(statSync(join(dir.path, 'models', `${entry.fileName}.part`)).size).toBe(1_000_000);
    const info = await s.download(entry.id);
    expect(first.ranges).toEqual([undefined, 'bytes=1000000-']);
    expect(info).toMatchObject({ installed: true, source: 'download', bytes: bytes.length });
    expect(readFileSync(info.path ?? '').equals(bytes)).toBe(true);
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
});
