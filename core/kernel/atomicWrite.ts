import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes `data` to `target` so that readers only ever see the old file or the complete new one:
 * a temporary name in the same folder (same filesystem, so rename is atomic), fsync, rename.
 */
export async function writeFileAtomic(target: string, data: Uint8Array): Promise<void> {
  // Short and fixed-length (the target's own name may be near the 255-byte limit), and carrying
  // the writer's pid so a crashed writer's leftovers can be told apart and removed.
  const tmp = join(dirname(target), `.pixelsmith-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
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
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
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
