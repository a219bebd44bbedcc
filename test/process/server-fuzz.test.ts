import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const TOKEN = 'fuzz-token-0123456789abcdef';
const ROUNDS = 320;

/** A small seeded generator, so a failure names a case that can be run again. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Sends raw bytes; resolves with the status of the first answer, or 0 when the server just closed. */
function send(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let got = '';
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (got.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(got)?.[1] ?? 0)));
    socket.on('error', () => undefined);
  });
}

/** One malformed request of many shapes: request lines, headers, cookies, upgrades, bodies. */
function malformed(random: () => number, i: number): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const junk = (n: number): string =>
    Array.from({ length: n }, () => String.fromCharCode(Math.floor(random() * 256))).join('');
  const target = pick([
    'http://[',
    '*',
    '//evil.example/?token=x',
    '/rpc/%E0',
    '/rpc/%',
    `/rpc/${junk(12)}`,
    `/${'%'.repeat(40)}`,
    `/${'a'.repeat(9000)}`,
    '/events?token=%E0%A4%A',
    '/upload?batch=../../x&path=%00',
    `/${junk(30)}`,
    '/?token=%E0',
    'http://localhost:1/rpc/settings.get',
  ]);
  const cookie = pick([
    'pixelsmith_token=%E0%A4%A',
    'pixelsmith_token=%',
    `pixelsmith_token=${junk(20)}`,
    `${junk(8)}=${junk(8)}; pixelsmith_token`,
    '=; ;;=',
  ]);
  const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'BREW', 'G\u00c9T', '', junk(5)]);
  const kinds = [
    () => `${method} ${target} HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\n\r\n`,
    () =>
      `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${pick(['dGhlIHNhbXBsZSBub25jZQ==', '', junk(10)])}\r\nSec-WebSocket-Version: ${pick(['13', '8', 'x'])}\r\n` +
      `Cookie: ${cookie}\r\n\r\n`,
    () => `${junk(1 + Math.floor(random() * 60))}\r\n\r\n`,
    () => `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    () =>
      `POST /rpc/settings.set HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${pick(['5', '-1', 'abc', '99999999999'])}\r\n\r\n${junk(5)}`,
    () =>
      `POST /rpc/files.scan HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
      `Transfer-Encoding: ${pick(['chunked', 'gzip, chunked', 'x'])}\r\n\r\n${pick(['zz\r\n', '5\r\n{"pa\r\n0\r\n\r\n', junk(9)])}`,
    () => `GET / HTTP/1.1\r\nHost: x\r\n${junk(3)}: ${junk(3)}\r\nNoColonHere\r\n\r\n`,
    () => `GET /${junk(4)} HTTP/${pick(['0.9', '2.0', '1.1x', ''])}\r\n\r\n`,
  ];
  return Buffer.from(kinds[i % kinds.length]?.() ?? '', 'latin1');
}

/**
 * A few hundred malformed request lines, headers, cookies and upgrade requests against the real
 * `pixelsmith serve` process: every one is answered (or closed) without a 5xx, and the server
 * keeps answering good requests and never exits.
 */
describe('pixelsmith serve under malformed requests', () => {
  const data = tempDir('pixelsmith-fuzz-');
  let child: ChildProcess;
  let port = 0;
  let log = '';
  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'pixelsmith.js'), '--data-dir', data.path, 'serve', '--port', '0'],
      {
        env: { ...process.env, PIXELSMITH_TOKEN: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    port = await new Promise<number>((resolve, reject) => {
      const onData = (c: Buffer): void => {
        log += c.toString();
        const m = /Pixelsmith studio: http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
        if (m) resolve(Number(m[1]));
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${log}`)));
    });
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    data.cleanup();
  });

  const good = (): Promise<number> =>
    send(
      port,
      Buffer.from(
        `POST /rpc/settings.get HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
      ),
    );

  it(`answers ${ROUNDS} malformed requests with 4xx (never 5xx, never a crash) and stays up`, async () => {
    const random = prng(20261201);
    const statuses = new Map<number, number>();
    for (let i = 0; i < ROUNDS; i += 1) {
      const status = await send(port, malformed(random, i));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(status >= 500, `case ${i} got ${status}`).toBe(false);
      if (i % 20 === 19) expect(await good(), `after case ${i}`).toBe(200);
    }
    expect(child.exitCode).toBeNull();
    expect(await good()).toBe(200);
    // The tally goes into the test log (and the closing note).
    console.log(
      `fuzz: ${ROUNDS} requests; answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect([...statuses.keys()].some((s) => s === 400)).toBe(true);
    expect(log).not.toMatch(/TypeError|URIError|uncaught/i);
  });
});
