import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../core/app/createCore.js';
import { RpcError } from '../../core/contract/errors.js';
import { startServer } from '../../core/host/server.js';
import { tempDir } from '../helpers/fixtures.js';
import { HARNESS_TOKEN, startHarness, type Harness } from '../helpers/harness.js';

const TOKEN = HARNESS_TOKEN;
const AUTH = { authorization: `Bearer ${TOKEN}` };
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});
const base = (): string => (h?.server?.url ?? '').replace(/\/$/, '');
const rpc = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base()}/rpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTH, ...headers },
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

/** Sends raw bytes and returns what comes back before the server closes the connection. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let got = '';
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      // One answer is all these requests get; the server closes after it.
      if (/\r\n\r\n/.test(got)) socket.end();
    });
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
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
    const plain = await fetch(`${base()}/rpc/settings.get`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...AUTH },
      body: '{}',
    });
    expect(plain.status).toBe(400);
    const get = await fetch(`${base()}/rpc/settings.get`, { headers: AUTH });
    expect(get.status).toBe(404);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('refuses a body over the limit with 413, by declared length and by streamed bytes', async () => {
    h = await startHarness('http', { maxBodyBytes: 64 * 1024 });
    const big = JSON.stringify({ paths: ['x'.repeat(100 * 1024)] });
    const declared = await rpc('files.scan', big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    const streamed = await rawRequest(`${base()}/rpc/files.scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...AUTH },
      chunks: Array.from({ length: 10 }, () => Buffer.alloc(16 * 1024, 0x20)),
    });
    expect(streamed.status).toBe(413);
    // The server is still healthy afterwards.
    expect((await rpc('settings.get', '')).status).toBe(200);
  });

  it('every request must carry the token: 401 without, header or cookie with, never ?token= on the API', async () => {
    h = await startHarness('http');
    const url = `${base()}/`;
    const without = await rpc('settings.get', '{}', { authorization: '' });
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect((await rpc('settings.get', '{}', { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(
      401,
    );
    expect((await rpc('settings.get', '{}')).status).toBe(200);
    // ?token= is for the first page load only: not on /rpc, not on the socket.
    const viaQuery = await fetch(`${url}rpc/settings.get?token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(viaQuery.status).toBe(401);
    const page = await fetch(url);
    expect(page.status).toBe(401);
    expect(await page.text()).toMatch(/Open the URL that `pixelsmith serve` printed/);
    // Opening the printed URL trades the token for a cookie and strips it from the address.
    const entry = await fetch(`${url}?token=${TOKEN}`, { redirect: 'manual' });
    expect(entry.status).toBe(302);
    expect(entry.headers.get('location')).toBe('/');
    const cookie = entry.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const jar = cookie.split(';')[0] ?? '';
    expect((await rpc('settings.get', '{}', { authorization: '', cookie: jar })).status).toBe(200);
    expect((await fetch(`${url}?token=wrong-token-0123456789`, { redirect: 'manual' })).status).toBe(401);
    // The cookie does not ride on a cross-site request.
    const crossSite = await rawRequest(`${url}rpc/settings.get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: jar, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(401);
    // The event socket: refused without, with ?token=, accepted with the header or the cookie.
    const wsUrl = `${url.replace('http', 'ws')}events`;
    const open = (target: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(target, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
      });
    expect(await open(wsUrl)).toBe(401);
    expect(await open(`${wsUrl}?token=${TOKEN}`)).toBe(401);
    expect(await open(wsUrl, AUTH)).toBe(101);
    expect(await open(wsUrl, { cookie: jar })).toBe(101);
  });

  it('sends a browser back only to this server after the token trade (no open redirect)', async () => {
    h = await startHarness('http');
    for (const [target, location] of [
      [`/.//evil.com/?token=${TOKEN}`, '/evil.com/'],
      [`//evil.com/?token=${TOKEN}`, '/evil.com/'],
      [`/\\\\evil.com/?token=${TOKEN}`, '/evil.com/'],
      [`/queue?x=1&token=${TOKEN}`, '/queue?x=1'],
    ] as const) {
      const answer = await rawExchange(h.server?.port ?? 0, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(answer, target).toMatch(/^HTTP\/1\.1 302/);
      expect(/\r\nlocation: ([^\r]*)/i.exec(answer)?.[1], target).toBe(location);
    }
  });

  it('answers malformed targets, cookies and upgrades with 400/401, and keeps serving', async () => {
    h = await startHarness('http');
    const port = h.server?.port ?? 0;
    const bad = await rawRequest(`${base()}/rpc/%E0`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH },
    });
    expect(bad.status).toBe(400);
    const cookie = await rawRequest(`${base()}/rpc/settings.get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'pixelsmith_token=%E0%A4%A' },
    });
    expect(cookie.status).toBe(401);
    const upgrade = (target: string, extra = ''): string =>
      `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
    expect(await rawExchange(port, upgrade('http://['))).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawExchange(port, upgrade('/events', 'Cookie: pixelsmith_token=%E0%A4%A\r\n'))).toMatch(
      /^HTTP\/1\.1 401/,
    );
    expect(await rawExchange(port, upgrade('/nowhere'))).toMatch(/^HTTP\/1\.1 404/);
    expect((await rpc('settings.get', '{}')).status).toBe(200);
  });

  it('logs a request its client abandoned in one line, not a stack trace', async () => {
    const lines: string[] = [];
    h = await startHarness('http', { log: (line) => lines.push(line) });
    const port = h.server?.port ?? 0;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /rpc/settings.set HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"theme":',
        );
        // Gone before the body is complete.
        setImmediate(() => socket.destroy());
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    // The server answers the next request; by then it has handled the abandoned one.
    for (let i = 0; i < 50 && lines.length === 0; i += 1)
      expect((await rpc('settings.get', '{}')).status).toBe(200);
    expect(lines).toEqual([
      expect.stringMatching(/^request aborted by the client: POST \/rpc\/settings\.set$/),
    ]);
  });

  it('says how to pick a free port when the one asked for is taken', async () => {
    h = await startHarness('http');
    const taken = await startServer({
      core: h.core,
      dataDir: h.dataDir,
      port: h.server?.port ?? 0,
      staticDir: h.dataDir,
      token: TOKEN,
    }).catch((e: unknown) => e);
    expect(taken).toMatchObject({
      message: expect.stringMatching(/is in use; pick another with --port, or --port 0/),
    });
  });

  it('refuses to start without a token, or with a short one', async () => {
    const dir = tempDir();
    const core = createCore({ dataDir: dir.path, shell: 'web' });
    try {
      for (const token of [undefined, 'short']) {
        const refused = await startServer({
          core,
          dataDir: dir.path,
          port: 0,
          staticDir: dir.path,
          token: token as string,
        }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(RpcError);
        expect((refused as RpcError).message).toMatch(/at least 16 characters/);
      }
    } finally {
      await core.close();
      dir.cleanup();
    }
  });

  it('stores uploads under the data folder and rejects paths that would escape it', async () => {
    h = await startHarness('http');
    const upload = `${base()}/upload`;
    const ok = await fetch(`${upload}?batch=b1&path=${encodeURIComponent('trip/day 1/a.jpg')}`, {
      method: 'PUT',
      headers: AUTH,
      body: 'bytes',
    });
    expect(ok.status).toBe(200);
    const { value } = (await ok.json()) as { value: { path: string } };
    expect(value.path).toBe(join(h.dataDir, 'imports', 'b1', 'trip', 'day 1', 'a.jpg'));
    expect(existsSync(value.path)).toBe(true);
    for (const bad of ['../../escape.jpg', '/etc/passwd/../x', 'C:/x.jpg', '']) {
      const res = await fetch(`${upload}?batch=b1&path=${encodeURIComponent(bad)}`, {
        method: 'PUT',
        headers: AUTH,
        body: 'x',
      });
      expect(res.status, bad).toBe(400);
    }
    const badBatch = await fetch(`${upload}?batch=../x&path=a.jpg`, {
      method: 'PUT',
      headers: AUTH,
      body: 'x',
    });
    expect(badBatch.status).toBe(400);
    expect(existsSync(join(h.dataDir, 'escape.jpg'))).toBe(false);
  });

  it('accepts many uploads into one folder at once, each complete', async () => {
    h = await startHarness('http');
    const names = Array.from({ length: 24 }, (_, i) => `shot-${i}.jpg`);
    const results = await Promise.all(
      names.map((n) =>
        fetch(`${base()}/upload?batch=b2&path=${encodeURIComponent(`Big/${n}`)}`, {
          method: 'PUT',
          headers: AUTH,
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
    const page = await fetch(`${base()}/`, { headers: AUTH });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const asset = await fetch(`${base()}/assets/app-1234.js`, { headers: AUTH });
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    const sneaky = await rawRequest(`${base()}/..%2f..%2f..%2fetc%2fpasswd`, {
      method: 'GET',
      headers: AUTH,
    });
    expect(sneaky.body).toContain('<title>studio</title>');
    dir.cleanup();
  });
});
