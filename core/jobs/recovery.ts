import { basename, dirname } from 'node:path';
import type { ItemRow, ItemsRepo } from '../db/itemsRepo.js';
import { removeStaleTemps } from '../kernel/atomicWrite.js';
import { isOrphanOwner, pidAlive } from '../kernel/owner.js';
import type { JobLog } from './jobLog.js';

export interface Recovered {
  /** Back in the queue, their attempt still counted. */
  requeued: ItemRow[];
  /** Interrupted as often as the attempt limit allows: failed, so they cannot crash us again. */
  failed: ItemRow[];
  /** Removal of the dead processes' temporary files from the affected output folders. */
  cleanup: Promise<void>;
}

/**
 * Items a dead process left running: back to the queue (with a line in their job's log), or
 * failed as INTERRUPTED once they have used `maxAttempts` — a photo that kills the process
 * every time must not take the queue down with it.
 */
export function recoverOrphans(
  items: ItemsRepo,
  log: JobLog,
  self: string,
  maxAttempts: number,
  now: number,
): Recovered {
  const { requeued, failed } = items.recover(
    (owner) => isOrphanOwner(owner, self),
    maxAttempts,
    (item) => ({
      code: 'INTERRUPTED',
      message:
        `${item.inputPath}: Pixelsmith stopped ${item.attempts} times while working on it (a crash or ` +
        'the computer going off), so it is not tried again. Retry it once the cause is fixed.',
    }),
    now,
  );
  for (const item of requeued) {
    const next = `attempt ${item.attempts + 1} of ${maxAttempts}`;
    log.add(
      item.jobId,
      item.id,
      'warn',
      `${basename(item.inputPath)}: Pixelsmith stopped while working on it; it runs again (${next})`,
    );
  }
  for (const item of failed) {
    log.add(
      item.jobId,
      item.id,
      'error',
      `${basename(item.inputPath)}: interrupted ${item.attempts} times; not tried again`,
    );
  }
  const folders = new Set(
    [...requeued, ...failed].flatMap((i) => (i.outputPath ? [dirname(i.outputPath)] : [])),
  );
  const cleanup = Promise.all([...folders].map((dir) => removeStaleTemps(dir, pidAlive))).then(
    () => undefined,
  );
  return { requeued, failed, cleanup };
}
