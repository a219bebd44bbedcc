import type { ServerResponse } from 'node:http';
import { HTTP_STATUS, type RpcErrorData } from '../contract/errors.js';
import { STUDIO_CSP } from './csp.js';

export function sendJson(
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

export function sendError(res: ServerResponse, error: RpcErrorData, extra?: Record<string, string>): void {
  sendJson(res, HTTP_STATUS[error.code], { ok: false, error }, extra);
}

/** A small HTML page for a person who opened the studio without its token. */
export function sendPage(res: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string): string =>
    s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
  const body = `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(text)}</p>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'content-security-policy': STUDIO_CSP,
    'cache-control': 'no-store',
  });
  res.end(body);
}

/**
 * The request target as a URL, or null when it is not an origin-form path a browser would send
 * (`http://[`, `*`, an absolute URL, a path Node's URL parser refuses). Never throws: every byte
 * of a request line can arrive here before any check.
 */
export function parseTarget(raw: string | undefined): URL | null {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.length > 8192) return null;
  try {
    // Appended, not resolved: `//evil.example/` must stay a path, not become another host.
    return new URL(`http://localhost${raw}`);
  } catch {
    return null;
  }
}

/** `decodeURIComponent` that answers null instead of throwing on a malformed escape (`%E0`). */
export function decodeOrNull(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Where to send a browser after it traded `?token=` for the cookie: the same path on this
 * server, never `//evil.example/` (leading slashes collapse to one, so it stays same-origin).
 */
export function sameSiteLocation(url: URL): string {
  url.searchParams.delete('token');
  const path = `/${url.pathname.replace(/^[/\\]+/, '')}`;
  return path + url.search;
}
