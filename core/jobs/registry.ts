import { RpcError } from '../contract/errors.js';
import type { AnyOperation } from './types.js';

/** Job kind → the operation that runs it; modules register theirs when a core is composed. */
export class OperationRegistry {
  private readonly byKind = new Map<string, AnyOperation>();

  constructor(operations: readonly AnyOperation[] = []) {
    for (const op of operations) this.register(op);
  }

  register(op: AnyOperation): void {
    if (this.byKind.has(op.kind)) throw new Error(`Operation kind "${op.kind}" is registered twice`);
    this.byKind.set(op.kind, op);
  }

  find(kind: string): AnyOperation | undefined {
    return this.byKind.get(kind);
  }

  get(kind: string): AnyOperation {
    const op = this.byKind.get(kind);
    if (!op) {
      throw new RpcError(
        'INVALID_INPUT',
        `Unknown job kind "${kind}"; known kinds: ${this.kinds().join(', ')}.`,
      );
    }
    return op;
  }

  kinds(): string[] {
    return [...this.byKind.keys()];
  }
}
