import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RpcError } from '../../contract/errors.js';
import type { MethodOutput } from '../../contract/methods.js';
import { isInside, realPathOf } from '../../kernel/paths.js';
import { fsError } from '../../kernel/probe.js';

/** At most this many folders are listed (a folder of folders that large wants a typed path). */
const MAX_FOLDERS = 2000;

/**
 * The folders inside `path`, which must lie under one of `roots` (links are followed before the
 * check, so a link cannot lead out). Without `path`: the roots themselves. Hidden folders are
 * left out; names sort as a file manager sorts them.
 */
export async function listFolders(
  roots: readonly string[],
  path: string | undefined,
): Promise<MethodOutput<'files.folders'>> {
  if (path === undefined) {
    return { roots: [...roots], path: null, parent: null, folders: roots.map((r) => ({ name: r, path: r })) };
  }
  const real = realPathOf(path);
  const root = roots.find((r) => isInside(real, realPathOf(r)));
  if (root === undefined) {
    throw new RpcError(
      'FORBIDDEN',
      `${path} is outside the folders this server offers (${roots.join(', ')}); start it with --root to offer others.`,
    );
  }
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    throw fsError(path, error);
  }
  const realRoots = roots.map(realPathOf);
  // A link is listed when it leads to a folder that is itself under a root.
  const isFolder = async (e: Dirent): Promise<boolean> => {
    if (e.isDirectory()) return true;
    if (!e.isSymbolicLink()) return false;
    const target = join(path, e.name);
    const info = await stat(target).catch(() => null);
    return info !== null && info.isDirectory() && realRoots.some((r) => isInside(realPathOf(target), r));
  };
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  const keep = await Promise.all(visible.map(isFolder));
  const folders = visible
    .filter((_, i) => keep[i])
    .map((e) => ({ name: e.name, path: join(path, e.name) }))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' }))
    .slice(0, MAX_FOLDERS);
  const atRoot = realPathOf(root) === real;
  return { roots: [...roots], path, parent: atRoot ? null : dirname(path), folders };
}
