import type { Api } from '../../contract/client.js';
import { RpcError } from '../../contract/errors.js';
import type { JobSummary } from '../../contract/jobs.js';
import { followJob } from './progress.js';
import type { Io } from './io.js';
import { safeText } from './words.js';

/** Finds a job by full id or unique prefix (people type the first few characters). */
export async function findJob(api: Api, idOrPrefix: string): Promise<JobSummary> {
  const matches = (await api.jobs.list()).filter((j) => j.id === idOrPrefix || j.id.startsWith(idOrPrefix));
  if (matches.length === 1 && matches[0]) return matches[0];
  throw new RpcError(
    'NOT_FOUND',
    matches.length === 0
      ? `No job matches "${idOrPrefix}".`
      : `"${idOrPrefix}" matches ${matches.length} jobs; give more of the id.`,
  );
}

const ENDED: ReadonlySet<JobSummary['status']> = new Set(['done', 'cancelled', 'paused']);

/**
 * Nothing more will happen in this process: the job ended, or all it has left waits on a remote
 * service (a batch can take hours; whichever Pixelsmith runs then picks the items up).
 */
function settled(job: JobSummary): boolean {
  const c = job.counts;
  return ENDED.has(job.status) || (c.queued === 0 && c.running === 0 && c.awaiting > 0);
}

/** Resolves once each job is done, cancelled or paused (told by `job.updated` events, no polling). */
export async function waitUntilEnded(
  api: Api,
  jobIds: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  let wake: () => void = () => undefined;
  const off = api.on('job.updated', (job) => {
    if (jobIds.includes(job.id) && settled(job)) wake();
  });
  const onAbort = (): void => wake();
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      const jobs = await Promise.all(jobIds.map((id) => api.jobs.get({ id, limit: 1 })));
      if (jobs.every((j) => settled(j.job)) || signal?.aborted) return;
      await changed;
    }
  } finally {
    off();
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Follows jobs that run in this process until each is done, cancelled or paused, with a progress
 * bar. Ctrl+C pauses them (running items go back to the queue, `jobs resume` continues).
 * Resolves true when it was interrupted.
 */
export async function followToEnd(api: Api, jobIds: readonly string[], io: Io): Promise<boolean> {
  const bars = jobIds.map((id) => followJob(api, id, { write: io.err, isTTY: io.isTTY }));
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    io.err('\nStopping: running items go back to the queue…\n');
    for (const id of jobIds) void api.jobs.pause({ id }).catch(() => undefined);
  };
  process.once('SIGINT', interrupt);
  try {
    await waitUntilEnded(api, jobIds);
    return interrupted;
  } finally {
    process.off('SIGINT', interrupt);
    for (const stop of bars) stop();
  }
}

/** Prints what happened to a job; returns the exit code (1 when any item failed). */
export async function printSummary(api: Api, jobId: string, io: Io): Promise<number> {
  const { job } = await api.jobs.get({ id: jobId, limit: 1 });
  const c = job.counts;
  io.out(
    `Job ${job.id.slice(0, 8)} ${job.status}: ${c.done} done, ${c.skipped} skipped (already up to date), ${c.failed} failed`,
  );
  io.out(c.cancelled > 0 ? `, ${c.cancelled} cancelled` : '');
  io.out(c.awaiting > 0 ? `, ${c.awaiting} waiting` : '');
  io.out(c.queued + c.running > 0 ? `, ${c.queued + c.running} not yet run\n` : '\n');
  if (c.failed > 0) {
    const failed = await api.jobs.get({ id: job.id, limit: 1000, status: 'failed' });
    for (const item of failed.items) {
      io.err(
        `  failed: ${safeText(item.inputPath)}\n          ${item.errorCode}: ${safeText(item.errorMessage ?? '')}\n`,
      );
    }
    if (failed.totalItems > failed.items.length) {
      io.err(
        `  …and ${failed.totalItems - failed.items.length} more (pixelsmith jobs show ${job.id.slice(0, 8)})\n`,
      );
    }
  }
  // Waiting (a Gemini batch, today's cost cap): each says why, and so what to do.
  if (c.awaiting > 0) {
    const waiting = await api.jobs.get({ id: job.id, limit: 1000, status: 'awaiting' });
    for (const item of waiting.items) {
      io.err(
        `  waiting: ${safeText(item.inputPath)}\n           ${safeText(item.waitReason ?? `see pixelsmith jobs show ${job.id.slice(0, 8)}`)}\n`,
      );
    }
    if (waiting.totalItems > waiting.items.length) {
      io.err(`  …and ${waiting.totalItems - waiting.items.length} more\n`);
    }
  }
  // Done, but with something to know: frames or depth dropped, damage the decoder reported, a
  // free name taken because a file was someone else's.
  const done = await api.jobs.get({ id: job.id, limit: 1000, status: 'done' });
  for (const item of done.items) {
    if (typeof item.details?.note === 'string')
      io.err(`  note: ${item.inputPath}\n        ${item.details.note}\n`);
  }
  if (job.status === 'running' || job.status === 'queued' || job.status === 'paused') {
    io.out(`Resume it with: pixelsmith jobs resume ${job.id.slice(0, 8)}\n`);
  }
  return c.failed > 0 ? 1 : 0;
}

/** Runs jobs created in this session to the end and prints each summary; returns the exit code. */
export async function runJobsToEnd(api: Api, jobIds: readonly string[], io: Io): Promise<number> {
  const interrupted = await followToEnd(api, jobIds, io);
  let code = 0;
  for (const id of jobIds) code = Math.max(code, await printSummary(api, id, io));
  return interrupted ? 130 : code;
}
