import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createCore, type Core } from '../app/createCore.js';
import { createLocalTransport } from '../app/localTransport.js';
import { SHIPPED_MODULES } from '../app/modules.js';
import { buildClient } from '../contract/client.js';
import { RpcError } from '../contract/errors.js';
import type { CliContext } from '../kernel/cli/context.js';
import { stdio, type Io } from '../kernel/cli/io.js';
import { safeText } from '../kernel/cli/words.js';
import { resolveDataDir } from '../kernel/paths.js';
import { readPackageJson } from '../kernel/version.js';
import { resolveToken } from './auth.js';
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

  const openCore = (
    runJobs: 'all' | 'own',
    extra: { protectedDirs?: string[]; shell?: 'cli' | 'web'; folderRoots?: string[] } = {},
  ): Core => {
    const { dataDir } = program.opts<{ dataDir?: string }>();
    return createCore({
      dataDir: resolveDataDir(dataDir),
      shell: extra.shell ?? 'cli',
      runJobs,
      protectedDirs: extra.protectedDirs ?? [],
      folderRoots: extra.folderRoots,
      log: (line) => io.err(`${line}\n`),
    });
  };

  program
    .command('serve')
    .description('serve the studio UI and its API over HTTP + WebSocket (headless mode)')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one', parsePort, 5417)
    .option(
      '--token-file <file>',
      'read the access token from this file (default: $PIXELSMITH_TOKEN, else a new one per launch)',
    )
    .option(
      '--root <dir>',
      'a folder the browser studio may choose output folders from (repeat for more; default: your home folder)',
      (dir: string, previous: string[] = []) => [...previous, resolve(dir)],
    )
    .addHelpText(
      'after',
      '\nEvery request needs the access token. Open the printed URL once: it carries the token, which\n' +
        'the page trades for a cookie. The token is never taken from the command line (others see it in ps).',
    )
    .action(async (opts: { host: string; port: number; tokenFile?: string; root?: string[] }) => {
      const { token } = resolveToken({ env: process.env.PIXELSMITH_TOKEN, file: opts.tokenFile });
      const dataDir = resolveDataDir(program.opts<{ dataDir?: string }>().dataDir);
      // The server is the studio's engine: it runs every job, and picks up interrupted ones.
      // It never writes into the studio it serves.
      const core = openCore('all', { protectedDirs: [STATIC_DIR], shell: 'web', folderRoots: opts.root });
      const server = await startServer({
        core,
        dataDir,
        host: opts.host,
        port: opts.port,
        token,
        staticDir: STATIC_DIR,
        log: (line) => io.err(`${line}\n`),
      }).catch(async (error: unknown) => {
        await core.close();
        throw error;
      });
      io.out(`Pixelsmith studio: ${server.entryUrl}\nData folder: ${dataDir}\nPress Ctrl+C to stop.\n`);
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

  // Every other command comes from a feature module and reaches core through the typed client,
  // so the CLI validates exactly as the studio does.
  const cli: CliContext = {
    io,
    setExit,
    open() {
      const core = openCore('own');
      return { api: buildClient(createLocalTransport(core)), close: () => core.close() };
    },
  };
  for (const module of SHIPPED_MODULES) module.cli?.(program, cli);
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
    // Help and --version exit 0; every usage error is a refusal (2), like invalid input.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof RpcError) {
      io.err(`pixelsmith: ${safeText(error.message)} (${error.code})\n`);
      return 2;
    }
    io.err(`pixelsmith: ${safeText(error instanceof Error ? error.message : String(error))}\n`);
    return 2;
  }
}
