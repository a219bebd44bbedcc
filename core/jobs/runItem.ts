import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { summarizeIssues } from '../contract/define.js';
import { RpcError, type ErrorCode } from '../contract/errors.js';
import type { JobRow } from '../db/jobsRepo.js';
import { placeFile, syncFile, tempPathFor, writeFileAtomic } from '../kernel/atomicWrite.js';
import { checkFile, fsError, probeBuffer, type ProbedImage, type ProbeLimits } from '../kernel/probe.js';
import type { ResultRow, ResultsCacheRepo } from '../db/resultsCacheRepo.js';
import type { ItemRow } from '../db/itemsRepo.js';
import { operationHash } from '../kernel/hash.js';
import { siblingPath } from './naming.js';
import { freeName } from './ownership.js';
import type { OperationRegistry } from './registry.js';
import { ParkItem, RetryLater, type ParkRequest } from './signals.js';
import type { AnyOperation, ItemContext, ItemDetails } from './types.js';

/** An output to put in place: bytes to write, or a complete, synced temporary file to move. */
export type PendingWrite = { path: string; data: Uint8Array } | { path: string; file: string };

/** Temporary files of writes that will not be committed (a failure, a cancel). */
async function discardWrites(writes: readonly PendingWrite[]): Promise<void> {
  for (const w of writes) if ('file' in w) await rm(w.file, { force: true });
}

export type ItemResult =
  | { status: 'parked'; inputSha256: string | null; request: ParkRequest }
  | {
      status: 'retry';
      inputSha256: string | null;
      error: { code: ErrorCode; message: string };
      afterMs: number | null;
      refund: boolean;
    }
  | {
      status: 'done';
      writes: PendingWrite[];
      inputSha256: string;
      opHash: string;
      details: ItemDetails | null;
    }
  | { status: 'skipped'; outputs: string[]; inputSha256: string; reason: string }
  | { status: 'failed'; inputSha256: string | null; error: { code: ErrorCode; message: string } };

export interface RunItemDeps {
  operation: AnyOperation;
  options: unknown;
  results: ResultsCacheRepo;
  limits: ProbeLimits;
  signal: AbortSignal;
  progress(fraction: number): void;
  log: ItemContext<unknown>['log'];
  /** The input's width × height, once read (for this machine's measured speed and ETAs). */
  pixels(count: number): void;
}

const SYNC_READ_MAX_BYTES = 2 * 1024 * 1024;
const WRITE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EISDIR', 'ENAMETOOLONG']);

/**
 * The operation and its options for an item, parsed again from what the job stored (perhaps by
 * another version); a job this version cannot run gets a failed result that says what to do.
 */
export function prepareRun(
  item: ItemRow,
  job: JobRow,
  operations: OperationRegistry,
): { operation: AnyOperation; options: unknown } | Extract<ItemResult, { status: 'failed' }> {
  const outdated = (why: string): Extract<ItemResult, { status: 'failed' }> => ({
    status: 'failed',
    inputSha256: null,
    error: {
      code: 'OPTIONS_OUTDATED',
      message: `${item.inputPath}: this job was made by another version of Pixelsmith and ${why}; create the job again.`,
    },
  });
  const operation = operations.find(job.kind);
  if (!operation) return outdated(`it is a "${job.kind}" job, which this Pixelsmith does not run`);
  const options = operation.optionsSchema.safeParse(job.options);
  if (!options.success) {
    return outdated(`its options are not valid any more (${summarizeIssues(options.error.issues)})`);
  }
  return { operation, options: options.data };
}

/** Turns anything an item threw into a coded failure that names the file. */
export function toItemError(error: unknown, item: ItemRow): { code: ErrorCode; message: string } {
  if (error instanceof RpcError) return { code: error.code, message: error.message };
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno && WRITE_ERRORS.has(errno) && item.outputPath) {
    return {
      code: 'WRITE_FAILED',
      message: `Could not write ${item.outputPath}: ${(error as Error).message}`,
    };
  }
  if (errno) return fsError(item.inputPath, error).toData();
  return {
    code: 'INTERNAL',
    message: `${item.inputPath}: ${error instanceof Error ? error.message : String(error)}`,
  };
}

async function unchangedOutput(
  results: ResultsCacheRepo,
  outputPath: string,
  sha: string,
  opHash: string,
): Promise<boolean> {
  const row = results.get(outputPath);
  if (!row || row.inputSha256 !== sha || row.opHash !== opHash) return false;
  const info = await stat(outputPath).catch(() => null);
  return info !== null && info.size === row.size && Math.trunc(info.mtimeMs) === row.mtimeMs;
}

/**
 * The outputs a skipped item stands for: the planned one and every other still unchanged in its
 * folder that was made from this input with these options (restyle's other styles, sidecars).
 */
async function madeBeside(
  results: ResultsCacheRepo,
  inputPath: string,
  outputPath: string,
  sha: string,
  opHash: string,
): Promise<string[]> {
  const others: string[] = [];
  for (const row of results.madeFrom(inputPath, sha, opHash)) {
    if (row.outputPath === outputPath || dirname(row.outputPath) !== dirname(outputPath)) continue;
    if (await unchangedOutput(results, row.outputPath, sha, opHash)) others.push(row.outputPath);
  }
  return [outputPath, ...others];
}

/**
 * The compute half of an item: reads the input once, fingerprints it, skips it when its output
 * was already made from the same bytes with the same options, otherwise runs the operation and
 * returns the outputs still to be written (see `commitWrites`). Aborts propagate (the engine
 * decides what an abort means); every other failure becomes this item's coded error.
 */
export async function runItem(item: ItemRow, deps: RunItemDeps): Promise<ItemResult> {
  let sha: string | null = null;
  try {
    const info = await checkFile(item.inputPath, deps.limits);
    let input: Buffer;
    try {
      // A small file is read synchronously: the thread-pool round trips of an async read cost
      // more than the read itself. checkFile has made sure it is a regular file (never a pipe).
      input =
        info.size <= SYNC_READ_MAX_BYTES
          ? readFileSync(item.inputPath)
          : await readFile(item.inputPath, { signal: deps.signal });
    } catch (error) {
      if (deps.signal.aborted) throw error;
      throw fsError(item.inputPath, error);
    }
    sha = createHash('sha256').update(input).digest('hex');
    // One header read serves the pixel count and the operation (a second one cost 10 % of a
    // small photo's time in bench:jobs).
    let probed: Promise<ProbedImage> | null = null;
    const probe = (): Promise<ProbedImage> => (probed ??= probeBuffer(item.inputPath, input, deps.limits));
    if (item.pixels === null) {
      // What cannot be probed has no count; the operation meets (and reports) the same error.
      const header = await probe().catch(() => null);
      if (header) deps.pixels(header.width * header.height);
    }
    const outputPath = item.outputPath;
    if (!outputPath) throw new RpcError('INTERNAL', `${item.inputPath} has no planned output.`);
    const opHash = operationHash(deps.operation.kind, deps.operation.version, deps.options);
    if (await unchangedOutput(deps.results, outputPath, sha, opHash)) {
      return {
        status: 'skipped',
        outputs: await madeBeside(deps.results, item.inputPath, outputPath, sha, opHash),
        inputSha256: sha,
        reason: 'Already made from this file with the same options.',
      };
    }
    const writes: PendingWrite[] = [];
    const result = await deps.operation
      .run({
        signal: deps.signal,
        jobId: item.jobId,
        itemId: item.id,
        options: deps.options,
        inputPath: item.inputPath,
        input,
        outputPath,
        siblingOutput: (suffix, ext) => siblingPath(outputPath, suffix, ext),
        limits: deps.limits,
        probe,
        progress: deps.progress,
        attempt: item.attempts,
        state: item.state ?? null,
        park(request) {
          throw new ParkItem(request);
        },
        log: deps.log,
        writeOutput(data, path = outputPath) {
          writes.push({ path, data });
          return path;
        },
        async writeOutputWith(encode, path = outputPath) {
          await mkdir(dirname(path), { recursive: true });
          const file = tempPathFor(path);
          try {
            await encode(file);
            await syncFile(file);
          } catch (error) {
            await rm(file, { force: true });
            throw error;
          }
          writes.push({ path, file });
          return path;
        },
      })
      .catch(async (error: unknown) => {
        await discardWrites(writes);
        throw error;
      });
    if (deps.signal.aborted) {
      await discardWrites(writes);
      deps.signal.throwIfAborted();
    }
    return { status: 'done', writes, inputSha256: sha, opHash, details: result.details ?? null };
  } catch (error) {
    if (deps.signal.aborted) throw error;
    if (error instanceof ParkItem) return { status: 'parked', inputSha256: sha, request: error.request };
    if (error instanceof RetryLater) {
      return {
        status: 'retry',
        inputSha256: sha,
        error: toItemError(error.cause, item),
        afterMs: error.options.afterMs ?? null,
        refund: error.options.refund ?? false,
      };
    }
    return { status: 'failed', inputSha256: sha, error: toItemError(error, item) };
  }
}

export interface CommitTarget {
  inputPath: string;
  inputSha256: string;
  opHash: string;
  /** A file at this path that must not be replaced (see `OutputOwnership`). */
  occupied: (path: string) => boolean;
  /** Marks `path` as being written by this item, before it is moved into place. */
  claim: (path: string) => void;
}

/**
 * The I/O half: writes each output atomically and returns the results-cache rows for them. A
 * planned path that someone's file took since the job was planned is left alone: the output
 * takes a free name, and a note says so.
 */
export async function commitWrites(
  writes: readonly PendingWrite[],
  target: CommitTarget,
): Promise<{ rows: ResultRow[]; notes: string[] }> {
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  for (const w of writes) {
    let path = w.path;
    for (;;) {
      if (target.occupied(path)) {
        const free = freeName(path, target.occupied);
        notes.push(
          `${basename(path)} is already there and not Pixelsmith's to replace; written as ${basename(free)}.`,
        );
        path = free;
      }
      try {
        target.claim(path);
        // Replace only what we may (our own earlier output); otherwise never clobber, atomically.
        if ('file' in w) await placeFile(w.file, path, { replace: existsSync(path) });
        else await writeAt(path, w.data, existsSync(path));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          await discardWrites(writes);
          throw error;
        }
        // Someone's file appeared this very moment: take the next free name.
      }
    }
    const info = await stat(path);
    rows.push({
      outputPath: path,
      inputPath: target.inputPath,
      inputSha256: target.inputSha256,
      opHash: target.opHash,
      size: info.size,
      mtimeMs: info.mtimeMs,
    });
  }
  return { rows, notes };
}

async function writeAt(path: string, data: Uint8Array, replace: boolean): Promise<void> {
  try {
    await writeFileAtomic(path, data, { replace });
  } catch (error) {
    // Folders are made on first need (and again if someone removed one mid-job).
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, data, { replace });
  }
}
