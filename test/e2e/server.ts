import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

export interface StudioServer {
  url: string;
  dataDir: string;
  /** The folder the server offers for outputs (`--root`); results without a chosen folder go under it. */
  root: string;
  stop(): Promise<void>;
}

/** Starts the built `pixelsmith serve` on a free port with a temp data folder and a temp `--root`. */
export async function startStudio(
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<StudioServer> {
  const data = tempDir('pixelsmith-e2e-');
  const ownRoot = extraArgs.includes('--root') ? null : tempDir('pixelsmith-root-');
  const root = ownRoot?.path ?? (extraArgs[extraArgs.indexOf('--root') + 1] as string);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'pixelsmith.js'),
      '--data-dir',
      data.path,
      'serve',
      '--port',
      '0',
      ...(ownRoot ? ['--root', ownRoot.path] : []),
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pixelsmith serve did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Pixelsmith studio: (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`pixelsmith serve exited with ${code}:\n${output}`)));
  });
  return {
    url,
    dataDir: data.path,
    root,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      data.cleanup();
      ownRoot?.cleanup();
    },
  };
}
