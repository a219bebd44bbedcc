import { RpcError } from '../contract/errors.js';
import type { AnyOperation } from './types.js';

export interface OperationRegistry {
  get(kind: string): AnyOperation;
  kinds(): string[];
}

/** Job kind → operation module. */
export function createOperationRegistry(operations: readonly AnyOperation[]): OperationRegistry {
  const byKind = new Map<string, AnyOperation>();
  for (const op of operations) {
    if (byKind.has(op.kind)) throw new Error(`Operation kind "${op.kind}" is registered twice`);
    byKind.set(op.kind, op);
  }
  return {
    get(kind) {
      const op = byKind.get(kind);
      if (!op)
        throw new RpcError(
          'INVALID_INPUT',
          `Unknown job kind "${kind}"; known kinds: ${[...byKind.keys()].join(', ')}.`,
        );
      return op;
    },
    kinds: () => [...byKind.keys()],
  };
}
