import { resolve } from 'node:path';
import type { Api } from '../../contract/client.js';
import type { Io } from './io.js';
import { inFlagWords, type FlagWords } from './words.js';

/** An open core in this process, reached through the contract like any other shell. */
export interface CliSession {
  api: Api;
  /** Stops this process's work (running items go back to the queue) and closes the database. */
  close(): Promise<void>;
}

/** What a module's CLI commands get: where to write, how to open core, how to set the exit code. */
export interface CliContext {
  io: Io;
  /** Opens core in this process: jobs created through this session run here. */
  open(): CliSession;
  setExit(code: number): void;
}

/**
 * What a user typed, as the absolute paths the contract takes: relative to where they ran the
 * command (core never guesses a working folder).
 */
export function absolute(path: string): string {
  return resolve(path);
}

/**
 * Runs `fn` with an open session and always closes it, also when `fn` throws. `flags` names the
 * command's flags for the contract's fields, so a refusal speaks of `--max-size`, not `maxSize`.
 */
export async function withApi<T>(
  cli: CliContext,
  fn: (api: Api) => Promise<T> | T,
  flags: FlagWords = {},
): Promise<T> {
  const session = cli.open();
  try {
    return await fn(session.api);
  } catch (error) {
    throw inFlagWords(error, flags);
  } finally {
    await session.close();
  }
}
