import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core } from '../app/createCore.js';
import { createLocalTransport } from '../app/localTransport.js';
import { buildClient } from '../contract/client.js';
import { dispatch } from '../contract/dispatch.js';
import { RpcError, type RpcErrorData } from '../contract/errors.js';
import { dataPaths } from '../kernel/paths.js';
import { MIN_TOKEN_LENGTH, originAllowed, presentedToken, TOKEN_COOKIE, tokenMatches } from './auth.js';
import { BodyTooLargeError, discardBody, readBody } from './body.js';
import { sendItemOutput, sendJobZip } from './downloads.js';
import { createEventSocket } from './eventSocket.js';
import { decodeOrNull, parseTarget, sameSiteLocation, sendError, sendJson, sendPage } from './http.js';
import { prepareImports } from './imports.js';
import { serveStatic } from './static.js';
import { receiveUpload } from './upload.js';

export interface ServerOptions {
  core: Core;
  /** The core's data folder; browser uploads go to its `imports/`. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Required on every request (16+ characters); see `resolveToken`. */
  token: string;
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
  /** The URL to open once: it carries the token, which the page trades for an HttpOnly cookie. */
  entryUrl: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const NEEDS_TOKEN: RpcErrorData = {
  code: 'UNAUTHORIZED',
  message: 'This Pixelsmith server requires its access token. Open the URL printed by `pixelsmith serve`.',
};

/** Client-side failures (the peer went away) are one line in the log, not a stack trace. */
function isAbort(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    (error as Error)?.message === 'aborted'
  );
}

/**
 * The web shell: `POST /rpc/<name>`, the `/events` WebSocket, `PUT /upload`, `GET /download/…`
 * (results), and the built studio. Every request needs the token, always, whatever the address (another local account
 * can reach loopback too): as `Authorization: Bearer` or the HttpOnly cookie that opening the
 * printed `/?token=` URL sets. Any bytes may arrive before that check, so nothing on the way can
 * throw: a malformed request is answered 400.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
    throw new RpcError(
      'INVALID_INPUT',
      `The access token must be at least ${MIN_TOKEN_LENGTH} characters long.`,
    );
  }
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const maxUpload = options.maxUploadBytes ?? 2 * 1024 ** 3;
  const log = options.log ?? (() => undefined);
  const importsDir = dataPaths(options.dataDir).imports;
  await prepareImports(importsDir);

  const authorized = (req: IncomingMessage): boolean =>
    tokenMatches(presentedToken(req), token) && originAllowed(req);

  const refuseBody = (
    req: IncomingMessage,
    res: ServerResponse,
    error: RpcErrorData,
    extra?: Record<string, string>,
  ) => {
    discardBody(req, maxBody);
    sendError(res, error, extra);
  };

  const handleRpc = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'POST') {
      return refuseBody(
        req,
        res,
        { code: 'NOT_FOUND', message: 'RPC methods are called with POST.' },
        { allow: 'POST' },
      );
    }
    // Requiring JSON forces a CORS preflight on cross-site requests, which we never grant.
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return refuseBody(req, res, {
        code: 'INVALID_INPUT',
        message: 'RPC bodies must be sent as application/json.',
      });
    }
    const name = decodeOrNull(url.pathname.slice('/rpc/'.length));
    if (name === null) {
      return refuseBody(req, res, {
        code: 'INVALID_INPUT',
        message: 'The method name in the address is malformed.',
      });
    }
    const raw = await readBody(req, maxBody);
    let input: unknown;
    try {
      input = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(res, { code: 'INVALID_INPUT', message: 'The request body is not valid JSON.' });
    }
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
  };

  const client = buildClient(createLocalTransport(options.core));
  const handleDownload = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET') {
      return refuseBody(req, res, { code: 'NOT_FOUND', message: 'Download with GET.' }, { allow: 'GET' });
    }
    const item = /^\/download\/item\/(\d{1,15})$/.exec(url.pathname);
    if (item) {
      const index = Number(url.searchParams.get('index') ?? '0');
      if (!Number.isInteger(index) || index < 0) {
        return sendError(res, { code: 'INVALID_INPUT', message: 'index must be a whole number from 0.' });
      }
      return sendItemOutput(client, res, Number(item[1]), index);
    }
    const job = /^\/download\/job\/([A-Za-z0-9-]{1,64})\.zip$/.exec(url.pathname);
    if (job) return sendJobZip(client, res, job[1] ?? '');
    return sendError(res, {
      code: 'NOT_FOUND',
      message: `${url.pathname} is not a download; use /download/item/<id> or /download/job/<id>.zip.`,
    });
  };

  const handlePage = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      // The printed URL, opened once: trade the token in the address bar for a cookie.
      if (!tokenMatches(offered, token)) {
        return sendPage(res, 401, 'Wrong access token', 'Open the URL that `pixelsmith serve` printed.');
      }
      res.writeHead(302, {
        location: sameSiteLocation(url),
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
      });
      res.end();
      return;
    }
    if (!authorized(req)) {
      return sendPage(
        res,
        401,
        'Pixelsmith needs its access token',
        'Open the URL that `pixelsmith serve` printed: it carries the token once.',
      );
    }
    await serveStatic(options.staticDir, url.pathname, res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseTarget(req.url);
    if (url === null)
      return refuseBody(req, res, { code: 'INVALID_INPUT', message: 'Malformed request target.' });
    const api =
      url.pathname.startsWith('/rpc/') ||
      url.pathname.startsWith('/download/') ||
      url.pathname === '/upload' ||
      url.pathname === '/events';
    if (!api) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return refuseBody(req, res, {
          code: 'NOT_FOUND',
          message: `${req.method ?? ''} ${url.pathname} is not a route.`,
        });
      }
      return handlePage(req, res, url);
    }
    if (!authorized(req)) return refuseBody(req, res, NEEDS_TOKEN);
    if (url.pathname === '/upload') {
      if (req.method !== 'PUT') {
        return refuseBody(req, res, { code: 'NOT_FOUND', message: 'Upload with PUT.' }, { allow: 'PUT' });
      }
      sendJson(res, 200, { ok: true, value: { path: await receiveUpload(req, url, importsDir, maxUpload) } });
      return;
    }
    if (url.pathname.startsWith('/download/')) return handleDownload(req, res, url);
    if (url.pathname === '/events') {
      return refuseBody(req, res, {
        code: 'INVALID_INPUT',
        message: '/events is a WebSocket: connect with an upgrade.',
      });
    }
    return handleRpc(req, res, url);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (isAbort(error)) {
        log(`request aborted by the client: ${req.method ?? '?'} ${(req.url ?? '').slice(0, 200)}`);
        res.destroy();
        return;
      }
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
  // A request line or header Node's parser refuses: a plain 400, no log line per scanner probe.
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  const sockets = createEventSocket(options.core.events, authorized);
  server.on('upgrade', sockets.upgrade);

  await new Promise<void>((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new RpcError(
              'INVALID_STATE',
              `Port ${options.port ?? 0} on ${host} is in use; pick another with --port, or --port 0 for any free one.`,
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;
  return {
    url,
    entryUrl: `${url}?token=${encodeURIComponent(token)}`,
    host,
    port,
    close: async () => {
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
