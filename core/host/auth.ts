import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { RpcError } from '../contract/errors.js';

export const TOKEN_COOKIE = 'pixelsmith_token';
export const MIN_TOKEN_LENGTH = 16;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A cookie's value, or undefined when absent or not decodable (never throws: any bytes arrive here). */
function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The token a request carries: `Authorization: Bearer` (scripts, the Node client) or the HttpOnly
 * cookie the browser got when it opened the printed URL. A `?token=` in the address is accepted
 * only on a page load (see the server), never here: not on /rpc, not on the event socket.
 */
export function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  return cookieValue(req, TOKEN_COOKIE);
}

export function tokenMatches(given: string | null | undefined, token: string): boolean {
  return typeof given === 'string' && safeEqual(given, token);
}

/** A browser's cross-site request must not ride on the cookie: any Origin must be this host. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * The server's token, as Jupyter does it: from PIXELSMITH_TOKEN or a file (never the command
 * line, where `ps` shows it to every local user), else a fresh random one for this launch.
 */
export function resolveToken(options: { env?: string | undefined; file?: string | undefined }): {
  token: string;
  source: 'environment' | 'file' | 'generated';
} {
  let token: string | undefined;
  let source: 'environment' | 'file' | 'generated' = 'generated';
  if (options.file) {
    try {
      token = readFileSync(options.file, 'utf8').trim();
    } catch (error) {
      throw new RpcError(
        'INVALID_INPUT',
        `Cannot read --token-file ${options.file}: ${(error as Error).message}`,
      );
    }
    source = 'file';
  } else if (options.env) {
    token = options.env.trim();
    source = 'environment';
  }
  if (token === undefined) return { token: randomBytes(24).toString('base64url'), source };
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new RpcError(
      'INVALID_INPUT',
      `The access token from the ${source} is ${token.length} characters; use at least ${MIN_TOKEN_LENGTH}.`,
    );
  }
  return { token, source };
}
