import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RpcError } from '../contract/errors.js';
import { BodyTooLargeError } from './body.js';

const BATCH_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Turns a browser-supplied relative path (`webkitRelativePath` or a file name) into safe path
 * segments: no absolute paths, no `..`, no empty or control-character names.
 */
export function safeRelativePath(raw: string): string[] {
  const segments = raw.split(/[/\\]+/).filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.length > 64) {
    throw new RpcError('INVALID_INPUT', `Upload path "${raw}" is empty or too deep.`);
  }
  for (const s of segments) {
    // eslint-disable-next-line no-control-regex
    if (s === '..' || /[\x00-\x1f]/.test(s) || s.length > 255 || /^[A-Za-z]:$/.test(s)) {
      throw new RpcError('INVALID_INPUT', `Upload path "${raw}" is not a plain relative path.`);
    }
  }
  return segments;
}

/**
 * `PUT /upload?batch=ID&path=REL`: the web shell's way to hand the server files that live on the
 * browser's machine (a browser never reveals local paths). The body is streamed to
 * `<imports>/<batch>/<REL>` under a temporary name and renamed once complete.
 */
export async function receiveUpload(
  req: IncomingMessage,
  url: URL,
  importsDir: string,
  limit: number,
): Promise<string> {
  const batch = url.searchParams.get('batch') ?? '';
  if (!BATCH_ID.test(batch))
    throw new RpcError('INVALID_INPUT', 'Upload needs a batch id of letters, digits, "-" or "_".');
  const segments = safeRelativePath(url.searchParams.get('path') ?? '');
  const target = join(importsDir, batch, ...segments);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  await mkdir(dirname(target), { recursive: true });
  // Unique per request: the browser uploads several files into one folder at once.
  const tmp = join(dirname(target), `.pixelsmith-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      done(received > limit ? new BodyTooLargeError(limit) : null, chunk);
    },
  });
  try {
    await pipeline(req, counter, createWriteStream(tmp, { flush: true }));
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return target;
}
