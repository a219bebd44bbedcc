import type { Command } from 'commander';
import { basename } from 'node:path';
import type { JobItem, JobSummary } from '../../contract/jobs.js';
import { safeText } from '../../kernel/cli/words.js';
import { withApi, type CliContext } from '../../kernel/cli/context.js';
import { findJob, printSummary, runJobsToEnd } from '../../kernel/cli/jobs.js';

const SHOWN_ITEMS = 200;

/** `done     a.jpg → /out/a_x2.jpg  (realesr-animevideov3 on cpu, 1.2 s)` */
function itemLine(item: JobItem): string {
  const d = item.details;
  const ran = d && typeof d.model === 'string' ? `${d.model} on ${String(d.provider ?? '?')}` : null;
  const took = item.durationMs === null ? null : `${(item.durationMs / 1000).toFixed(1)} s`;
  const facts = [ran, took].filter(Boolean).join(', ');
  const what =
    item.status === 'failed' ? (item.errorCode ?? '') : item.outputs.map((o) => `→ ${safeText(o)}`).join(' ');
  return `${item.status.padEnd(9)}${safeText(basename(item.inputPath))} ${what}${facts ? `  (${facts})` : ''}`;
}

function oneLine(j: JobSummary): string {
  const c = j.counts;
  const left = c.queued + c.running;
  return (
    `${j.id.slice(0, 8)}  ${j.kind.padEnd(8)} ${j.status.padEnd(9)} ` +
    `${c.done} done, ${c.skipped} skipped, ${c.failed} failed, ${left} left of ${c.total}  ` +
    new Date(j.createdAt).toISOString()
  );
}

export function registerJobsCommands(program: Command, cli: CliContext): void {
  const { io } = cli;
  const jobs = program.command('jobs').description('list, inspect, pause, cancel and resume jobs');
  jobs
    .command('list', { isDefault: true })
    .description('list jobs, newest first')
    .action(() =>
      withApi(cli, async (api) => {
        const all = await api.jobs.list();
        if (all.length === 0) io.out('No jobs yet.\n');
        for (const j of all) io.out(`${oneLine(j)}\n`);
      }),
    );
  jobs
    .command('show')
    .description('show a job, its failed items with reasons, and its log')
    .argument('<id>', 'job id or a unique prefix of it')
    .option('--json', 'print the job and all its items as JSON')
    .action((id: string, opts: { json?: boolean }) =>
      withApi(cli, async (api) => {
        const job = await findJob(api, id);
        if (opts.json) {
          const first = await api.jobs.get({ id: job.id, limit: 1000 });
          const items = [...first.items];
          while (items.length < first.totalItems) {
            items.push(...(await api.jobs.get({ id: job.id, offset: items.length, limit: 1000 })).items);
          }
          io.out(`${JSON.stringify({ ...first, items }, null, 2)}\n`);
          return;
        }
        io.out(
          `${oneLine(job)}\noptions: ${JSON.stringify(job.options)}\noutput: ${safeText(job.outDir ?? 'next to each input')}\n`,
        );
        const { items, totalItems } = await api.jobs.get({ id: job.id, limit: SHOWN_ITEMS });
        for (const item of items) io.out(`  ${itemLine(item)}\n`);
        if (totalItems > items.length)
          io.out(`  …and ${totalItems - items.length} more (--json lists all)\n`);
        cli.setExit(await printSummary(api, job.id, io));
        const log = await api.jobs.log({ id: job.id, limit: 200 });
        if (log.length > 0) io.out('log:\n');
        for (const e of log) io.out(`  ${new Date(e.at).toISOString()}  ${e.level.padEnd(5)} ${e.message}\n`);
      }),
    );
  for (const [verb, about, act] of [
    ['pause', 'pause a job: running items go back to the queue; resume continues', 'pause'],
    ['cancel', 'cancel a job: nothing more of it runs; what is done stays', 'cancel'],
  ] as const) {
    jobs
      .command(verb)
      .description(about)
      .argument('<id>', 'job id or a unique prefix of it')
      .action((id: string) =>
        withApi(cli, async (api) => {
          const job = await api.jobs[act]({ id: (await findJob(api, id)).id });
          io.out(`${oneLine(job)}\n`);
        }),
      );
  }
  jobs
    .command('resume')
    .description('run unfinished jobs to the end: the one given, or every unfinished or paused one')
    .argument('[id]', 'job id or a unique prefix of it')
    .action((id: string | undefined) =>
      withApi(cli, async (api) => {
        const targets = id
          ? [await findJob(api, id)]
          : (await api.jobs.list()).filter((j) => ['queued', 'running', 'paused'].includes(j.status));
        if (targets.length === 0) {
          io.out('Nothing to resume.\n');
          return;
        }
        // Resuming runs each job in this process (a paused one is un-paused first).
        for (const j of targets) {
          if (['queued', 'running', 'paused'].includes(j.status)) await api.jobs.resume({ id: j.id });
        }
        cli.setExit(
          await runJobsToEnd(
            api,
            targets.map((j) => j.id),
            io,
          ),
        );
      }),
    );
}
