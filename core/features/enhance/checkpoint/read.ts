/**
 * Reading PyTorch checkpoints without PyTorch, and without ever running what is in them:
 * `torch.load` unpickles with Python's pickle, which imports and calls whatever a file names, so a
 * `.pth` from the internet can run code. Here the pickle is interpreted by our own restricted
 * unpickler (`pickle.ts`) whose only globals are the few that state dicts use, reimplemented.
 *
 * Formats, recognised from the bytes: torch.save's zip (`zip.ts`, `torchZip.ts`), its legacy
 * format (`legacy.ts`) and `.safetensors` (`safetensors.ts`). Every failure is BAD_CHECKPOINT,
 * with a message that names the file and what is wrong with it.
 */
import type { Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { CHECKPOINT_MAX_BYTES } from './limits.js';
import type { ReadProgress } from './assemble.js';
import { readLegacy } from './legacy.js';
import { readSafetensors } from './safetensors.js';
import { sniffFormat } from './sniff.js';
import { readTorchZip } from './torchZip.js';
import type { StateDict } from './types.js';
import { badCheckpoint } from './values.js';
import { formatBytes } from './zip.js';

export type { CheckpointTensor, StateDict, StoredDType } from './types.js';

export interface ReadCheckpointOptions {
  /** Checked between reads and between storages; an abort rejects with the signal's reason. */
  signal?: AbortSignal;
  /** 0..1 as the storages are converted; ends with 1. */
  onProgress?: (fraction: number) => void;
}

/** Reads of this size keep the signal responsive while the file comes in. */
const READ_CHUNK = 16 * 1024 * 1024;

function fileProblem(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return badCheckpoint(`${path} does not exist.`);
  if (code === 'EACCES' || code === 'EPERM') {
    return badCheckpoint(`${path} cannot be read: permission denied. Check the file's permissions.`);
  }
  return badCheckpoint(`${path} cannot be read: ${(error as Error | undefined)?.message ?? String(error)}`);
}

/** A regular file (a pipe would block, a device never end) no larger than a model may be. */
async function checkedSize(path: string): Promise<number> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw fileProblem(path, error);
  }
  if (!info.isFile()) throw badCheckpoint(`${path} is not a regular file (a folder, device or pipe).`);
  if (info.size > CHECKPOINT_MAX_BYTES) {
    throw badCheckpoint(
      `${path} is ${formatBytes(info.size)}, more than a checkpoint Pixelsmith reads (${formatBytes(CHECKPOINT_MAX_BYTES)}).`,
    );
  }
  return info.size;
}

/**
 * The whole file in one unpooled buffer (so that it starts aligned and stored zip entries and
 * legacy storages can be read as views of it, never copied). Read in chunks: `readFile` stops
 * at 2 GiB and cannot be interrupted.
 */
async function readWhole(path: string, size: number, signal: AbortSignal | undefined): Promise<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(size);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fileProblem(path, error);
  }
  try {
    let filled = 0;
    while (filled < size) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, filled, Math.min(READ_CHUNK, size - filled), filled);
      if (bytesRead === 0) break; // The file shrank while being read: what is there is judged as it is.
      filled += bytesRead;
    }
    return filled === size ? buffer : buffer.subarray(0, filled);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw fileProblem(path, error);
  } finally {
    await handle.close();
  }
}

/**
 * A checkpoint's weights as float32, by name: `params_ema` over `params` over `state_dict` over
 * the bare dict, `module.` stripped. Throws BAD_CHECKPOINT for anything it cannot read or will
 * not run; an abort rejects with the signal's reason.
 */
export async function readCheckpoint(path: string, options: ReadCheckpointOptions = {}): Promise<StateDict> {
  const progress: ReadProgress = { signal: options.signal, onProgress: options.onProgress };
  options.signal?.throwIfAborted();
  const size = await checkedSize(path);
  if (size === 0) throw badCheckpoint(`${path} is empty (0 bytes).`);
  const buffer = await readWhole(path, size, options.signal);
  switch (sniffFormat(path, buffer)) {
    case 'torch-zip':
      return readTorchZip(path, buffer, progress);
    case 'torch-legacy':
      return readLegacy(path, buffer, progress);
    case 'safetensors':
      return readSafetensors(path, buffer, progress);
  }
}
