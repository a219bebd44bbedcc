import { randomBytes } from 'node:crypto';
import { link, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes `data` to `target` so that readers only ever see the old file or the complete new one:
 * a temporary name in the same folder (same filesystem, so rename is atomic), fsync, rename.
 * With `replace: false` an existing target is never clobbered: the file is linked into place
 * (which fails with EEXIST when something is there) instead of renamed over it.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array,
  options: { replace?: boolean } = {},
): Promise<void> {
  const tmp = tempPathFor(target);
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await placeFile(tmp, target, options);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * A temporary name beside `target` (same filesystem, so a rename is atomic). Short and
 * fixed-length (the target's own name may be near the 255-byte limit), and carrying the
 * writer's pid so a crashed writer's leftovers can be told apart and removed.
 */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.pixelsmith-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
}

/** Flushes a written file to the disk. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Moves a complete, synced temporary file to `target` (see writeFileAtomic for `replace`). On
 * failure the temporary file stays (the caller may place it elsewhere, or remove it).
 */
export async function placeFile(
  tmp: string,
  target: string,
  options: { replace?: boolean } = {},
): Promise<void> {
  if (options.replace ?? true) await rename(tmp, target);
  else await linkNoClobber(tmp, target);
}

/** Puts `tmp` at `target` only if nothing is there (link fails with EEXIST), then drops `tmp`. */
async function linkNoClobber(tmp: string, target: string): Promise<void> {
  try {
    await link(tmp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Filesystems without hard links (FAT, some network shares): check, then rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    ) {
      throw Object.assign(new Error(`${target} exists`), { code: 'EEXIST' });
    }
    await rename(tmp, target);
    return;
  }
  await rm(tmp, { force: true });
}

const TEMP_NAME = /^\.pixelsmith-(\d+)-[0-9a-f]+\.tmp$/;

/** Removes temporary files that writers which are no longer alive left in `dir`; returns how many. */
export async function removeStaleTemps(dir: string, isAlive: (pid: number) => boolean): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    await rm(join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}
