import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const IMPORT_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/**
 * Makes the uploads folder (only its owner may enter it) and removes uploads older than a week:
 * someone's finished session, so the folder stays small.
 */
export async function prepareImports(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const entries = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - IMPORT_MAX_AGE_MS;
  for (const name of entries) {
    const full = join(dir, name);
    const info = await stat(full).catch(() => null);
    if (info && info.mtimeMs < cutoff) await rm(full, { recursive: true, force: true });
  }
}
