import { statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { ResultsCacheRepo } from '../db/resultsCacheRepo.js';

/**
 * Which existing files a job may replace: only one Pixelsmith made from the same input file with
 * the same operation and options, and that nobody changed since (size and mtime as written) —
 * or anything, when the job asked to overwrite. Every other file at a planned path is someone's
 * and stays; the output takes a free name instead.
 */
/** The size recorded while an output is on its way into place. */
const PENDING = -1;

export class OutputOwnership {
  constructor(private readonly results: ResultsCacheRepo) {}

  /** A test for one job: `(path, inputPath) → true` when the file there must not be replaced. */
  forJob(opHash: string, overwrite: boolean): (path: string, inputPath: string) => boolean {
    return (path, inputPath) => !overwrite && this.occupied(path, inputPath, opHash);
  }

  /**
   * Records, before an output is moved into place, that this job is writing it: a process
   * killed between the rename and recording the item leaves a file that is still known as ours,
   * so the item's next run replaces it instead of writing `(2)` beside it.
   */
  claim(path: string, inputPath: string, inputSha256: string, opHash: string): void {
    this.results.put({ outputPath: path, inputPath, inputSha256, opHash, size: PENDING, mtimeMs: 0 });
  }

  private occupied(path: string, inputPath: string, opHash: string): boolean {
    let info;
    try {
      info = statSync(path);
    } catch {
      return false;
    }
    const row = this.results.get(path);
    if (
      row === undefined ||
      row.opHash !== opHash ||
      (row.inputPath !== null && row.inputPath !== inputPath)
    ) {
      return true;
    }
    // Ours if nobody changed it since we wrote it, or if we were writing it when we stopped.
    const unchanged = info.size === row.size && Math.trunc(info.mtimeMs) === row.mtimeMs;
    return !(unchanged || row.size === PENDING);
  }
}

/** `/out/photo_x2.png` → `/out/photo_x2 (2).png`: the first name `occupied` lets through. */
export function freeName(path: string, occupied: (candidate: string) => boolean): string {
  const ext = extname(path);
  const stem = basename(path, ext);
  for (let n = 2; ; n += 1) {
    const candidate = join(dirname(path), `${stem} (${n})${ext}`);
    if (!occupied(candidate)) return candidate;
  }
}
