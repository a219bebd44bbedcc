import type { Command } from 'commander';
import type { Core } from '../../app/createCore.js';
import { RpcError } from '../../contract/errors.js';
import type { JobSummary } from '../../contract/jobs.js';
import { followJob } from '../../kernel/cli/progress.js';
import type { Io } from '../../kernel/cli/io.js';

/** Finds a job by full id or unique prefix (people type the first few characters). */
export function findJob(core: Core, idOrPrefix: string): JobSummary {
  const matches = core.jobs.list().filter((j) => j.id === idOrPrefix || j.id.startsWith(idOrPrefix));
  if (matches.length === 1 && matches[0]) return matches[0];
  throw new RpcError(
    'NOT_FOUND',
    matches.length === 0
      ? `No job matches "${idOrPrefix}".`
      : `"${idOrPrefix}" matches ${matches.length} jobs; give more of the id.`,
  );
}

function oneLine(j: JobSummary): string {
  const c = j.counts;
  return `${j.id.slice(0, 8)}  ${j.kind.padEnd(8)} ${j.status.padEnd(9)} ${c.done} done, ${c.skipped} skipped, ${c.failed} failed, ${c.queued + c.running} left of ${c.total}  ${new Date(j.createdAt).toISOString()}`;
}

/** Prints what happened to a job; returns the exit code (1 when any item failed). */
export function printSummary(core: Core, jobId: string, io: Io): number {
  const job = core.jobs.summary(jobId);
  const c = job.counts;
  io.out(
    `Job ${job.id.slice(0, 8)} ${job.status}: ${c.done} done, ${c.skipped} skipped (already up to date), ${c.failed} failed`,
  );
  io.out(c.cancelled > 0 ? `, ${c.cancelled} cancelled` : '');
  io.out(c.queued + c.running > 0 ? `, ${c.queued + c.running} not yet run\n` : '\n');
  if (c.failed > 0) {
    const failed = core.jobs.get(job.id, 0, 1000, 'failed');
    for (const item of failed.items)
      io.err(`  failed: ${item.inputPath}\n          ${item.errorCode}: ${item.errorMessage}\n`);
    if (failed.totalItems > failed.items.length)
      io.err(
        `  …and ${failed.totalItems - failed.items.length} more (pixelsmith jobs show ${job.id.slice(0, 8)})\n`,
      );
  }
  if (job.status === 'running' || job.status === 'queued' || job.status === 'paused') {
    io.out(`Resume it with: pixelsmith jobs resume ${job.id.slice(0, 8)}\n`);
  }
  return c.failed > 0 ? 1 : 0;
}

/** Runs the given jobs in this process until nothing is left, with a progress bar; Ctrl+C stops cleanly. */
export async function runToEnd(core: Core, jobIds: string[], io: Io): Promise<void> {
  const stops = jobIds.map((id) => followJob(core.events, id, { write: io.err, isTTY: io.isTTY }));
  const interrupt = (): void => {
    io.err('\nStopping: running items go back to the queue…\n');
    void core.jobs.stop();
  };
  process.once('SIGINT', interrupt);
  try {
    core.jobs.start(jobIds);
    await core.jobs.drain();
  } finally {
    process.off('SIGINT', interrupt);
    for (const stop of stops) stop();
  }
}

export function registerJobsCommand(
  program: Command,
  openCore: () => Core,
  io: Io,
  setExit: (code: number) => void,
): void {
  const jobs = program.command('jobs').description('list, inspect and resume jobs');
  jobs
    .command('list', { isDefault: true })
    .description('list jobs, newest first')
    .action(async () => {
      const core = openCore();
      try {
        const all = core.jobs.list();
        if (all.length === 0) io.out('No jobs yet.\n');
        for (const j of all) io.out(`${oneLine(j)}\n`);
      } finally {
        await core.close();
      }
    });
  jobs
    .command('show')
    .description('show a job and its failed items with reasons')
    .argument('<id>', 'job id or a unique prefix of it')
    .option('--json', 'print the job and all its items as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const core = openCore();
      try {
        const job = findJob(core, id);
        if (opts.json) io.out(`${JSON.stringify(core.jobs.get(job.id, 0, 100_000), null, 2)}\n`);
        else {
          io.out(
            `${oneLine(job)}\noptions: ${JSON.stringify(job.options)}\noutput: ${job.outDir ?? 'next to each input'}\n`,
          );
          setExit(printSummary(core, job.id, io));
        }
      } finally {
        await core.close();
      }
    });
  jobs
    .command('resume')
    .description('run unfinished jobs to the end: the one given, or every unfinished or paused one')
    .argument('[id]', 'job id or a unique prefix of it')
    .action(async (id: string | undefined) => {
      const core = openCore();
      try {
        const targets = id
          ? [findJob(core, id)]
          : core.jobs.list().filter((j) => ['queued', 'running', 'paused'].includes(j.status));
        if (targets.length === 0) {
          io.out('Nothing to resume.\n');
          return;
        }
        for (const j of targets) if (j.status === 'paused') core.jobs.resume(j.id);
        await runToEnd(
          core,
          targets.map((j) => j.id),
          io,
        );
        let code = 0;
        for (const j of targets) code = Math.max(code, printSummary(core, j.id, io));
        setExit(code);
      } finally {
        await core.close();
      }
    });
}
