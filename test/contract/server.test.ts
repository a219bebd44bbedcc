import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../core/app/createCore.js';
import { RpcError } from '../../core/contract/errors.js';
import { startServer } from '../../core/host/server.js';
import { tempDir } from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const TOKEN = 'test-token-0123456789abcdef';
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});
const rpc = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${h?.server?.url ?? ''}rpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

/** A raw request, so tests can set headers fetch forbids (Host) or stream a body without a length. */
function rawRequest(
  url: string,
  options: { method: string; headers?: Record<string, string>; chunks?: Buffer[] },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('web shell edges', () => {
  it('unknown method → 404 UNKNOWN_METHOD; invalid input → 400 INVALID_INPUT with the issues summarised', async () => {
    h = await startHarness('http');
    const unknown = await rpc('files.delete', '{}');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_METHOD', message: expect.stringMatching(/files\.delete/) },
    });
    const invalid = await rpc('settings.set', JSON.stringify({ thumbnailSize: 5, theme: 'sepia' }));
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: { code: string; message: string; details: unknown[] } };
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.message).toMatch(/thumbnailSize: Too small/);
    expect(body.error.message).toMatch(/theme: Invalid option/);
    expect(body.error.details).toHaveLength(2);
    const notJson = await rpc('settings.get', '{nope');
    expect(notJson.status).toBe(400);
    const plain = await fetch(`${h.server?.url}rpc/settings.get`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(plain.status).toBe(400);
    const get = await fetch(`${h.server?.url}rpc/settings.get`);
    expect(get.status).toBe(404);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('refuses a body over the limit with 413, by declared length and by streamed bytes', async () => {
    h = await startHarness('http', { maxBodyBytes: 64 * 1024 });
    const big = JSON.stringify({ paths: ['x'.repeat(100 * 1024)] });
    const declared = await rpc('files.scan', big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    const streamed = await rawRequest(`${h.server?.url}rpc/files.scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: 10 }, () => Buffer.alloc(16 * 1024, 0x20)),
    });
    expect(streamed.status).toBe(413);
    // The server is still healthy afterwards.
    expect((await rpc('settings.get', '')).status).toBe(200);
  });

  it('with a token, every request must carry it: 401 without, header or cookie with', async () => {
    h = await startHarness('http', { token: TOKEN });
    const url = h.server?.url ?? '';
    const without = await rpc('settings.get', '{}');
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect((await rpc('settings.get', '{}', { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(
      401,
    );
    expect((await rpc('settings.get', '{}', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await fetch(url)).status).toBe(401);
    // Opening the printed URL trades the token for a cookie and strips it from the address.
    const entry = await fetch(`${url}?token=${TOKEN}`, { redirect: 'manual' });
    expect(entry.status).toBe(302);
    expect(entry.headers.get('location')).toBe('/');
    const cookie = entry.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await rpc('settings.get', '{}', { cookie: cookie.split(';')[0] ?? '' })).status).toBe(200);
    // The event socket too.
    const wsUrl = url.replace('http', 'ws') + 'events';
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);
    const accepted = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`${wsUrl}?token=${TOKEN}`);
      ws.on('open', () => {
        ws.close();
        resolve(true);
      });
      ws.on('error', () => resolve(false));
    });
    expect(accepted).toBe(true);
  });

  it('will not listen beyond loopback without a token, nor with a short one', async () => {
    const dir = tempDir();
    const core = createCore({ dataDir: dir.path, shell: 'web' });
    try {
      const open = await startServer({
        core,
        dataDir: dir.path,
        host: '0.0.0.0',
        port: 0,
        staticDir: dir.path,
      }).catch((e: unknown) => e);
      expect(open).toBeInstanceOf(RpcError);
      expect((open as RpcError).message).toMatch(/--token/);
      const weak = await startServer({
        core,
        dataDir: dir.path,
        host: '0.0.0.0',
        port: 0,
        token: 'short',
        staticDir: dir.path,
      }).catch((e: unknown) => e);
      expect((weak as RpcError).code).toBe('INVALID_INPUT');
    } finally {
      await core.close();
      dir.cleanup();
    }
  });

  it('without a token, refuses other Host names (DNS rebinding) and cross-site origins', async () => {
    h = await startHarness('http');
    const url = `${h.server?.url}rpc/settings.get`;
    const headers = { 'content-type': 'application/json' };
    const rebound = await rawRequest(url, {
      method: 'POST',
      headers: { ...headers, host: 'evil.example:80' },
    });
    expect(rebound.status).toBe(403);
    const crossSite = await rawRequest(url, {
      method: 'POST',
      headers: { ...headers, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const sameSite = await rawRequest(url, {
      method: 'POST',
      headers: { ...headers, origin: (h.server?.url ?? '').replace(/\/$/, '') },
    });
    expect(sameSite.status).toBe(200);
  });

  it('stores uploads under the data folder and rejects paths that would escape it', async () => {
    h = await startHarness('http');
    const base = `${h.server?.url}upload`;
    const ok = await fetch(`${base}?batch=b1&path=${encodeURIComponent('trip/day 1/a.jpg')}`, {
      method: 'PUT',
      body: 'bytes',
    });
    expect(ok.status).toBe(200);
    const { value } = (await ok.json()) as { value: { path: string } };
    expect(value.path).toBe(join(h.dataDir, 'imports', 'b1', 'trip', 'day 1', 'a.jpg'));
    expect(existsSync(value.path)).toBe(true);
    for (const bad of ['../../escape.jpg', '/etc/passwd/../x', 'C:/x.jpg', '']) {
      const res = await fetch(`${base}?batch=b1&path=${encodeURIComponent(bad)}`, {
        method: 'PUT',
        body: 'x',
      });
      expect(res.status, bad).toBe(400);
    }
    expect((await fetch(`${base}?batch=../x&path=a.jpg`, { method: 'PUT', body: 'x' })).status).toBe(400);
    expect(existsSync(join(h.dataDir, 'escape.jpg'))).toBe(false);
  });

  it('accepts many uploads into one folder at once, each complete', async () => {
    h = await startHarness('http');
    const names = Array.from({ length: 24 }, (_, i) => `shot-${i}.jpg`);
    const results = await Promise.all(
      names.map((n) =>
        fetch(`${h?.server?.url}upload?batch=b2&path=${encodeURIComponent(`Big/${n}`)}`, {
          method: 'PUT',
          body: `bytes of ${n}`,
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(names.map(() => 200));
    const folder = join(h.dataDir, 'imports', 'b2', 'Big');
    expect(readdirSync(folder).sort()).toEqual([...names].sort());
    for (const n of names) expect(readFileSync(join(folder, n), 'utf8')).toBe(`bytes of ${n}`);
  });

  it('serves the built studio with its CSP, and never a file outside it', async () => {
    const dir = tempDir();
    mkdirSync(join(dir.path, 'assets'));
    writeFileSync(join(dir.path, 'index.html'), '<!doctype html><title>studio</title>');
    writeFileSync(join(dir.path, 'assets', 'app-1234.js'), 'console.log(1)');
    h = await startHarness('http', { staticDir: dir.path });
    const page = await fetch(h.server?.url ?? '');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const asset = await fetch(`${h.server?.url}assets/app-1234.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    const sneaky = await rawRequest(`${h.server?.url}..%2f..%2f..%2fetc%2fpasswd`, { method: 'GET' });
    expect(sneaky.body).toContain('<title>studio</title>');
    dir.cleanup();
  });
});
