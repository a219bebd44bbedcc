import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import PQueue from 'p-queue';
import { RpcError } from '../../contract/errors.js';
import type { ScanEntryError, ScannedImage } from '../../contract/schemas.js';
import type { ThumbRefsRepo } from './thumbRefsRepo.js';
import { probeImage, type ProbeLimits } from '../../kernel/probe.js';
import { walk } from '../../kernel/walk.js';

export interface ScanProgress {
  visited: number;
  images: number;
  errors: number;
  done: boolean;
}

export interface ScanOptions {
  limits: ProbeLimits;
  thumbRefs: ThumbRefsRepo;
  skipDirNames?: ReadonlySet<string>;
  onProgress?: (progress: ScanProgress) => void;
  /** Minimum ms between progress reports (the last one is always sent). */
  progressIntervalMs?: number;
  /** Header reads in flight at once. */
  concurrency?: number;
  /** Entries (files and folders) looked at before the scan stops, default SCAN_LIMITS.entries. */
  maxEntries?: number;
  /** Images listed before the scan stops, default SCAN_LIMITS.images. */
  maxImages?: number;
  signal?: AbortSignal;
}

/**
 * Where a scan stops, so one pointed at `/usr` or a whole disk answers in bounded time and
 * memory instead of running for minutes (it says so, and which folder to choose instead).
 */
export const SCAN_LIMITS = { entries: 250_000, images: 50_000 } as const;

export interface ScanResult {
  images: ScannedImage[];
  errors: ScanEntryError[];
  skipped: number;
  truncated: boolean;
}

/** A ref changes whenever the file does, so a cached thumbnail is never stale. */
export function thumbRefFor(path: string, size: number, mtimeMs: number): string {
  return createHash('sha1')
    .update(`${path}\0${size}\0${Math.trunc(mtimeMs)}`)
    .digest('hex');
}

const byPath = (a: { path: string }, b: { path: string }): number =>
  a.path.localeCompare(b.path, undefined, { numeric: true });

/**
 * Finds the images under the given files and folders. One unreadable or non-image entry becomes
 * one entry in `errors`; the scan itself fails only when it is aborted.
 */
export async function scanPaths(paths: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const images: ScannedImage[] = [];
  const errors: ScanEntryError[] = [];
  const progress = { visited: 0, skipped: 0 };
  const queue = new PQueue({ concurrency: options.concurrency ?? 8 });
  const interval = options.progressIntervalMs ?? 150;
  let lastReport = 0;

  const report = (done: boolean): void => {
    if (!options.onProgress) return;
    const now = Date.now();
    if (!done && now - lastReport < interval) return;
    lastReport = now;
    options.onProgress({ visited: progress.visited, images: images.length, errors: errors.length, done });
  };
  const addError = (error: RpcError, path: string): void => {
    errors.push({ path, code: error.code, message: error.message });
    report(false);
  };
  const seenFiles = new Set<string>();
  const mtimes = new Map<string, number>();
  const maxEntries = options.maxEntries ?? SCAN_LIMITS.entries;
  const maxImages = options.maxImages ?? SCAN_LIMITS.images;
  // Stops the walk at the limit; the caller's signal (a client that went away) stops it too.
  const limit = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, limit.signal]) : limit.signal;
  let truncated = false;
  const stopAt = (what: string, path: string): void => {
    if (truncated) return;
    truncated = true;
    errors.push({
      path,
      code: 'LIMIT_EXCEEDED',
      message: `The scan stopped after ${what} (at ${path}); add a smaller folder to see the rest.`,
    });
    limit.abort();
  };

  await walk(
    paths,
    {
      visited: () => {
        progress.visited += 1;
        if (progress.visited >= maxEntries)
          stopAt(`${maxEntries.toLocaleString('en')} entries`, paths[0] ?? '');
        report(false);
      },
      skipped: () => {
        progress.skipped += 1;
      },
      error: (path, error) => addError(error, path),
      file: (entry) => {
        // The same file dropped twice (or reached through a link) is listed once.
        if (seenFiles.has(entry.path)) return;
        seenFiles.add(entry.path);
        void queue.add(async () => {
          if (signal.aborted) return;
          if (images.length >= maxImages) {
            stopAt(`${maxImages.toLocaleString('en')} images`, entry.path);
            return;
          }
          try {
            const probed = await probeImage(entry.path, options.limits);
            const { mtimeMs, channels: _c, depth16: _d, pages: _p, ...rest } = probed;
            mtimes.set(entry.path, mtimeMs);
            images.push({
              ...rest,
              name: basename(entry.path),
              relDir: entry.relDir,
              thumbRef: thumbRefFor(entry.path, probed.size, mtimeMs),
            });
            report(false);
          } catch (error) {
            const coded =
              error instanceof RpcError
                ? error
                : new RpcError('UNREADABLE', `${entry.path}: ${String(error)}`);
            addError(coded, entry.path);
          }
        });
      },
    },
    { ...(options.skipDirNames && { skipDirNames: options.skipDirNames }), signal },
  ).catch((error: unknown) => {
    if (!truncated) throw error;
  });
  await queue.onIdle();
  options.signal?.throwIfAborted();

  images.sort(byPath);
  errors.sort(byPath);
  options.thumbRefs.upsertMany(
    images.map((img) => ({
      ref: img.thumbRef,
      path: img.path,
      size: img.size,
      mtimeMs: mtimes.get(img.path) ?? 0,
    })),
  );
  report(true);
  return { images, errors, skipped: progress.skipped, truncated };
}
