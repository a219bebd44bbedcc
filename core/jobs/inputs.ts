import type { RpcError } from '../contract/errors.js';
import { walk } from '../kernel/walk.js';

export interface ListedInputs {
  files: { path: string; relDir: string }[];
  /** Entries that could not even be listed; each becomes a failed item. */
  errors: { path: string; error: RpcError }[];
}

/**
 * Every file under the given paths, in a stable order. Content is not looked at here: each file
 * is judged when its item runs, so one bad file fails only its own item.
 */
export async function listInputs(
  paths: readonly string[],
  skip: { names: ReadonlySet<string>; realDirs: ReadonlySet<string> },
  signal?: AbortSignal,
): Promise<ListedInputs> {
  const out: ListedInputs = { files: [], errors: [] };
  const seen = new Set<string>();
  await walk(
    paths,
    {
      file: (entry) => {
        if (seen.has(entry.path)) return;
        seen.add(entry.path);
        out.files.push(entry);
      },
      error: (path, error) => out.errors.push({ path, error }),
      skipped: () => undefined,
      visited: () => undefined,
    },
    { skipDirNames: skip.names, skipRealDirs: skip.realDirs, ...(signal && { signal }) },
  );
  return out;
}
