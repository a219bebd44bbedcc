import { InvalidArgumentError, type Command } from 'commander';
import type { Core } from '../../app/createCore.js';
import { CONVERT_FORMATS } from '../../features/convert/operation.js';
import type { Io } from '../../kernel/cli/io.js';
import { printSummary, runToEnd } from './jobs.js';

function positive(kind: 'int' | 'float') {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (kind === 'int' && !Number.isInteger(n))) {
      throw new InvalidArgumentError(
        `Expected a positive ${kind === 'int' ? 'whole number' : 'number'}, got "${value}".`,
      );
    }
    return n;
  };
}

interface ConvertFlags {
  format?: string;
  quality?: number;
  maxSize?: number;
  scale?: number;
  out?: string;
  suffix?: string;
  template?: string;
}

export function registerConvertCommand(
  program: Command,
  openCore: () => Core,
  io: Io,
  setExit: (code: number) => void,
): void {
  program
    .command('convert')
    .description('resize and/or change the format of photos, as a resumable job')
    .argument('<paths...>', 'files and folders (searched recursively)')
    .option('--format <format>', `output format: ${CONVERT_FORMATS.join(', ')}`, 'same')
    .option('--quality <n>', 'quality 1-100 for jpg, webp, avif, tiff', positive('int'), 85)
    .option('--max-size <px>', 'longest side in pixels (never enlarges)', positive('int'))
    .option('--scale <factor>', 'scale factor, e.g. 0.5 (instead of --max-size)', positive('float'))
    .option(
      '--out <dir>',
      'output folder; the input folders are mirrored under it (default: a "pixelsmith" folder next to each photo)',
    )
    .option('--suffix <text>', 'added to each output name', '')
    .option('--template <t>', 'output name template with {name}, {suffix}, {ext}', '{name}{suffix}.{ext}')
    .addHelpText('after', '\nExit code 1 when any photo failed; each failure is listed with its reason.')
    .action(async (paths: string[], flags: ConvertFlags) => {
      const core = openCore();
      try {
        const job = await core.jobs.create({
          kind: 'convert',
          options: {
            format: flags.format,
            quality: flags.quality,
            ...(flags.maxSize !== undefined && { maxSize: flags.maxSize }),
            ...(flags.scale !== undefined && { scale: flags.scale }),
          },
          paths,
          outDir: flags.out,
          suffix: flags.suffix,
          template: flags.template,
          priority: 'interactive',
        });
        io.out(`Job ${job.id} started: ${job.counts.total} file(s).\n`);
        await runToEnd(core, [job.id], io);
        setExit(printSummary(core, job.id, io));
      } finally {
        await core.close();
      }
    });
}
