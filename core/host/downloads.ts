import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { Api } from '../contract/client.js';
import { RpcError } from '../contract/errors.js';
import type { JobItem } from '../contract/jobs.js';

/** `attachment` with the name in plain ASCII for old clients and exactly (RFC 5987) for the rest. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  gif: 'image/gif',
  json: 'application/json',
};

/** `GET /download/item/<id>?index=N`: one output of a finished item, as a download. */
export async function sendItemOutput(
  api: Api,
  res: ServerResponse,
  itemId: number,
  index: number,
): Promise<void> {
  const out = await api.files.outputRef({ itemId, index });
  const info = await stat(out.path);
  res.writeHead(200, {
    'content-type': MIME[out.name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream',
    'content-length': String(info.size),
    'content-disposition': attachment(out.name),
    'cache-control': 'no-store',
  });
  await pipeline(createReadStream(out.path), res);
}

/** Every item of a job, page by page. */
async function allItems(api: Api, jobId: string): Promise<JobItem[]> {
  const items: JobItem[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await api.jobs.get({ id: jobId, offset, limit: 1000, status: 'done' });
    items.push(...page.items);
    if (items.length >= page.totalItems || page.items.length === 0) return items;
  }
}

/**
 * `GET /download/job/<id>.zip`: every output of a job's finished photos in one zip, streamed
 * as it is made (photos are stored, not compressed again), in the folders they were mirrored
 * into. Files gone since are listed in `MISSING.txt` inside the zip.
 */
export async function sendJobZip(api: Api, res: ServerResponse, jobId: string): Promise<void> {
  const items = await allItems(api, jobId);
  const outputs = items.flatMap((i) => i.outputs.map((path) => ({ path, relDir: i.relDir })));
  if (outputs.length === 0) {
    throw new RpcError('NOT_FOUND', `Job ${jobId} has no finished photos to download yet.`);
  }
  const zip = new ZipFile();
  const used = new Set<string>();
  const missing: string[] = [];
  for (const { path, relDir } of outputs) {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) {
      missing.push(path);
      continue;
    }
    let name = join(relDir, basename(path)).split('\\').join('/');
    for (let n = 2; used.has(name); n += 1) name = name.replace(/(\.[^./]+)?$/, ` (${n})$1`);
    used.add(name);
    zip.addFile(path, name, { compress: false, mtime: info.mtime });
  }
  if (missing.length > 0) {
    zip.addBuffer(Buffer.from(`Moved or deleted since the job ran:\n${missing.join('\n')}\n`), 'MISSING.txt');
  }
  zip.end();
  res.writeHead(200, {
    'content-type': 'application/zip',
    'content-disposition': attachment(`pixelsmith-${jobId.slice(0, 8)}.zip`),
    'cache-control': 'no-store',
  });
  await pipeline(zip.outputStream, res);
}
