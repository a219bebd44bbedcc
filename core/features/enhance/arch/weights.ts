/**
 * Reading a state dict the way detection needs it: by key and shape, with errors that say which
 * tensor disagrees and how, so a user can tell a damaged or unsupported checkpoint from a bug.
 */
import { RpcError } from '../../../contract/errors.js';
import type { CheckpointTensor, StateDict } from '../checkpoint/types.js';

/** `[64, 3, 3, 3]`, as shapes appear in every message here. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/** A few of the checkpoint's keys with their shapes and the count, for "this is not X" messages. */
export function describeKeys(weights: StateDict, shown = 5): string {
  if (weights.size === 0) return 'no tensors';
  const keys = [...weights.keys()];
  const listed = keys.slice(0, shown).map((key) => `${key} ${formatShape(weights.get(key)?.shape ?? [])}`);
  const more = keys.length > shown ? `, … (${keys.length - shown} more)` : '';
  return `${keys.length} tensor${keys.length === 1 ? '' : 's'}: ${listed.join(', ')}${more}`;
}

/** The tensor under `key`; BAD_CHECKPOINT naming the network and the key when it is absent. */
export function tensorOf(weights: StateDict, key: string, network: string): CheckpointTensor {
  const tensor = weights.get(key);
  if (!tensor) throw new RpcError('BAD_CHECKPOINT', `${network} checkpoint has no tensor ${key}`);
  return tensor;
}

/**
 * The tensor under `key`, which must have exactly `shape`; else BAD_CHECKPOINT naming the tensor
 * and both shapes (what the rest of the checkpoint implies, and what was found).
 */
export function shapedTensor(
  weights: StateDict,
  key: string,
  shape: readonly number[],
  network: string,
): CheckpointTensor {
  const tensor = tensorOf(weights, key, network);
  if (!sameShape(tensor.shape, shape)) {
    throw new RpcError(
      'BAD_CHECKPOINT',
      `${network} checkpoint: ${key} has shape ${formatShape(tensor.shape)}, expected ${formatShape(shape)}`,
    );
  }
  return tensor;
}

/** One dim of a tensor's shape, which must have `rank` dims (BAD_CHECKPOINT otherwise). */
export function dimOf(
  tensor: CheckpointTensor,
  axis: number,
  rank: number,
  key: string,
  network: string,
): number {
  const dim = tensor.shape[axis];
  if (tensor.shape.length !== rank || dim === undefined) {
    throw new RpcError(
      'BAD_CHECKPOINT',
      `${network} checkpoint: ${key} has shape ${formatShape(tensor.shape)}, expected ${rank} dims`,
    );
  }
  return dim;
}

/**
 * BAD_CHECKPOINT when the checkpoint holds tensors the recognised layout has no place for: a
 * variant we would otherwise rebuild without them, silently wrong.
 */
export function rejectUnexpected(weights: StateDict, expected: ReadonlySet<string>, network: string): void {
  const extra = [...weights.keys()].filter((key) => !expected.has(key));
  if (extra.length === 0) return;
  const listed = extra.slice(0, 5).join(', ') + (extra.length > 5 ? `, … (${extra.length - 5} more)` : '');
  throw new RpcError(
    'BAD_CHECKPOINT',
    `${network} checkpoint has ${extra.length} tensor${extra.length === 1 ? '' : 's'} its layout has no place for: ${listed}`,
  );
}

/**
 * The sorted distinct integers N of keys matching `pattern` (its first capture group), e.g. the
 * block indices of `body.N.rdb1.conv1.weight`.
 */
export function indicesOf(weights: StateDict, pattern: RegExp): number[] {
  const found = new Set<number>();
  for (const key of weights.keys()) {
    const index = pattern.exec(key)?.[1];
    if (index !== undefined) found.add(Number(index));
  }
  return [...found].sort((a, b) => a - b);
}
