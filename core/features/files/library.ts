import type { MethodOutput } from '../../contract/methods.js';
import type { ScanEntryError } from '../../contract/schemas.js';
import type { LibraryRepo } from './libraryRepo.js';
import type { ScanResult } from './scan.js';

type AddResult = MethodOutput<'library.add'>;

/** Codes of files that are not photos at all (left out, counted as such). */
const NOT_IMAGES = new Set<ScanEntryError['code']>(['NOT_AN_IMAGE', 'UNSUPPORTED_FORMAT']);

/**
 * Stores what a scan found in the library and says, in counts a summary line can use, what was
 * added and what was not: photos new and already there, damaged ones, not-images, hidden files.
 * Paths (also inside messages) are shown as the user knows them.
 */
export function addScanToLibrary(
  scan: ScanResult,
  repo: LibraryRepo,
  showPath: (path: string) => string,
  now: number,
): AddResult {
  const { added } = repo.upsertMany(
    scan.images.map((i) => ({ ...i, shownPath: showPath(i.path) })),
    now,
  );
  const refused = scan.errors.map((e) => {
    const shownPath = showPath(e.path);
    return { ...e, shownPath, message: e.message.split(e.path).join(shownPath) };
  });
  return {
    added,
    already: scan.images.length - added,
    damaged:
      scan.images.filter((i) => i.problem !== null).length +
      scan.errors.filter((e) => e.code === 'CORRUPT_IMAGE').length,
    notImages: scan.errors.filter((e) => NOT_IMAGES.has(e.code)).length,
    hidden: scan.skipped,
    refused,
    truncated: scan.truncated,
    total: repo.count(),
  };
}
