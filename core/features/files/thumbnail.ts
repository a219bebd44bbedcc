import { mkdir, readFile, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import sharp, { type OutputInfo } from 'sharp';
import { RpcError } from '../../contract/errors.js';
import type { ThumbRefsRepo } from './thumbRefsRepo.js';
import { writeFileAtomic } from '../../kernel/atomicWrite.js';
import { fsError } from '../../kernel/probe.js';

export interface Thumbnail {
  ref: string;
  mime: 'image/webp';
  width: number;
  height: number;
  data: Buffer;
}

export interface ThumbnailServiceOptions {
  cacheDir: string;
  thumbRefs: ThumbRefsRepo;
  /** Read at call time so a settings change applies at once. */
  limits: () => { maxInputPixels: number; size: number };
}

export interface ThumbnailService {
  get(ref: string, size?: number): Promise<Thumbnail>;
}

/**
 * Small WebP previews, EXIF orientation applied, cached on disk as `<ref>-<size>.webp`. Work is
 * limited to the machine's cores and concurrent requests for one ref share one render.
 */
export function createThumbnailService(options: ThumbnailServiceOptions): ThumbnailService {
  const queue = new PQueue({ concurrency: Math.max(1, cpus().length) });
  const inFlight = new Map<string, Promise<Thumbnail>>();

  const render = async (ref: string, size: number, maxPixels: number): Promise<Thumbnail> => {
    const row = options.thumbRefs.find(ref);
    if (!row) throw new RpcError('NOT_FOUND', 'That thumbnail reference is unknown; scan the file again.');
    const cacheFile = join(options.cacheDir, `${ref}-${size}.webp`);
    try {
      const data = await readFile(cacheFile);
      const meta = await sharp(data).metadata();
      return { ref, mime: 'image/webp', width: meta.width, height: meta.height, data };
    } catch {
      // Not cached yet (or the cache file is damaged): render it below.
    }
    let current;
    try {
      current = await stat(row.path);
    } catch (error) {
      throw fsError(row.path, error);
    }
    if (current.size !== row.size || Math.trunc(current.mtimeMs) !== row.mtimeMs) {
      throw new RpcError('NOT_FOUND', `${row.path} changed since it was scanned; scan it again.`);
    }
    let out: { data: Buffer; info: OutputInfo };
    try {
      out = await sharp(row.path, { limitInputPixels: maxPixels, failOn: 'error' })
        .rotate()
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 78, effort: 2 })
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new RpcError(
        'NOT_AN_IMAGE',
        `${row.path} could not be decoded for a preview: ${(error as Error).message}`,
      );
    }
    await mkdir(options.cacheDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(cacheFile, out.data);
    return { ref, mime: 'image/webp', width: out.info.width, height: out.info.height, data: out.data };
  };

  return {
    get(ref, requested) {
      const { size: defaultSize, maxInputPixels } = options.limits();
      const size = requested ?? defaultSize;
      const key = `${ref}-${size}`;
      const existing = inFlight.get(key);
      if (existing) return existing;
      const job = queue.add(() => render(ref, size, maxInputPixels)).finally(() => inFlight.delete(key));
      inFlight.set(key, job);
      return job;
    },
  };
}
