import type { ChosenTensor } from './select.js';
import { decodeValues, gather, isContiguous } from './tensor.js';
import type { Storage } from './torch.js';
import type { CheckpointTensor, StateDict } from './types.js';
import { badCheckpoint } from './values.js';

export interface ReadProgress {
  signal?: AbortSignal | undefined;
  onProgress?: ((fraction: number) => void) | undefined;
}

/**
 * The most float32 values a result may hold: 4 GiB, what a 2 GiB float16 checkpoint becomes. A
 * tensor saved with zero strides (an `expand()`) is materialised, so a tiny file could otherwise
 * ask for any amount of memory.
 */
export const MAX_RESULT_VALUES = 2 ** 30;

/** The storages the chosen tensors use, each once, in the order the tensors name them. */
function byStorage(chosen: readonly ChosenTensor[]): Map<Storage, ChosenTensor[]> {
  const groups = new Map<Storage, ChosenTensor[]>();
  for (const item of chosen) {
    const group = groups.get(item.tensor.storage);
    if (group === undefined) groups.set(item.tensor.storage, [item]);
    else group.push(item);
  }
  return groups;
}

function checkResultSize(file: string, chosen: readonly ChosenTensor[]): void {
  let total = 0;
  for (const { name, tensor } of chosen) {
    total += tensor.numel;
    if (total > MAX_RESULT_VALUES) {
      throw badCheckpoint(
        `${file} would unpack to more than ${MAX_RESULT_VALUES} values (${name} alone has shape [${tensor.shape.join(', ')}] over a storage of ${tensor.storage.numel}); refused.`,
      );
    }
  }
}

/**
 * Reads each storage the chosen tensors use, once, converts it and cuts the tensors out of it,
 * then lets it go: memory stays near the file plus the float32 result. Progress counts storage
 * bytes; the signal is checked between storages.
 */
export async function assemble(
  file: string,
  chosen: readonly ChosenTensor[],
  load: (storage: Storage) => Uint8Array | Promise<Uint8Array>,
  littleEndian: boolean,
  progress: ReadProgress,
): Promise<StateDict> {
  checkResultSize(file, chosen);
  const groups = byStorage(chosen);
  const totalBytes = [...groups.keys()].reduce((sum, storage) => sum + storage.byteLength, 0);
  const built = new Map<string, CheckpointTensor>();
  let doneBytes = 0;
  for (const [storage, tensors] of groups) {
    progress.signal?.throwIfAborted();
    const dtype = storage.type.float;
    if (dtype === null) throw new Error(`storage ${storage.key} is not a float storage`);
    const bytes = await load(storage);
    const decoded = decodeValues(bytes, dtype, storage.numel, littleEndian);
    for (const { name, tensor } of tensors) {
      // A storage converted into a new array for just this one tensor is handed over as it is.
      const whole =
        decoded.owned &&
        tensors.length === 1 &&
        tensor.offset === 0 &&
        tensor.numel === storage.numel &&
        isContiguous(tensor.shape, tensor.stride);
      const data = whole
        ? decoded.values
        : gather(decoded.values, tensor.offset, tensor.shape, tensor.stride);
      built.set(name, { shape: [...tensor.shape], dtype, data });
    }
    doneBytes += storage.byteLength;
    progress.onProgress?.(totalBytes === 0 ? 1 : doneBytes / totalBytes);
  }
  if (groups.size === 0) progress.onProgress?.(1);
  // The file's order, not the storages'.
  const result = new Map<string, CheckpointTensor>();
  for (const { name } of chosen) {
    const tensor = built.get(name);
    if (tensor !== undefined) result.set(name, tensor);
  }
  return result;
}
