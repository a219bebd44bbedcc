import { InvalidArgumentError, type Command } from 'commander';
import { CONVERT_FORMATS } from '../../contract/convert.js';
import { absolute, withApi, type CliContext } from '../../kernel/cli/context.js';
import { runJobsToEnd } from '../../kernel/cli/jobs.js';

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
  format: string;
  quality: number;
  maxSize?: number;
  scale?: number;
  out?: string;
  suffix?: string;
  overwrite?: boolean;
  template: string;
}

/** The contract's fields as this command's flags, for its refusals. */
export const CONVERT_FLAGS = {
  format: '--format',
  quality: '--quality',
  maxSize: '--max-size',
  scale: '--scale',
  outDir: '--out',
  suffix: '--suffix',
  template: '--template',
};

export function registerConvertCommand(program: Command, cli: CliContext): void {
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
    .option('--suffix <text>', 'added to each output name')
    .option(
      '--overwrite',
      'replace files already at the output paths (default: a free name, e.g. "photo (2).jpg")',
    )
    .option('--template <t>', 'output name template with {name}, {suffix}, {ext}', '{name}{suffix}.{ext}')
    .addHelpText('after', '\nExit code 1 when any photo failed; each failure is listed with its reason.')
    .action((paths: string[], flags: ConvertFlags) =>
      withApi(
        cli,
        async (api) => {
          const job = await api.jobs.create({
            kind: 'convert',
            // The flags go to the contract as typed; it refuses what is wrong, as for every shell.
            options: {
              format: flags.format as never,
              quality: flags.quality,
              ...(flags.maxSize !== undefined && { maxSize: flags.maxSize }),
              ...(flags.scale !== undefined && { scale: flags.scale }),
            },
            paths: paths.map(absolute),
            outDir: flags.out === undefined ? undefined : absolute(flags.out),
            suffix: flags.suffix,
            ...(flags.overwrite && { overwrite: true }),
            template: flags.template,
            priority: 'interactive',
          });
          cli.io.out(`Job ${job.id} started: ${job.counts.total} file(s).\n`);
          cli.setExit(await runJobsToEnd(api, [job.id], cli.io));
        },
        CONVERT_FLAGS,
      ),
    );
}
