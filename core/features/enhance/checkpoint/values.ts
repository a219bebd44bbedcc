import { RpcError } from '../../../contract/errors.js';

/**
 * The Python values a restricted unpickler can produce. Primitives map to their JavaScript
 * counterparts (an int beyond 2^53 is a bigint, `bytes` a Uint8Array, a list an array); tuples,
 * dicts and everything an allowed global creates are classes, so a value's kind is an
 * `instanceof` away and nothing from the file can pose as a function.
 */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyObject;

/** Every non-primitive value: tuples, dicts and the objects the allow-listed globals build. */
export abstract class PyObject {
  /** What to call it in a message ("a tuple", "a torch.Tensor"). */
  abstract readonly description: string;
}

export class PyTuple extends PyObject {
  readonly description = 'a tuple';
  constructor(readonly items: readonly PyValue[]) {
    super();
  }
}

/** A `dict` or `collections.OrderedDict` (insertion order is kept either way). */
export class PyDict extends PyObject {
  readonly entries = new Map<PyValue, PyValue>();
  readonly description: string;
  constructor(readonly ordered: boolean) {
    super();
    this.description = ordered ? 'an OrderedDict' : 'a dict';
  }
}

/** A global from the allow-list that REDUCE or NEWOBJ may call; its body is ours, never the file's. */
export class PyCallable extends PyObject {
  readonly description: string;
  constructor(
    readonly name: string,
    readonly call: (args: readonly PyValue[]) => PyValue,
  ) {
    super();
    this.description = name;
  }
}

/**
 * A problem with the values a pickle hands to an allowed global (a storage that is not one, a
 * shape that is not a tuple of ints). The unpickler adds the file and the byte offset.
 */
export class PickleFault extends Error {}

/** The error every reader throws: the code callers branch on, a message the user can act on. */
export function badCheckpoint(message: string): RpcError {
  return new RpcError('BAD_CHECKPOINT', message);
}

/** A short description of a value for messages: `a str ("hello")`, `an int (3)`, `a list`. */
export function describe(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? `an int (${value})` : `a float (${value})`;
  if (typeof value === 'bigint') return `an int (${value})`;
  if (typeof value === 'string') return `a str (${JSON.stringify(clip(value, 40))})`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return value.description;
}

/** A non-negative integer that a JavaScript number holds exactly, or null. */
export function asIndex(value: PyValue): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return null;
}

/** A tuple's (or a list's) items. */
export function itemsOf(value: PyValue): readonly PyValue[] | null {
  if (value instanceof PyTuple) return value.items;
  if (Array.isArray(value)) return value;
  return null;
}

/** A dict key as text, for naming weights and listing keys in messages. */
export function keyText(key: PyValue): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return String(key);
  return describe(key);
}

/** The first few keys of a dict, for a message: `a, b, c, … (12 in all)`. */
export function firstKeys(dict: PyDict, count = 6): string {
  const keys = [...dict.entries.keys()].map(keyText);
  if (keys.length === 0) return 'none (the dict is empty)';
  const shown = keys.slice(0, count).join(', ');
  return keys.length > count ? `${shown}, … (${keys.length} in all)` : shown;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
