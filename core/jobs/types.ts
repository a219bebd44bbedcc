import type { z } from 'zod';
import type { ProbedImage, ProbeLimits } from '../kernel/probe.js';
import type { ParkRequest } from './signals.js';

/** Facts an operation reports with a result (shown with the item). */
export type ItemDetails = Record<string, string | number>;

/** What an operation gets for one item. */
export interface ItemContext<O> {
  signal: AbortSignal;
  /** The job and the item, for records that name them (a cost ledger row). */
  jobId: string;
  itemId: number;
  options: O;
  inputPath: string;
  /** The input's bytes, read once (already hashed for the results cache); decode from these. */
  input: Buffer;
  /** The output path planned for this item when the job was created. */
  outputPath: string;
  /** A further output beside the planned one: same folder and name, plus `suffix`, with `ext`. */
  siblingOutput(suffix: string, ext?: string): string;
  limits: ProbeLimits;
  /**
   * The input's header (size, format, depth, frames), checked against `limits`: read once per
   * item however often it is asked for (the engine reads it first for the item's pixel count).
   * Rejects with a coded error (NOT_AN_IMAGE, CORRUPT_IMAGE, IMAGE_TOO_LARGE…).
   */
  probe(): Promise<ProbedImage>;
  /** 0..1 within this item. */
  progress(fraction: number): void;
  /** This try, from 1 (tries refunded by a pause or a rate limit do not count). */
  attempt: number;
  /** What this operation saved when it last parked this item; null on a first run. */
  state: unknown;
  /**
   * Parks the item as `awaiting`: it gives up its slot and runs again (with `state`) when woken
   * by time or by `waitFor`, in this process or another, also after a restart. Never returns.
   */
  park(request: ParkRequest): never;
  /**
   * Adds a line to the job's log (shown by `jobs show` and the Queue): fallbacks, retries.
   * `once`: only the first time this job logs this message (a fallback every item meets).
   */
  log(message: string, options?: { level?: 'info' | 'warn'; once?: boolean }): void;
  /**
   * Hands over an output; returns its path. The engine writes it atomically (temporary name,
   * fsync, rename, folders created) after `run` returns and outside the resource slot, so the
   * next item computes while this one reaches the disk. The item is done only once it has.
   */
  writeOutput(data: Uint8Array, path?: string): string;
  /**
   * Hands over an output too large to hold as bytes: `encode` writes it to the temporary path it
   * is given (beside the output, so it moves into place atomically); the engine syncs it and
   * moves it into place as for `writeOutput`, or removes it if the item fails or is cancelled.
   */
  writeOutputWith(encode: (tempPath: string) => Promise<void>, path?: string): Promise<string>;
}

/**
 * A job kind. The engine knows nothing else about it: new kinds plug in by being registered.
 * `version` goes into the results-cache key; bump it when the same options give other bytes.
 */
export interface Operation<O = unknown> {
  kind: string;
  version: number;
  optionsSchema: z.ZodType<O>;
  /**
   * What the kind takes from a folder: `images` (the default) leaves out files that do not
   * start like an image (notes, sidecars, SVGs), so they never become failed items; `any`
   * takes every file.
   */
  inputs?: 'images' | 'any';
  /** Which resource an item needs (`cpu`, `gpu`, `gemini:<model>`…). */
  resource(options: O): string;
  /**
   * Refuses a job before anything is stored, for what a user can fix first (a model that is not
   * installed, say). Throw an RpcError with its own code.
   */
  check?(options: O, ctx: { signal: AbortSignal }): Promise<void> | void;
  /**
   * Completes the options before the job is stored, after `check`: what the job must keep as it
   * was when it was made (restyle freezes the styles it names). The result is what items run with
   * and what the results cache keys on; it must still satisfy `optionsSchema`.
   */
  prepare?(options: O, ctx: { signal: AbortSignal }): Promise<O> | O;
  /**
   * What the default output name adds to say what was done (`_x2` for a 2× enhance), so runs
   * with other options never replace each other. Default none.
   */
  nameSuffix?(options: O): string;
  /** An output's size for an input of this size, for estimates; default unknown. */
  outputSize?(options: O, input: { width: number; height: number }): { width: number; height: number };
  /** Output extension (no dot) for an input, so output names are planned when the job is made. */
  outputExtension(options: O, inputPath: string): string;
  run(ctx: ItemContext<O>): Promise<{ outputs: string[]; details?: ItemDetails }>;
}

/** An operation with its option type erased, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOperation = Operation<any>;
