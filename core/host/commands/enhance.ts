import { InvalidArgumentError, type Command } from 'commander';
import type { Core } from '../../app/createCore.js';
import { formatBytes } from '../../contract/format.js';
import type { Io } from '../../kernel/cli/io.js';
import { printSummary, runToEnd } from './jobs.js';

function number(kind: 'scale' | 'tile') {
  return (value: string): number | 'auto' => {
    if (kind === 'tile' && value === 'auto') return 'auto';
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(
        `Expected a positive number${kind === 'tile' ? ' or "auto"' : ''}, got "${value}".`,
      );
    return n;
  };
}

export function registerEnhanceCommands(
  program: Command,
  openCore: () => Core,
  io: Io,
  setExit: (code: number) => void,
): void {
  program
    .command('enhance')
    .description(
      'upscale photos with a Real-ESRGAN model (ONNX Runtime: CUDA if installed, else CPU), as a resumable job',
    )
    .argument('<paths...>', 'files and folders (searched recursively)')
    .option(
      '--scale <n>',
      'output scale, e.g. 2 or 4 (a x4 model then resizes with Lanczos)',
      number('scale'),
      2,
    )
    .option('--model <id>', 'model id (see `pixelsmith models list`); default: the best installed upscaler')
    .option('--tile <n|auto>', 'tile size in input pixels, or auto', number('tile'), 'auto')
    .option('--alpha <mode>', 'how transparency is upscaled: lanczos or model', 'lanczos')
    .option('--format <format>', 'png, jpg, webp, or same (as the input)', 'same')
    .option('--quality <n>', 'quality 1-100 for jpg and webp', (v) => Number(v), 92)
    .option(
      '--out <dir>',
      'output folder; the input folders are mirrored under it (default: a "pixelsmith" folder next to each photo)',
    )
    .option('--suffix <text>', 'added to each output name', '')
    .action(
      async (
        paths: string[],
        flags: {
          scale: number;
          model?: string;
          tile: number | 'auto';
          alpha: string;
          format: string;
          quality: number;
          out?: string;
          suffix: string;
        },
      ) => {
        const core = openCore();
        try {
          const job = await core.jobs.create({
            kind: 'enhance',
            options: {
              outscale: flags.scale,
              tile: flags.tile,
              alpha: flags.alpha,
              format: flags.format,
              quality: flags.quality,
              ...(flags.model && { model: flags.model }),
            },
            paths,
            outDir: flags.out,
            suffix: flags.suffix,
            priority: 'interactive',
          });
          io.out(`Job ${job.id} started: ${job.counts.total} file(s).\n`);
          await runToEnd(core, [job.id], io);
          const done = core.jobs.get(job.id, 0, 1, 'done').items[0];
          if (done?.details)
            io.out(
              `Model ${done.details.model} on ${done.details.provider}, tiles of ${done.details.tile}px.\n`,
            );
          setExit(printSummary(core, job.id, io));
        } finally {
          await core.close();
        }
      },
    );

  const models = program.command('models').description('list, download, import and remove models');
  const withCore = (fn: (core: Core) => Promise<void>) => async () => {
    const core = openCore();
    try {
      await fn(core);
    } finally {
      await core.close();
    }
  };
  models
    .command('list', { isDefault: true })
    .description('installed and available models')
    .action(
      withCore(async (core) => {
        for (const m of await core.models.list()) {
          const state = m.installed
            ? `installed (${m.source}${m.bytes ? `, ${formatBytes(m.bytes)}` : ''})`
            : m.downloadable
              ? 'available for download'
              : 'import-only';
          io.out(`${m.id.padEnd(26)} ${m.task.padEnd(12)} x${m.scale}  ${state}\n`);
        }
      }),
    );
  models
    .command('download')
    .argument('<id>')
    .description('download a model, verify its sha256 and install it (resumes a partial download)')
    .action(async (id: string) => {
      const core = openCore();
      const off = core.events.subscribe((e) => {
        if (e.name === 'models.downloadProgress' && io.isTTY)
          io.err(
            `\r${formatBytes(e.payload.received)} of ${e.payload.total ? formatBytes(e.payload.total) : '?'}\x1b[K`,
          );
      });
      try {
        const m = await core.models.download(id);
        io.out(`\nInstalled ${m.id} at ${m.path}\n`);
      } finally {
        off();
        await core.close();
      }
    });
  models
    .command('import')
    .argument('<file>', 'an .onnx file')
    .option(
      '--id <id>',
      'id to give it (default: from the file name, or the catalog when its sha256 is known)',
    )
    .option('--task <task>', 'upscale, face-restore or face-detect (default: derived from the model)')
    .option('--scale <n>', 'native scale (default: measured by running the model)', (v) => Number(v))
    .description('import an ONNX model you have; its inputs, outputs and scale are read from the model')
    .action(
      async (
        file: string,
        opts: { id?: string; task?: 'upscale' | 'face-restore' | 'face-detect'; scale?: number },
      ) => {
        await withCore(async (core) => {
          const m = await core.models.import(file, opts);
          io.out(`Imported ${m.id}: ${m.task}, x${m.scale}, at ${m.path}\n`);
        })();
      },
    );
  models
    .command('remove')
    .argument('<id>')
    .description('remove a downloaded or imported model')
    .action(async (id: string) => {
      await withCore(async (core) => {
        await core.models.remove(id);
        io.out(`Removed ${id}.\n`);
      })();
    });
}
