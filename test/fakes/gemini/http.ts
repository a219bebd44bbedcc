import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GoogleApiError } from './errors.js';
import type { Caller } from './quota.js';

/** One parsed request as handlers see it. */
export interface Ctx {
  method: string;
  /** URL path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  raw: Buffer;
  /** The body parsed as JSON, or undefined when it is empty or not JSON (upload chunks). */
  json: unknown;
  /** Set once the key is checked; undefined only on routes that need no key (upload chunks). */
  caller?: Caller;
}

/** What a handler answers; the router writes it. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON body (default `{}` when neither `bytes` nor `sse` is set and `empty` is not). */
  json?: unknown;
  /** Raw body, sent as is (downloads). */
  bytes?: Buffer;
  /** Server-sent events: each item becomes one `data: …` frame. */
  sse?: unknown[];
  /** No body at all (upload start, non-final chunks). */
  empty?: boolean;
}

/** Reads the whole request body; bodies here are small (≤ one 8 MiB chunk). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses JSON bodies regardless of content-type: the SDK labels binary chunks JSON too. */
export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Flattens Node's header object to lower-case single strings. */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Writes a handler's reply. */
export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let body: Buffer | string = '';
  if (reply.sse) {
    headers['content-type'] = 'text/event-stream';
    body = reply.sse.map((frame) => `data: ${JSON.stringify(frame)}\r\n\r\n`).join('');
  } else if (reply.bytes) {
    headers['content-type'] ??= 'application/octet-stream';
    body = reply.bytes;
  } else if (!reply.empty) {
    headers['content-type'] = 'application/json; charset=UTF-8';
    body = JSON.stringify(reply.json ?? {});
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status ?? 200, headers);
  res.end(body);
}

/** Writes a Google error envelope with its HTTP code. */
export function sendError(res: ServerResponse, err: GoogleApiError): void {
  send(res, { status: err.code, json: err.body() });
}
