import type { RpcError } from '../contract/errors.js';
import { fileHead, sniffFormat } from '../kernel/integrity.js';
import { walk } from '../kernel/walk.js';

export interface ListedInputs {
  files: { path: string; relDir: string; pixels?: number | undefined }[];
  /** Entries that could not even be listed; each becomes a failed item. */
  errors: { path: string; error: RpcError }[];
  /** Files left out because they do not start like any image (notes, sidecars, SVGs). */
  notPhotos: string[];
}

/**
 * Every photo under the given paths, in a stable order. Only a file's first 12 bytes are looked
 * at here, to leave out what is not an image at all (a `.txt`, an `.xmp` sidecar); whether a
 * photo decodes is judged when its item runs, so one damaged photo fails only its own item.
 */
export async function listInputs(
  paths: readonly string[],
  skip: { names: ReadonlySet<string>; realDirs: ReadonlySet<string> },
  signal?: AbortSignal,
  take: 'images' | 'any' = 'images',
): Promise<ListedInputs> {
  const out: ListedInputs = { files: [], errors: [], notPhotos: [] };
  const candidates: { path: string; relDir: string }[] = [];
  const seen = new Set<string>();
  await walk(
    paths,
    {
      file: (entry) => {
        if (seen.has(entry.path)) return;
        seen.add(entry.path);
        candidates.push(entry);
      },
      error: (path, error) => out.errors.push({ path, error }),
      skipped: () => undefined,
      visited: () => undefined,
    },
    { skipDirNames: skip.names, skipRealDirs: skip.realDirs, ...(signal && { signal }) },
  );
  if (take === 'any') {
    out.files = candidates;
    return out;
  }
  for (const entry of candidates) {
    signal?.throwIfAborted();
    // An unreadable file stays an item: its run says why, with the code for it.
    const head = await fileHead(entry.path).catch(() => null);
    if (head !== null && sniffFormat(head) === null) out.notPhotos.push(entry.path);
    else out.files.push(entry);
  }
  return out;
}
