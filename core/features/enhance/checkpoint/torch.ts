/**
 * The allow-list of globals a state dict pickles, each reimplemented here as a pure function that
 * records what the file describes (a storage, a view of it, a tensor's shape and strides). The
 * bytes of the storages are read later, and only for the tensors that are kept.
 */
import type { StoredDType } from './types.js';
import {
  asIndex,
  describe,
  itemsOf,
  PickleFault,
  PyCallable,
  PyDict,
  PyObject,
  PyTuple,
  type PyValue,
} from './values.js';

/** One of torch's typed storage classes (`torch.FloatStorage`); only float ones are read. */
export class StorageType extends PyObject {
  readonly description: string;
  constructor(
    /** `FloatStorage` */
    readonly name: string,
    /** The element type in torch's words (`float16`, `int64`), for messages. */
    readonly label: string,
    readonly itemSize: number,
    /** The dtype we convert from, or null for storages that are not float weights. */
    readonly float: StoredDType | null,
  ) {
    super();
    this.description = `torch.${name}`;
  }
}

/** A storage of the file: `data/<key>` in a zip, or the key-th blob of a legacy file. */
export class Storage extends PyObject {
  readonly description = 'a torch storage';
  constructor(
    readonly key: string,
    readonly type: StorageType,
    /** Elements of `type`. */
    readonly numel: number,
  ) {
    super();
  }
  get byteLength(): number {
    return this.numel * this.type.itemSize;
  }
}

/** What a persistent id stands for: a storage, or (legacy files) a window of one. */
export class StorageView extends PyObject {
  readonly description = 'a torch storage';
  constructor(
    readonly storage: Storage,
    /** Where the window starts, in elements. */
    readonly offset: number,
    readonly numel: number,
  ) {
    super();
  }
}

/** A tensor as `_rebuild_tensor_v2` describes it: elements of a storage at an offset and strides. */
export class TensorRef extends PyObject {
  readonly description = 'a torch.Tensor';
  constructor(
    readonly storage: Storage,
    /** From the storage's start, in elements (a legacy view's offset included). */
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {
    super();
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

const STORAGE_TYPES: readonly StorageType[] = [
  new StorageType('FloatStorage', 'float32', 4, 'float32'),
  new StorageType('HalfStorage', 'float16', 2, 'float16'),
  new StorageType('BFloat16Storage', 'bfloat16', 2, 'bfloat16'),
  new StorageType('DoubleStorage', 'float64', 8, 'float64'),
  // Known only to say clearly that these are not float weights (and to step over them in a
  // legacy file, whose storages follow one another).
  new StorageType('LongStorage', 'int64', 8, null),
  new StorageType('IntStorage', 'int32', 4, null),
  new StorageType('ShortStorage', 'int16', 2, null),
  new StorageType('CharStorage', 'int8', 1, null),
  new StorageType('ByteStorage', 'uint8', 1, null),
  new StorageType('BoolStorage', 'bool', 1, null),
  new StorageType('ComplexFloatStorage', 'complex64', 8, null),
  new StorageType('ComplexDoubleStorage', 'complex128', 16, null),
];

/** The most dimensions a tensor may have (torch allows 64). */
const MAX_RANK = 64;

function fault(message: string): never {
  throw new PickleFault(message);
}

/** `(d0, d1, …)` of non-negative integers, as a shape or strides. */
function dims(value: PyValue, what: string): number[] {
  const items = itemsOf(value);
  if (items === null) fault(`the tensor's ${what} is ${describe(value)}, not a tuple`);
  if (items.length > MAX_RANK) fault(`the tensor has ${items.length} dimensions`);
  return items.map((item) => asIndex(item) ?? fault(`the tensor's ${what} holds ${describe(item)}`));
}

/**
 * `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata])`; checks that every element the strides reach lies in the storage,
 * so that reading the data later cannot go out of bounds.
 */
function rebuildTensor(args: readonly PyValue[], name: string, minArgs: number): TensorRef {
  if (args.length < minArgs) fault(`${name} gets ${args.length} arguments, not ${minArgs}`);
  const [view, offsetValue, sizeValue, strideValue] = args as [PyValue, PyValue, PyValue, PyValue];
  if (!(view instanceof StorageView)) fault(`${name} gets ${describe(view)} instead of a storage`);
  const offset = asIndex(offsetValue) ?? fault(`${name} gets ${describe(offsetValue)} as the storage offset`);
  const shape = dims(sizeValue, 'size');
  const stride = dims(strideValue, 'stride');
  if (shape.length !== stride.length) {
    fault(`the tensor has ${shape.length} sizes but ${stride.length} strides`);
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(numel)) fault(`the tensor's shape [${shape.join(', ')}] is impossibly large`);
  const last =
    numel === 0 ? offset : shape.reduce((end, size, d) => end + (size - 1) * (stride[d] ?? 0), offset);
  const limit = numel === 0 ? view.numel + 1 : view.numel;
  if (last >= limit) {
    fault(
      `a tensor of shape [${shape.join(', ')}], strides [${stride.join(', ')}] at offset ${offset} reaches element ${last} of a storage of ${view.numel}`,
    );
  }
  return new TensorRef(view.storage, view.offset + offset, shape, stride);
}

/** `torch._utils._rebuild_parameter(data, requires_grad, backward_hooks[, state])`: the tensor. */
function rebuildParameter(args: readonly PyValue[]): TensorRef {
  const data = args[0];
  if (!(data instanceof TensorRef)) fault(`a Parameter wraps ${describe(data ?? null)}, not a tensor`);
  return data;
}

/** `collections.OrderedDict()` or `OrderedDict([(key, value), …])`. */
function orderedDict(args: readonly PyValue[]): PyDict {
  const dict = new PyDict(true);
  const pairs = args.length === 0 ? [] : itemsOf(args[0] ?? null);
  if (pairs === null || args.length > 1) fault('OrderedDict gets arguments other than a list of pairs');
  for (const pair of pairs) {
    const items = itemsOf(pair);
    if (items?.length !== 2) fault(`OrderedDict gets ${describe(pair)} instead of a (key, value) pair`);
    dict.entries.set(items[0] ?? null, items[1] ?? null);
  }
  return dict;
}

/** What GLOBAL may resolve in a checkpoint's main pickle; everything else is refused by name. */
export const TORCH_GLOBALS: ReadonlyMap<string, PyValue> = new Map<string, PyValue>([
  ['collections.OrderedDict', new PyCallable('collections.OrderedDict', orderedDict)],
  [
    'torch._utils._rebuild_tensor_v2',
    new PyCallable('torch._utils._rebuild_tensor_v2', (args) => rebuildTensor(args, '_rebuild_tensor_v2', 6)),
  ],
  [
    'torch._utils._rebuild_tensor',
    new PyCallable('torch._utils._rebuild_tensor', (args) => rebuildTensor(args, '_rebuild_tensor', 4)),
  ],
  ['torch._utils._rebuild_parameter', new PyCallable('torch._utils._rebuild_parameter', rebuildParameter)],
  [
    'torch._utils._rebuild_parameter_with_state',
    new PyCallable('torch._utils._rebuild_parameter_with_state', rebuildParameter),
  ],
  ...STORAGE_TYPES.map((type): [string, PyValue] => [`torch.${type.name}`, type]),
]);

/** Nothing at all: the legacy format's magic number, version and key list need no global. */
export const NO_GLOBALS: ReadonlyMap<string, PyValue> = new Map();

/** A storage key as text (a str in torch's files; tolerate an int or Python 2 bytes). */
function storageKey(value: PyValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  return fault(`a storage key that is ${describe(value)}`);
}

/**
 * The persistent ids torch.save writes for storages: `('storage', type, key, location, numel)`
 * in the zip format, plus `view_metadata` (`None` or `(view_key, offset, size)`) in the legacy
 * one. `storages` collects each storage once, by key.
 */
export function storagePersistentLoad(storages: Map<string, Storage>): (pid: PyValue) => PyValue {
  return (pid) => {
    const items = pid instanceof PyTuple ? pid.items : null;
    const kind = items?.[0];
    const tag = kind instanceof Uint8Array ? Buffer.from(kind).toString('latin1') : kind;
    if (items === null || tag !== 'storage') {
      if (tag === 'module') fault('it saves a whole module with its source code, not a state dict');
      fault(`a persistent id that is ${describe(pid)}, not a storage`);
    }
    if (items.length !== 5 && items.length !== 6) fault(`a storage id with ${items.length} fields`);
    const [, type, keyValue, , numelValue, viewValue = null] = items as PyValue[];
    if (!(type instanceof StorageType)) fault(`a storage whose type is ${describe(type ?? null)}`);
    const key = storageKey(keyValue ?? null);
    const numel =
      asIndex(numelValue ?? null) ?? fault(`storage ${key} has ${describe(numelValue ?? null)} elements`);
    let storage = storages.get(key);
    if (storage === undefined) {
      storage = new Storage(key, type, numel);
      storages.set(key, storage);
    } else if (storage.type !== type) {
      fault(`storage ${key} is used both as ${storage.type.label} and as ${type.label}`);
    }
    if (viewValue === null) return new StorageView(storage, 0, storage.numel);
    const view = itemsOf(viewValue);
    const offset = asIndex(view?.[1] ?? null);
    const size = asIndex(view?.[2] ?? null);
    if (view?.length !== 3 || offset === null || size === null || offset + size > storage.numel) {
      fault(`storage ${key} has a view ${describe(viewValue)} outside its ${storage.numel} elements`);
    }
    return new StorageView(storage, offset, size);
  };
}
