import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/fixtures.js';
import { startFakeGemini } from './server.js';
import { apiError, client, SMALL_PNG } from './testing.js';
import type { FakeGemini } from './types.js';

describe('fake Gemini Files API through the real SDK', () => {
  let fake: FakeGemini;
  const tmp = tempDir('fake-gemini-files-');
  beforeAll(async () => {
    fake = await startFakeGemini({ keys: { 'key-1': { project: 'p1' }, 'key-2': { project: 'p2' } } });
  });
  afterAll(async () => {
    await fake.close();
    tmp.cleanup();
  });
  beforeEach(() => fake.reset());

  it('uploads a real image by path with the resumable protocol, then gets, lists, downloads and deletes it', async () => {
    const ai = client(fake);
    const original = readFileSync(SMALL_PNG);
    const file = await ai.files.upload({
      file: SMALL_PNG,
      config: { mimeType: 'image/png', displayName: 'comic.png' },
    });
    expect(file).toMatchObject({
      mimeType: 'image/png',
      displayName: 'comic.png',
      sizeBytes: String(original.length),
      state: 'ACTIVE',
      source: 'UPLOADED',
    });
    expect(file.name).toMatch(/^files\/[a-z0-9]+$/);
    expect(file.uri).toBe(`https://generativelanguage.googleapis.com/v1beta/${file.name}`);
    expect(Date.parse(file.expirationTime ?? '') - Date.parse(file.createTime ?? '')).toBe(48 * 3600_000);

    // The wire: a start request with the upload headers, then one "upload, finalize" chunk.
    const [start, chunk] = fake.requests;
    expect(start).toMatchObject({ method: 'POST', path: '/upload/v1beta/files', apiKey: 'key-1' });
    expect(start?.headers).toMatchObject({
      'x-goog-upload-protocol': 'resumable',
      'x-goog-upload-command': 'start',
      'x-goog-upload-header-content-length': String(original.length),
      'x-goog-upload-header-content-type': 'image/png',
      'x-goog-upload-file-name': 'esrgan_lq_comic.png',
    });
    expect(start?.body).toEqual({
      file: { mimeType: 'image/png', displayName: 'comic.png', sizeBytes: String(original.length) },
    });
    expect(chunk).toMatchObject({ path: '/upload/v1beta/files', body: original.length });
    expect(chunk?.query.upload_id).toBeTruthy();
    expect(chunk?.headers).toMatchObject({
      'x-goog-upload-command': 'upload, finalize',
      'x-goog-upload-offset': '0',
    });

    const name = file.name ?? '';
    expect(await ai.files.get({ name })).toMatchObject({ name, sizeBytes: String(original.length) });
    // The SDK maps an https URI back to the id.
    expect((await ai.files.get({ name: file.uri ?? '' })).name).toBe(name);

    const listed = [];
    for await (const f of await ai.files.list()) listed.push(f.name);
    expect(listed).toEqual([name]);

    const out = join(tmp.path, 'downloaded.png');
    await ai.files.download({ file: name, downloadPath: out });
    expect(readFileSync(out).equals(original)).toBe(true);
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: `/v1beta/${name}:download`,
      query: { alt: 'media' },
    });

    // Non-SDK clients use the /download prefix.
    const viaPrefix = await fetch(`${fake.url}/download/v1beta/${name}:download?alt=media`, {
      headers: { 'x-goog-api-key': 'key-1' },
    });
    expect(viaPrefix.status).toBe(200);
    expect(Buffer.from(await viaPrefix.arrayBuffer()).equals(original)).toBe(true);

    await ai.files.delete({ name });
    const gone = await apiError(ai.files.get({ name }));
    expect(gone.status).toBe(403);
    expect(gone.body.error.status).toBe('PERMISSION_DENIED');
  });

  it('uploads a Blob in 8 MiB chunks, keeping config.name', async () => {
    const ai = client(fake);
    const bytes = Buffer.alloc(9 * 1024 * 1024, 7);
    const file = await ai.files.upload({
      file: new Blob([bytes]),
      config: { mimeType: 'application/octet-stream', name: 'bigblob' },
    });
    expect(file).toMatchObject({ name: 'files/bigblob', sizeBytes: String(bytes.length) });
    const chunks = fake.requests.filter((r) => r.query.upload_id);
    expect(
      chunks.map((r) => [r.headers['x-goog-upload-command'], r.headers['x-goog-upload-offset'], r.body]),
    ).toEqual([
      ['upload', '0', 8388608],
      ['upload, finalize', '8388608', 1048576],
    ]);
    expect(fake.files.get('bigblob')?.bytes.equals(bytes)).toBe(true);
  });

  it('pages files.list with pageSize 2 across 5 files, omitting the token on the last page', async () => {
    const ai = client(fake);
    const names: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const f = await ai.files.upload({
        file: new Blob([`line ${i}\n`]),
        config: { mimeType: 'text/plain' },
      });
      names.push(f.name ?? '');
    }
    fake.requests.length = 0;
    const pager = await ai.files.list({ config: { pageSize: 2 } });
    expect(pager.page).toHaveLength(2);
    const seen: string[] = [];
    for await (const f of pager) seen.push(f.name ?? '');
    expect(seen).toEqual(names);
    const lists = fake.requests.filter((r) => r.path === '/v1beta/files');
    expect(lists).toHaveLength(3);
    expect(lists.map((r) => r.query.pageSize)).toEqual(['2', '2', '2']);
    expect(lists[0]?.query.pageToken).toBeUndefined();
    expect(lists[1]?.query.pageToken).toBeTruthy();
  });

  it("hides another project's files with the real 403, and reports PROCESSING then expiry by fake clock", async () => {
    const mine = await client(fake, 'key-1').files.upload({
      file: new Blob(['x']),
      config: { mimeType: 'text/plain' },
    });
    const foreign = await apiError(client(fake, 'key-2').files.get({ name: mine.name ?? '' }));
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toContain('may not exist');

    const processingMs = 5_000;
    const slow = await startFakeGemini({ fileProcessingMs: processingMs, timeScale: 0 });
    try {
      const ai = client(slow);
      const f = await ai.files.upload({ file: new Blob(['y']), config: { mimeType: 'text/plain' } });
      expect(f.state).toBe('PROCESSING');
      slow.clock.advance(processingMs);
      expect((await ai.files.get({ name: f.name ?? '' })).state).toBe('ACTIVE');
      slow.clock.advance(48 * 3600_000);
      expect((await apiError(ai.files.get({ name: f.name ?? '' }))).status).toBe(403);
    } finally {
      await slow.close();
    }
  });

  it('rejects a finalize whose size differs from the declared length', async () => {
    const start = await fetch(`${fake.url}/upload/v1beta/files`, {
      method: 'POST',
      headers: {
        'x-goog-api-key': 'key-1',
        'x-goog-upload-protocol': 'resumable',
        'x-goog-upload-command': 'start',
        'x-goog-upload-header-content-length': '10',
        'x-goog-upload-header-content-type': 'text/plain',
      },
      body: '{}',
    });
    const uploadUrl = start.headers.get('x-goog-upload-url') ?? '';
    expect(uploadUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/upload\/v1beta\/files\?upload_id=.+&upload_protocol=resumable$/,
    );
    expect(start.headers.get('x-goog-upload-status')).toBe('active');
    const short = await fetch(uploadUrl, {
      method: 'POST',
      headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' },
      body: 'abc',
    });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
  });
});
