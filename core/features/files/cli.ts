import type { Command } from 'commander';
import { formatBytes } from '../../contract/format.js';
import { absolute, withApi, type CliContext } from '../../kernel/cli/context.js';
import { safeText } from '../../kernel/cli/words.js';

export function registerScanCommand(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('scan')
    .description('list the images in files and folders (recursively), with per-file errors')
    .argument('<paths...>', 'files and folders to scan')
    .option('--json', 'print the result as JSON')
    .action((paths: string[], opts: { json?: boolean }) =>
      withApi(cli, async (api) => {
        const result = await api.files.scan({ paths: paths.map(absolute) });
        if (opts.json) {
          io.out(`${JSON.stringify(result, null, 2)}\n`);
        } else {
          for (const img of result.images) {
            io.out(
              `${safeText(img.path)}\t${img.width}×${img.height}\t${img.format}\t${formatBytes(img.size)}\n`,
            );
          }
          for (const e of result.errors) io.err(`error ${e.code}: ${safeText(e.message)}\n`);
          io.out(
            `${result.images.length} image(s), ${result.errors.length} error(s), ${result.skipped} hidden/system file(s) skipped\n`,
          );
        }
        if (result.errors.length > 0) cli.setExit(1);
      }),
    );
}
