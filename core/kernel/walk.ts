import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { RpcError } from '../contract/errors.js';
import { fsError } from './probe.js';

/** System clutter that is never a user's photo. */
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db', 'ehthumbs_vista.db', 'icon\r']);
const SYSTEM_DIRS = new Set(['$recycle.bin', 'system volume information', 'node_modules']);

export function isHiddenOrSystem(name: string, isDir: boolean): boolean {
  const lower = name.toLowerCase();
  return name.startsWith('.') || (isDir ? SYSTEM_DIRS.has(lower) : SYSTEM_FILES.has(lower));
}

export interface WalkEntry {
  path: string;
  /** Folder relative to the parent of the root it came from ('' for files given directly). */
  relDir: string;
}

export interface WalkSink {
  file(entry: WalkEntry): void;
  error(path: string, error: RpcError): void;
  skipped(): void;
  visited(): void;
}

export interface WalkOptions {
  /** Folder names to pass over inside scanned folders (our own output folder). */
  skipDirNames?: ReadonlySet<string>;
  /**
   * Folders (real paths) to pass over wherever they are met, whatever their name: a job's own
   * output folder, so a run never feeds its earlier outputs back in.
   */
  skipRealDirs?: ReadonlySet<string>;
  signal?: AbortSignal;
}

/**
 * Walks the given files and folders depth-first. Symbolic links are followed, but a folder whose
 * real path was already visited is not entered again, so link loops end. Every problem is
 * reported to the sink for that entry alone; the walk goes on.
 */
export async function walk(
  roots: readonly string[],
  sink: WalkSink,
  options: WalkOptions = {},
): Promise<void> {
  const seenDirs = new Set<string>();

  const visitDir = async (dir: string, base: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (error) {
      sink.error(dir, fsError(dir, error));
      return;
    }
    if (options.skipRealDirs?.has(real)) {
      sink.skipped();
      return;
    }
    if (seenDirs.has(real)) {
      sink.error(
        dir,
        new RpcError(
          'UNREADABLE',
          `${dir} is a folder already scanned (it resolves to ${real}); skipped so links cannot loop.`,
        ),
      );
      return;
    }
    seenDirs.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      sink.error(dir, fsError(dir, error));
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const entry of entries) {
      options.signal?.throwIfAborted();
      sink.visited();
      const full = join(dir, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          isDir = (await stat(full)).isDirectory();
        } catch (error) {
          sink.error(full, fsError(full, error));
          continue;
        }
      }
      if (isHiddenOrSystem(entry.name, isDir) || (isDir && options.skipDirNames?.has(entry.name))) {
        sink.skipped();
        continue;
      }
      if (isDir) await visitDir(full, base);
      else sink.file({ path: full, relDir: relative(base, dir) });
    }
  };

  for (const root of roots) {
    options.signal?.throwIfAborted();
    const abs = resolve(root);
    sink.visited();
    try {
      const info = await stat(abs);
      if (info.isDirectory()) await visitDir(abs, dirname(abs));
      else sink.file({ path: abs, relDir: '' });
    } catch (error) {
      // An abort ends the walk; it is not this root's error.
      if (options.signal?.aborted) throw error;
      sink.error(abs, fsError(abs, error));
    }
  }
}
