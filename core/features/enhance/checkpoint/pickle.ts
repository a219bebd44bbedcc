/**
 * A restricted unpickler. Python's pickle is a small stack machine whose GLOBAL and REDUCE
 * opcodes import and call anything by name, which is how a `.pth` from the internet runs code in
 * `torch.load`. This one is our own: it knows the opcodes a state dict uses, resolves a global
 * only from the allow-list it is given (whose functions are ours, written in TypeScript), and
 * refuses every other opcode by name and offset. Nothing in the file can make it call anything
 * else, so reading a hostile file can fail but never act.
 */
import { describe, badCheckpoint, PickleFault, PyCallable, PyDict, PyTuple, type PyValue } from './values.js';

export interface UnpickleOptions {
  /** The checkpoint's path, for messages. */
  file: string;
  /** Which pickle of the file this is ("archive/data.pkl", "its storage key list"), for messages. */
  part: string;
  /** `module.name` → the value GLOBAL/STACK_GLOBAL pushes; anything else is refused. */
  globals: ReadonlyMap<string, PyValue>;
  /** What BINPERSID pushes for a persistent id (torch's storages); absent: BINPERSID is refused. */
  persistentLoad?: (pid: PyValue) => PyValue;
}

export interface Unpickled {
  value: PyValue;
  /** The offset just past STOP: where the next pickle of a legacy file starts. */
  end: number;
}

/** Every opcode of protocols 0–5, so that a refusal can say which one it met. */
const OPCODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries({
    '(': 'MARK',
    '.': 'STOP',
    '0': 'POP',
    '1': 'POP_MARK',
    '2': 'DUP',
    F: 'FLOAT',
    I: 'INT',
    J: 'BININT',
    K: 'BININT1',
    L: 'LONG',
    M: 'BININT2',
    N: 'NONE',
    P: 'PERSID',
    Q: 'BINPERSID',
    R: 'REDUCE',
    S: 'STRING',
    T: 'BINSTRING',
    U: 'SHORT_BINSTRING',
    V: 'UNICODE',
    X: 'BINUNICODE',
    a: 'APPEND',
    b: 'BUILD',
    c: 'GLOBAL',
    d: 'DICT',
    '}': 'EMPTY_DICT',
    e: 'APPENDS',
    g: 'GET',
    h: 'BINGET',
    i: 'INST',
    j: 'LONG_BINGET',
    l: 'LIST',
    ']': 'EMPTY_LIST',
    o: 'OBJ',
    p: 'PUT',
    q: 'BINPUT',
    r: 'LONG_BINPUT',
    s: 'SETITEM',
    t: 'TUPLE',
    ')': 'EMPTY_TUPLE',
    u: 'SETITEMS',
    G: 'BINFLOAT',
    '\x80': 'PROTO',
    '\x81': 'NEWOBJ',
    '\x82': 'EXT1',
    '\x83': 'EXT2',
    '\x84': 'EXT4',
    '\x85': 'TUPLE1',
    '\x86': 'TUPLE2',
    '\x87': 'TUPLE3',
    '\x88': 'NEWTRUE',
    '\x89': 'NEWFALSE',
    '\x8a': 'LONG1',
    '\x8b': 'LONG4',
    B: 'BINBYTES',
    C: 'SHORT_BINBYTES',
    '\x8c': 'SHORT_BINUNICODE',
    '\x8d': 'BINUNICODE8',
    '\x8e': 'BINBYTES8',
    '\x8f': 'EMPTY_SET',
    '\x90': 'ADDITEMS',
    '\x91': 'FROZENSET',
    '\x92': 'NEWOBJ_EX',
    '\x93': 'STACK_GLOBAL',
    '\x94': 'MEMOIZE',
    '\x95': 'FRAME',
    '\x96': 'BYTEARRAY8',
    '\x97': 'NEXT_BUFFER',
    '\x98': 'READONLY_BUFFER',
  }).map(([char, name]) => [char.charCodeAt(0), name]),
);

/** The opcode's name with its byte, for messages: `INST ('i', 0x69)`. */
export function opcodeLabel(op: number): string {
  const name = OPCODE_NAMES.get(op);
  const hex = `0x${op.toString(16).padStart(2, '0')}`;
  if (name === undefined) return `unknown opcode ${hex}`;
  const char = op >= 0x21 && op < 0x7f ? `'${String.fromCharCode(op)}', ` : '';
  return `${name} (${char}${hex})`;
}

/** Integers longer than this (LONG1/LONG4) cannot be anything a checkpoint holds. */
const MAX_LONG_BYTES = 64;
/** GLOBAL's module and name lines; a real one is a few dozen characters. */
const MAX_GLOBAL_LINE = 512;
const PICKLE_PROTOCOL_MAX = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Runs one pickle from `start` to its STOP. Throws BAD_CHECKPOINT, naming the file, the part and
 * the byte offset, for a refused opcode or global, a malformed value or a pickle that ends early.
 */
export function unpickle(bytes: Uint8Array, start: number, options: UnpickleOptions): Unpickled {
  return new Machine(bytes, start, options).run();
}

/** A value on the stack that can be a dict key (Python would refuse a list or dict as one). */
function hashable(value: PyValue): boolean {
  return (
    value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof PyTuple
  );
}

class Machine {
  private pos: number;
  private op = 0;
  private opAt = 0;
  private readonly view: DataView;
  private readonly stack: PyValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly options: UnpickleOptions,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): Unpickled {
    for (;;) {
      if (this.pos >= this.bytes.length) {
        throw badCheckpoint(
          `${this.options.file} is truncated: ${this.options.part} ends at byte ${this.pos} before its STOP opcode.`,
        );
      }
      this.opAt = this.pos;
      this.op = this.view.getUint8(this.pos++);
      if (this.op === 0x2e /* STOP */) return { value: this.pop(), end: this.pos };
      this.step();
    }
  }

  // Each case is one opcode of Python's Lib/pickle.py, reimplemented for the values above.
  private step(): void {
    switch (this.op) {
      case 0x80 /* PROTO */: {
        const version = this.u8();
        if (version > PICKLE_PROTOCOL_MAX) this.fault(`pickle protocol ${version} does not exist`);
        return;
      }
      case 0x95 /* FRAME */: {
        // A frame is a read-ahead hint; its opcodes follow inline, so only its length is checked.
        const length = this.u64();
        if (this.pos + length > this.bytes.length) this.truncated();
        return;
      }
      case 0x28 /* MARK */:
        this.marks.push(this.stack.length);
        return;
      case 0x30 /* POP */:
        if (this.stack.length > (this.marks.at(-1) ?? 0)) this.stack.pop();
        else this.popMark();
        return;
      case 0x31 /* POP_MARK */:
        this.popMark();
        return;
      case 0x32 /* DUP */:
        this.push(this.top());
        return;
      case 0x4e /* NONE */:
        return this.push(null);
      case 0x88 /* NEWTRUE */:
        return this.push(true);
      case 0x89 /* NEWFALSE */:
        return this.push(false);
      case 0x4a /* BININT */:
        return this.push(this.take(4, (at) => this.view.getInt32(at, true)));
      case 0x4b /* BININT1 */:
        return this.push(this.u8());
      case 0x4d /* BININT2 */:
        return this.push(this.take(2, (at) => this.view.getUint16(at, true)));
      case 0x8a /* LONG1 */:
        return this.push(this.long(this.u8()));
      case 0x8b /* LONG4 */: {
        const length = this.take(4, (at) => this.view.getInt32(at, true));
        if (length < 0 || length > MAX_LONG_BYTES) this.fault(`a ${length}-byte integer`);
        return this.push(this.long(length));
      }
      case 0x47 /* BINFLOAT */:
        return this.push(this.take(8, (at) => this.view.getFloat64(at, false)));
      case 0x58 /* BINUNICODE */:
        return this.push(this.text(this.u32()));
      case 0x8c /* SHORT_BINUNICODE */:
        return this.push(this.text(this.u8()));
      case 0x8d /* BINUNICODE8 */:
        return this.push(this.text(this.u64()));
      case 0x54 /* BINSTRING */: {
        // Python 2's str; torch.load decodes it as UTF-8, and so do we.
        const length = this.take(4, (at) => this.view.getInt32(at, true));
        if (length < 0) this.fault(`a string of negative length ${length}`);
        return this.push(this.text(length));
      }
      case 0x55 /* SHORT_BINSTRING */:
        return this.push(this.text(this.u8()));
      case 0x42 /* BINBYTES */:
        return this.push(this.raw(this.u32()));
      case 0x43 /* SHORT_BINBYTES */:
        return this.push(this.raw(this.u8()));
      case 0x8e /* BINBYTES8 */:
        return this.push(this.raw(this.u64()));
      case 0x29 /* EMPTY_TUPLE */:
        return this.push(new PyTuple([]));
      case 0x74 /* TUPLE */:
        return this.push(new PyTuple(this.popMark()));
      case 0x85 /* TUPLE1 */:
        return this.push(new PyTuple(this.popN(1)));
      case 0x86 /* TUPLE2 */:
        return this.push(new PyTuple(this.popN(2)));
      case 0x87 /* TUPLE3 */:
        return this.push(new PyTuple(this.popN(3)));
      case 0x5d /* EMPTY_LIST */:
        return this.push([]);
      case 0x6c /* LIST */:
        return this.push(this.popMark());
      case 0x61 /* APPEND */: {
        const item = this.pop();
        this.list(this.top()).push(item);
        return;
      }
      case 0x65 /* APPENDS */: {
        const items = this.popMark();
        const list = this.list(this.top());
        // One at a time: spreading a million items into push() would overflow the call stack.
        for (const item of items) list.push(item);
        return;
      }
      case 0x7d /* EMPTY_DICT */:
        return this.push(new PyDict(false));
      case 0x64 /* DICT */: {
        const dict = new PyDict(false);
        this.setItems(dict, this.popMark());
        return this.push(dict);
      }
      case 0x73 /* SETITEM */: {
        const [key, value] = this.popN(2) as [PyValue, PyValue];
        this.setItems(this.dict(this.top()), [key, value]);
        return;
      }
      case 0x75 /* SETITEMS */: {
        const items = this.popMark();
        this.setItems(this.dict(this.top()), items);
        return;
      }
      case 0x71 /* BINPUT */:
        this.memo.set(this.u8(), this.top());
        return;
      case 0x72 /* LONG_BINPUT */:
        this.memo.set(this.u32(), this.top());
        return;
      case 0x94 /* MEMOIZE */:
        this.memo.set(this.memo.size, this.top());
        return;
      case 0x68 /* BINGET */:
        return this.push(this.recall(this.u8()));
      case 0x6a /* LONG_BINGET */:
        return this.push(this.recall(this.u32()));
      case 0x63 /* GLOBAL */: {
        const module = this.line();
        const name = this.line();
        return this.push(this.global(module, name));
      }
      case 0x93 /* STACK_GLOBAL */: {
        const [module, name] = this.popN(2);
        if (typeof module !== 'string' || typeof name !== 'string') {
          this.fault(
            `STACK_GLOBAL needs two strings, not ${describe(module ?? null)} and ${describe(name ?? null)}`,
          );
        }
        return this.push(this.global(module, name));
      }
      case 0x52 /* REDUCE */:
      case 0x81 /* NEWOBJ */: {
        const [callable, args] = this.popN(2) as [PyValue, PyValue];
        if (!(callable instanceof PyCallable))
          this.fault(`it calls ${describe(callable)}, which is not callable`);
        if (!(args instanceof PyTuple))
          this.fault(`${callable.name} gets ${describe(args)} as its arguments`);
        return this.push(this.guarded(() => callable.call(args.items)));
      }
      case 0x62 /* BUILD */: {
        const state = this.pop();
        const target = this.top();
        // state_dict() is an OrderedDict with a `_metadata` attribute (the modules' versions),
        // which pickle restores with BUILD. It says nothing about the weights.
        if (
          target instanceof PyDict &&
          (state === null || state instanceof PyDict || state instanceof PyTuple)
        ) {
          return;
        }
        this.fault(`BUILD sets the state of ${describe(target)}, which no state dict does`);
        return;
      }
      case 0x51 /* BINPERSID */: {
        const pid = this.pop();
        const load = this.options.persistentLoad;
        if (load === undefined) this.refuseOpcode();
        return this.push(this.guarded(() => load(pid)));
      }
      default:
        this.refuseOpcode();
    }
  }

  private global(module: string, name: string): PyValue {
    const qualified = `${module}.${name}`;
    const value = this.options.globals.get(qualified);
    if (value === undefined) throw badCheckpoint(refusedGlobal(this.options.file, qualified));
    return value;
  }

  private setItems(dict: PyDict, items: readonly PyValue[]): void {
    if (items.length % 2 !== 0) this.fault(`${items.length} items for a dict, an odd number`);
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i] ?? null;
      if (!hashable(key)) this.fault(`${describe(key)} as a dict key`);
      dict.entries.set(key, items[i + 1] ?? null);
    }
  }

  private list(value: PyValue): PyValue[] {
    if (!Array.isArray(value)) this.fault(`it appends to ${describe(value)}, not a list`);
    return value;
  }

  private dict(value: PyValue): PyDict {
    if (!(value instanceof PyDict)) this.fault(`it sets items of ${describe(value)}, not a dict`);
    return value;
  }

  private recall(index: number): PyValue {
    const value = this.memo.get(index);
    if (value === undefined) this.fault(`it recalls memo slot ${index}, which was never stored`);
    return value;
  }

  /** Runs an allowed global's body, turning its complaint into a message with the offset. */
  private guarded(body: () => PyValue): PyValue {
    try {
      return body();
    } catch (error) {
      if (error instanceof PickleFault) this.fault(error.message);
      throw error;
    }
  }

  private push(value: PyValue): void {
    this.stack.push(value);
  }

  private pop(): PyValue {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) this.fault('it pops from an empty stack');
    return this.stack.pop() ?? null;
  }

  private top(): PyValue {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) this.fault('it uses the top of an empty stack');
    return this.stack[this.stack.length - 1] ?? null;
  }

  private popN(count: number): PyValue[] {
    if (this.stack.length - count < (this.marks.at(-1) ?? 0))
      this.fault(`it needs ${count} values on the stack`);
    return this.stack.splice(this.stack.length - count, count);
  }

  private popMark(): PyValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fault('it uses a MARK that was never set');
    return this.stack.splice(mark);
  }

  /** Reads `length` bytes' worth at the cursor, or reports the pickle as truncated. */
  private take<T>(length: number, read: (at: number) => T): T {
    if (this.pos + length > this.bytes.length) this.truncated();
    const value = read(this.pos);
    this.pos += length;
    return value;
  }

  private u8(): number {
    return this.take(1, (at) => this.view.getUint8(at));
  }

  private u32(): number {
    return this.take(4, (at) => this.view.getUint32(at, true));
  }

  private u64(): number {
    const value = this.take(8, (at) => this.view.getBigUint64(at, true));
    if (value > BigInt(this.bytes.length)) this.truncated();
    return Number(value);
  }

  /** A little-endian two's-complement integer: a number when exact, else a bigint. */
  private long(length: number): number | bigint {
    const bytes = this.raw(length);
    let value = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
    if (length > 0 && (bytes[length - 1] ?? 0) & 0x80) value -= 1n << BigInt(8 * length);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }

  private raw(length: number): Uint8Array {
    return this.take(length, (at) => this.bytes.subarray(at, at + length));
  }

  private text(length: number): string {
    const bytes = this.raw(length);
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fault(`a string that is not valid UTF-8`);
    }
  }

  /** A newline-terminated line (GLOBAL's module and name). */
  private line(): string {
    const limit = Math.min(this.bytes.length, this.pos + MAX_GLOBAL_LINE);
    const end = this.bytes.subarray(this.pos, limit).indexOf(0x0a);
    if (end < 0) {
      if (limit === this.bytes.length) this.truncated();
      this.fault(`a GLOBAL name longer than ${MAX_GLOBAL_LINE} bytes`);
    }
    const line = this.text(end);
    this.pos += 1;
    return line;
  }

  private truncated(): never {
    throw badCheckpoint(
      `${this.options.file} is truncated: ${this.options.part} ends at byte ${this.bytes.length} inside its ${opcodeLabel(this.op)} at byte ${this.opAt}.`,
    );
  }

  private fault(what: string): never {
    throw badCheckpoint(
      `${this.options.file}: ${this.options.part} is malformed at byte ${this.opAt} (${opcodeLabel(this.op)}): ${what}.`,
    );
  }

  private refuseOpcode(): never {
    const known = OPCODE_NAMES.has(this.op);
    throw badCheckpoint(
      known
        ? `${this.options.file}: ${this.options.part} uses the pickle opcode ${opcodeLabel(this.op)} at byte ${this.opAt}, which a checkpoint of weights never needs; refused without running anything.`
        : `${this.options.file}: ${this.options.part} has an ${opcodeLabel(this.op)} at byte ${this.opAt}: it is not a pickle, or it is damaged.`,
    );
  }
}

/** Why a global is refused, with a hint when the name says what kind of file this is. */
export function refusedGlobal(file: string, name: string): string {
  if (name.startsWith('__torch__.')) {
    return `${file} is a TorchScript archive (torch.jit.save; it refers to ${name}), not a state dict; refused without running anything. Save the weights with torch.save(model.state_dict(), …) instead.`;
  }
  if (name.startsWith('torch.') && !name.startsWith('torch._utils.')) {
    return `${file} refers to ${name}: it pickles a whole Python object (torch.save(model)), not just weights; refused without running anything. Save them with torch.save(model.state_dict(), …) instead.`;
  }
  if (name.startsWith('numpy.')) {
    return `${file} refers to ${name}: it holds numpy values, which Pixelsmith does not read; refused without running anything.`;
  }
  return `${file} refers to ${name}, which a checkpoint never needs; refused without running anything.`;
}
