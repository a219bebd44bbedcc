import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../app/createCore.js';
import { dataPaths } from '../kernel/paths.js';
import { dispatch } from '../contract/dispatch.js';
import { HTTP_STATUS, RpcError, type RpcErrorData } from '../contract/errors.js';
import type { SubscribeMessage } from '../contract/transport-http.js';
import { isLoopback, originAllowed, sameOriginLoopback, TOKEN_COOKIE, tokenMatches } from './auth.js';
import { BodyTooLargeError, discardBody, readBody } from './body.js';
import { serveStatic } from './static.js';
import { receiveUpload } from './upload.js';

export interface ServerOptions {
  core: Core;
  /** The core's data folder; browser uploads go to its `imports/`. */
  dataDir: string;
  /** Default 127.0.0.1. Any other address requires `token`. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string | undefined;
  /** The built renderer (`dist/renderer`). */
  staticDir: string;
  /** Largest RPC body accepted, default 1 MiB. */
  maxBodyBytes?: number;
  /** Largest uploaded file accepted, default 2 GiB. */
  maxUploadBytes?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const IMPORT_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: RpcErrorData, extra?: Record<string, string>): void {
  sendJson(res, HTTP_STATUS[error.code], { ok: false, error }, extra);
}

/** A client's `{subscribe: [...names] | '*'}`; anything else is ignored. */
function parseSubscribe(text: string): SubscribeMessage | null {
  try {
    const value = JSON.parse(text) as { subscribe?: unknown };
    const names = value.subscribe;
    if (names === '*') return { subscribe: '*' };
    if (Array.isArray(names) && names.length <= 1000 && names.every((n) => typeof n === 'string')) {
      return { subscribe: names as string[] };
    }
  } catch {
    // Not JSON: ignored like any other unknown message.
  }
  return null;
}

/** Uploads older than a week are someone's finished session: remove them so the folder stays small. */
async function pruneImports(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - IMPORT_MAX_AGE_MS;
  for (const name of entries) {
    const full = join(dir, name);
    const info = await stat(full).catch(() => null);
    if (info && info.mtimeMs < cutoff) await rm(full, { recursive: true, force: true });
  }
}

/**
 * The web shell: `POST /rpc/<name>`, WebSocket `/events`, `PUT /upload`, and the built studio.
 * Binds loopback by default; any other address must have a token, and then every request must
 * carry it (header, cookie set from `/?token=`, or `?token=` on the socket).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token && options.token.length > 0 ? options.token : undefined;
  if (!isLoopback(host) && !token) {
    throw new RpcError(
      'FORBIDDEN',
      `Listening on ${host} would expose your photos and keys to the network; pass --token <secret> (16+ characters) to require it on every request.`,
    );
  }
  if (token && token.length < 16)
    throw new RpcError('INVALID_INPUT', 'The token must be at least 16 characters long.');
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const maxUpload = options.maxUploadBytes ?? 2 * 1024 ** 3;
  const log = options.log ?? (() => undefined);
  const importsDir = dataPaths(options.dataDir).imports;
  await mkdir(importsDir, { recursive: true });
  await pruneImports(importsDir);

  const authorized = (req: IncomingMessage, url: URL): boolean =>
    token ? tokenMatches(req, url, token) && originAllowed(req) : sameOriginLoopback(req);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!authorized(req, url)) {
      discardBody(req, maxBody);
      const error: RpcErrorData = token
        ? {
            code: 'UNAUTHORIZED',
            message:
              'This Pixelsmith server requires its access token. Open the URL printed by `pixelsmith serve`.',
          }
        : { code: 'FORBIDDEN', message: 'Requests must come from this machine through localhost.' };
      sendError(res, error);
      return;
    }
    if (url.pathname.startsWith('/rpc/')) {
      if (req.method !== 'POST') {
        discardBody(req, maxBody);
        sendError(
          res,
          { code: 'NOT_FOUND', message: 'RPC methods are called with POST.' },
          { allow: 'POST' },
        );
        return;
      }
      // Requiring JSON forces a CORS preflight on cross-site requests, which we never grant.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        discardBody(req, maxBody);
        sendError(res, { code: 'INVALID_INPUT', message: 'RPC bodies must be sent as application/json.' });
        return;
      }
      const raw = await readBody(req, maxBody);
      let input: unknown;
      try {
        input = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
      } catch {
        sendError(res, { code: 'INVALID_INPUT', message: 'The request body is not valid JSON.' });
        return;
      }
      const name = decodeURIComponent(url.pathname.slice('/rpc/'.length));
      // A client that goes away cancels its call (a scan of a huge folder stops with it).
      const gone = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) gone.abort();
      });
      const result = await dispatch(options.core, name, input, {
        signal: gone.signal,
        onUnexpectedError: (method, error) =>
          log(`${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      });
      if (gone.signal.aborted) return;
      if (result.ok) sendJson(res, 200, result);
      else sendError(res, result.error);
      return;
    }
    if (url.pathname === '/upload') {
      if (req.method !== 'PUT') {
        discardBody(req, maxBody);
        sendError(res, { code: 'NOT_FOUND', message: 'Upload with PUT.' }, { allow: 'PUT' });
        return;
      }
      const path = await receiveUpload(req, url, importsDir, maxUpload);
      sendJson(res, 200, { ok: true, value: { path } });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      discardBody(req, maxBody);
      sendError(res, { code: 'NOT_FOUND', message: `${req.method ?? ''} ${url.pathname} is not a route.` });
      return;
    }
    if (token && url.searchParams.get('token') !== null) {
      // Trade the token in the address bar for a cookie, then drop it from the URL.
      url.searchParams.delete('token');
      res.writeHead(302, {
        location: url.pathname + url.search,
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return;
    }
    await serveStatic(options.staticDir, url.pathname, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BodyTooLargeError) {
        discardBody(req, error.limit * 16);
        sendError(res, { code: 'PAYLOAD_TOO_LARGE', message: error.message }, { connection: 'close' });
      } else if (error instanceof RpcError) {
        sendError(res, error.toData());
      } else {
        log(`request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        sendError(res, { code: 'INTERNAL', message: 'The server failed to handle this request.' });
      }
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const alive = new WeakSet<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/events' || !authorized(req, url)) {
      socket.end(
        `HTTP/1.1 ${url.pathname !== '/events' ? '404 Not Found' : '401 Unauthorized'}\r\nconnection: close\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      // Every event until the client says which it wants (a SubscribeMessage).
      let wanted: ReadonlySet<string> | null = null;
      ws.on('message', (data) => {
        const message = parseSubscribe(String(data));
        if (message) wanted = message.subscribe === '*' ? null : new Set(message.subscribe);
      });
      const unsubscribe = options.core.events.subscribe((event) => {
        if (ws.readyState === ws.OPEN && (wanted === null || wanted.has(event.name)))
          ws.send(JSON.stringify(event));
      });
      ws.on('close', unsubscribe);
      ws.on('error', unsubscribe);
    });
  });
  // Drop sockets whose peer vanished without a close (sleeping laptops, dead tabs).
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, 30_000);
  heartbeat.unref();

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    host,
    port,
    close: async () => {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
