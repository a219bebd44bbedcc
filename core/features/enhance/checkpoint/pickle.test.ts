import { describe, expect, it } from 'vitest';
import { RpcError } from '../../../contract/errors.js';
import { unpickle, type UnpickleOptions } from './pickle.js';
import {
  NO_GLOBALS,
  StorageView,
  TensorRef,
  TORCH_GLOBALS,
  storagePersistentLoad,
  type Storage,
} from './torch.js';
import { PyDict, PyTuple, type PyValue } from './values.js';

/** Hand-assembled pickles: each opcode byte and argument written out, as pickletools shows them. */
class Pickle {
  private readonly bytes: number[] = [];
  op(code: string | number, ...args: number[]): this {
    this.bytes.push(typeof code === 'number' ? code : code.charCodeAt(0), ...args);
    return this;
  }
  u32(value: number): number[] {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    return [...b];
  }
  text(value: string): this {
    const encoded = [...Buffer.from(value, 'utf8')];
    return encoded.length < 256
      ? this.op(0x8c, encoded.length, ...encoded)
      : this.op('X', ...this.u32(encoded.length), ...encoded);
  }
  binunicode(value: string): this {
    const encoded = [...Buffer.from(value, 'utf8')];
    return this.op('X', ...this.u32(encoded.length), ...encoded);
  }
  global(module: string, name: string): this {
    return this.op('c', ...Buffer.from(`${module}\n${name}\n`, 'latin1'));
  }
  int(value: number): this {
    if (value >= 0 && value < 256) return this.op('K', value);
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    return this.op('J', ...b);
  }
  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const options = (extra: Partial<UnpickleOptions> = {}): UnpickleOptions => ({
  file: '/models/x.pth',
  part: 'archive/data.pkl',
  globals: TORCH_GLOBALS,
  ...extra,
});

function run(p: Pickle, extra: Partial<UnpickleOptions> = {}): PyValue {
  return unpickle(p.build(), 0, options(extra)).value;
}

function failure(body: () => unknown): RpcError {
  try {
    body();
  } catch (error) {
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe('BAD_CHECKPOINT');
    return error as RpcError;
  }
  throw new Error('expected a BAD_CHECKPOINT error');
}

describe('restricted unpickler', () => {
  it('reads a protocol-2 dict of primitives, lists, tuples and memoised values', () => {
    const p = new Pickle()
      .op(0x80, 2)
      .op('}')
      .op('q', 0)
      .op('(')
      .binunicode('a')
      .int(-5)
      .text('b')
      .op(']')
      .op('q', 1)
      .op('(')
      .op('G', ...Buffer.from([0x3f, 0xf8, 0, 0, 0, 0, 0, 0])) // 1.5, big-endian
      .op('N')
      .op(0x88)
      .op('e')
      .text('c')
      .int(1)
      .int(2)
      .int(70000)
      .op(0x87)
      .text('again')
      .op('h', 1)
      .op('u')
      .op('.');
    const value = run(p);
    expect(value).toBeInstanceOf(PyDict);
    const entries = (value as PyDict).entries;
    expect(entries.get('a')).toBe(-5);
    expect(entries.get('b')).toEqual([1.5, null, true]);
    expect((entries.get('c') as PyTuple).items).toEqual([1, 2, 70000]);
    expect(entries.get('again')).toBe(entries.get('b'));
  });

  it('reads protocol 4: FRAME, STACK_GLOBAL, MEMOIZE, an OrderedDict with BUILD state', () => {
    const body = new Pickle()
      .text('collections')
      .op(0x94)
      .text('OrderedDict')
      .op(0x94)
      .op(0x93)
      .op(0x94)
      .op(')')
      .op('R')
      .op(0x94)
      .text('w')
      .op('K', 3)
      .op('s')
      .op('}')
      .text('_metadata')
      .op('}')
      .op('s')
      .op('b')
      .op('.')
      .build();
    const frame = Buffer.alloc(8);
    frame.writeBigUInt64LE(BigInt(body.length));
    const bytes = Uint8Array.from([0x80, 4, 0x95, ...frame, ...body]);
    const { value, end } = unpickle(bytes, 0, options());
    expect(end).toBe(bytes.length);
    expect(value).toBeInstanceOf(PyDict);
    expect((value as PyDict).ordered).toBe(true);
    expect([...(value as PyDict).entries]).toEqual([['w', 3]]);
  });

  it("decodes LONG1 as torch's magic number and reads successive pickles from their offsets", () => {
    const magic = [0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
    const minusTwo = [0x80, 2, 0x8a, 1, 0xfe, 0x2e];
    const bytes = Uint8Array.from([...magic, ...minusTwo]);
    const first = unpickle(bytes, 0, options({ globals: NO_GLOBALS }));
    expect(first.value).toBe(0x1950a86a20f9469cfc6cn);
    expect(unpickle(bytes, first.end, options({ globals: NO_GLOBALS })).value).toBe(-2);
  });

  it('refuses a global outside the allow-list by name, without resolving it', () => {
    const p = new Pickle().op(0x80, 2).global('os', 'system').text('touch /tmp/x').op(0x85).op('R').op('.');
    expect(failure(() => run(p)).message).toBe(
      '/models/x.pth refers to os.system, which a checkpoint never needs; refused without running anything.',
    );
    const stacked = new Pickle().op(0x80, 4).text('builtins').text('eval').op(0x93).op('.');
    expect(failure(() => run(stacked)).message).toContain('refers to builtins.eval');
    const model = new Pickle().op(0x80, 2).global('torch.nn.modules.conv', 'Conv2d').op('.');
    expect(failure(() => run(model)).message).toContain('torch.save(model.state_dict()');
  });

  it('refuses opcodes a state dict never uses, by name and offset', () => {
    const inst = new Pickle()
      .op(0x80, 2)
      .op('(')
      .op('i', ...Buffer.from('os\nsystem\n'))
      .op('.');
    expect(failure(() => run(inst)).message).toBe(
      "/models/x.pth: archive/data.pkl uses the pickle opcode INST ('i', 0x69) at byte 3, which a checkpoint of weights never needs; refused without running anything.",
    );
    const ext = new Pickle().op(0x80, 2).op(0x82, 1).op('.');
    expect(failure(() => run(ext)).message).toContain('EXT1 (0x82) at byte 2');
    const unknown = new Pickle().op(0x80, 2).op(0xff).op('.');
    expect(failure(() => run(unknown)).message).toContain('unknown opcode 0xff at byte 2');
  });

  it('refuses BINPERSID where no persistent ids belong', () => {
    const p = new Pickle().op(0x80, 2).text('x').op('Q').op('.');
    expect(failure(() => run(p, { persistentLoad: undefined })).message).toContain('BINPERSID');
  });

  it('reports a pickle that ends early as truncated, with the opcode it was in', () => {
    const cut = new Pickle().op(0x80, 2).binunicode('hello').build().subarray(0, 9);
    expect(failure(() => unpickle(cut, 0, options())).message).toBe(
      "/models/x.pth is truncated: archive/data.pkl ends at byte 9 inside its BINUNICODE ('X', 0x58) at byte 2.",
    );
    const noStop = new Pickle().op(0x80, 2).op('N').build();
    expect(failure(() => unpickle(noStop, 0, options())).message).toContain(
      'ends at byte 3 before its STOP opcode',
    );
  });

  it('reports malformed pickles: a memo slot never stored, a call of a non-callable, an unbalanced stack', () => {
    expect(failure(() => run(new Pickle().op(0x80, 2).op('h', 7).op('.'))).message).toContain(
      'recalls memo slot 7, which was never stored',
    );
    expect(failure(() => run(new Pickle().op(0x80, 2).text('f').op(')').op('R').op('.'))).message).toContain(
      'is not callable',
    );
    expect(failure(() => run(new Pickle().op(0x80, 2).op('.'))).message).toContain('empty stack');
    expect(failure(() => run(new Pickle().op(0x80, 2).op('t').op('.'))).message).toContain(
      'MARK that was never set',
    );
  });

  it('builds tensor records from storages and refuses strides that reach outside the storage', () => {
    const storages = new Map<string, Storage>();
    const tensor = (size: number[], stride: number[], offset: number) => {
      const p = new Pickle().op(0x80, 2).global('torch._utils', '_rebuild_tensor_v2').op('(');
      p.op('(').text('storage').global('torch', 'HalfStorage').text('0').text('cpu').int(12).op('t').op('Q');
      p.int(offset).op('(');
      for (const s of size) p.int(s);
      p.op('t').op('(');
      for (const s of stride) p.int(s);
      p.op('t').op(0x89).op(']').op('t').op('R').op('.');
      return run(p, { persistentLoad: storagePersistentLoad(storages) });
    };
    const transposed = tensor([4, 3], [1, 4], 0);
    expect(transposed).toBeInstanceOf(TensorRef);
    expect((transposed as TensorRef).stride).toEqual([1, 4]);
    expect((transposed as TensorRef).storage.type.float).toBe('float16');
    expect(storages.get('0')?.numel).toBe(12);
    expect(failure(() => tensor([4, 3], [3, 1], 1)).message).toContain(
      'reaches element 12 of a storage of 12',
    );
    expect(tensor([0, 3], [3, 1], 12)).toBeInstanceOf(TensorRef);
  });

  it('applies a legacy view offset', () => {
    const load = storagePersistentLoad(new Map());
    const half = TORCH_GLOBALS.get('torch.FloatStorage') ?? null;
    const view = load(new PyTuple(['storage', half, '9', 'cpu', 10, new PyTuple(['9v', 4, 6])]));
    expect(view).toBeInstanceOf(StorageView);
    expect((view as StorageView).offset).toBe(4);
    expect(() => load(new PyTuple(['storage', half, '9', 'cpu', 10, new PyTuple(['9v', 8, 6])]))).toThrow(
      /outside/,
    );
  });
});
