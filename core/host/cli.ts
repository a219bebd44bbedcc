import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createCore, type Core } from '../app/createCore.js';
import { resolveDataDir } from '../app/paths.js';
import { readPackageJson } from '../app/version.js';
import { RpcError } from '../contract/errors.js';
import { formatBytes } from '../contract/format.js';
import { registerConvertCommand } from './commands/convert.js';
import { registerEnhanceCommands } from './commands/enhance.js';
import { stdio, type Io } from '../kernel/cli/io.js';
import { registerJobsCommand } from './commands/jobs.js';
import { registerKeysCommands } from './commands/keys.js';
import { startServer } from './server.js';

/** The built renderer sits at dist/renderer, two folders up from dist/core/host. */
const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'renderer');

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`Expected a port number from 0 to 65535, got "${value}".`);
  }
  return port;
}

function openCore(program: Command, runJobs: 'all' | 'own', io: Io): Core {
  const { dataDir } = program.opts<{ dataDir?: string }>();
  return createCore({
    dataDir: resolveDataDir(dataDir),
    shell: 'cli',
    runJobs,
    log: (line) => io.err(`${line}\n`),
  });
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command()
    .name('pixelsmith')
    .description(
      'Pixelsmith: a studio for folders of photos. Run `pixelsmith serve` to use the studio in a browser.',
    )
    .version(readPackageJson().version, '-v, --version', 'print the version')
    .option(
      '--data-dir <dir>',
      'data folder (database, caches); default: $PIXELSMITH_DATA_DIR, else the app-data folder the desktop app uses',
    )
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run `pixelsmith --help` for usage)')
    .exitOverride();

  program
    .command('serve')
    .description('serve the studio UI and its API over HTTP + WebSocket (headless mode)')
    .option('--host <address>', 'address to bind; anything but loopback requires --token', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one', parsePort, 5417)
    .option(
      '--token <secret>',
      'require this secret on every request (default: $PIXELSMITH_TOKEN); "generate" makes one',
    )
    .action(async (opts: { host: string; port: number; token?: string }) => {
      let token = opts.token ?? process.env.PIXELSMITH_TOKEN;
      if (token === 'generate') token = randomBytes(24).toString('base64url');
      // The server is the studio's engine: it runs every job, and picks up interrupted ones.
      const core = openCore(program, 'all', io);
      const server = await startServer({
        core,
        host: opts.host,
        port: opts.port,
        token,
        staticDir: STATIC_DIR,
        log: (line) => io.err(`${line}\n`),
      }).catch(async (error: unknown) => {
        await core.close();
        throw error;
      });
      const shown = token ? `${server.url}?token=${encodeURIComponent(token)}` : server.url;
      io.out(`Pixelsmith studio: ${shown}\nData folder: ${core.dataDir}\nPress Ctrl+C to stop.\n`);
      await new Promise<void>((resolveStop) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server
            .close()
            .then(() => core.close())
            .then(resolveStop);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });

  program
    .command('scan')
    .description('list the images in files and folders (recursively), with per-file errors')
    .argument('<paths...>', 'files and folders to scan')
    .option('--json', 'print the result as JSON')
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const core = openCore(program, 'own', io);
      try {
        const result = await core.handlers['files.scan']({ paths });
        if (opts.json) {
          io.out(`${JSON.stringify(result, null, 2)}\n`);
        } else {
          for (const img of result.images) {
            io.out(`${img.path}\t${img.width}×${img.height}\t${img.format}\t${formatBytes(img.size)}\n`);
          }
          for (const e of result.errors) io.err(`error ${e.code}: ${e.message}\n`);
          io.out(
            `${result.images.length} image(s), ${result.errors.length} error(s), ${result.skipped} hidden/system file(s) skipped\n`,
          );
        }
        if (result.errors.length > 0) setExit(1);
      } finally {
        await core.close();
      }
    });

  registerConvertCommand(program, () => openCore(program, 'own', io), io, setExit);
  registerEnhanceCommands(program, () => openCore(program, 'own', io), io, setExit);
  registerJobsCommand(program, () => openCore(program, 'own', io), io, setExit);
  registerKeysCommands(program, () => openCore(program, 'own', io), io, setExit);
  return program;
}

/** Runs the CLI with `argv` (as in `process.argv`) and resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof RpcError) {
      io.err(`pixelsmith: ${error.message}\n`);
      return 2;
    }
    io.err(`pixelsmith: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}
