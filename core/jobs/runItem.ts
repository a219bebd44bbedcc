import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RpcError, type ErrorCode } from '../contract/errors.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { fsError, type ProbeLimits } from '../files/probe.js';
import type { ResultRow, ResultsCacheRepo } from '../db/resultsCacheRepo.js';
import type { ItemRow } from '../db/itemsRepo.js';
import { operationHash, sha256File } from './hash.js';
import type { AnyOperation } from './types.js';

export type ItemResult =
  | { status: 'done'; outputs: string[]; inputSha256: string; cache: ResultRow[] }
  | { status: 'skipped'; outputs: string[]; inputSha256: string; reason: string }
  | { status: 'failed'; inputSha256: string | null; error: { code: ErrorCode; message: string } };

export interface RunItemDeps {
  operation: AnyOperation;
  options: unknown;
  results: ResultsCacheRepo;
  limits: ProbeLimits;
  signal: AbortSignal;
  progress(fraction: number): void;
}

const WRITE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EISDIR', 'ENAMETOOLONG']);

/** Turns anything an item threw into a coded failure that names the file. */
export function toItemError(error: unknown, item: ItemRow): { code: ErrorCode; message: string } {
  if (error instanceof RpcError) return { code: error.code, message: error.message };
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno && WRITE_ERRORS.has(errno) && item.outputPath) {
    return { code: 'WRITE_FAILED', message: `Could not write ${item.outputPath}: ${(error as Error).message}` };
  }
  if (errno) return fsError(item.inputPath, error).toData();
  return { code: 'INTERNAL', message: `${item.inputPath}: ${error instanceof Error ? error.message : String(error)}` };
}

async function unchangedOutput(results: ResultsCacheRepo, outputPath: string, sha: string, opHash: string): Promise<boolean> {
  const row = results.get(outputPath);
  if (!row || row.inputSha256 !== sha || row.opHash !== opHash) return false;
  const info = await stat(outputPath).catch(() => null);
  return info !== null && info.size === row.size && Math.trunc(info.mtimeMs) === row.mtimeMs;
}

/**
 * Runs one item: fingerprints the input, skips it when its output was already made from the same
 * bytes with the same options, otherwise runs the operation. Aborts propagate (the engine decides
 * what an abort means); every other failure becomes this item's coded error.
 */
export async function runItem(item: ItemRow, deps: RunItemDeps): Promise<ItemResult> {
  let sha: string | null = null;
  try {
    try {
      sha = await sha256File(item.inputPath, deps.signal);
    } catch (error) {
      if (deps.signal.aborted) throw error;
      throw fsError(item.inputPath, error);
    }
    const outputPath = item.outputPath;
    if (!outputPath) throw new RpcError('INTERNAL', `${item.inputPath} has no planned output.`);
    const opHash = operationHash(deps.operation.kind, deps.operation.version, deps.options);
    if (await unchangedOutput(deps.results, outputPath, sha, opHash)) {
      return { status: 'skipped', outputs: [outputPath], inputSha256: sha, reason: 'Already made from this file with the same options.' };
    }
    const { outputs } = await deps.operation.run({
      signal: deps.signal,
      options: deps.options,
      inputPath: item.inputPath,
      outputPath,
      limits: deps.limits,
      progress: deps.progress,
      async writeOutput(data, path = outputPath) {
        deps.signal.throwIfAborted();
        await mkdir(dirname(path), { recursive: true });
        await writeFileAtomic(path, data);
        return path;
      },
    });
    const cache: ResultRow[] = [];
    for (const out of outputs) {
      const info = await stat(out);
      cache.push({ outputPath: out, inputSha256: sha, opHash, size: info.size, mtimeMs: info.mtimeMs });
    }
    return { status: 'done', outputs, inputSha256: sha, cache };
  } catch (error) {
    if (deps.signal.aborted) throw error;
    return { status: 'failed', inputSha256: sha, error: toItemError(error, item) };
  }
}
