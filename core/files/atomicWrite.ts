import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes `data` to `target` so that readers only ever see the old file or the complete new one:
 * a temporary name in the same folder (same filesystem, so rename is atomic), fsync, rename.
 */
export async function writeFileAtomic(target: string, data: Uint8Array): Promise<void> {
  // A short fixed-length name: the target's own name may already be near the 255-byte limit.
  const tmp = join(dirname(target), `.pixelsmith-${randomBytes(8).toString('hex')}.tmp`);
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
