import { describe, expect, it } from 'vitest';
import { decodeValues, gather, halfToFloatBits, isContiguous } from './tensor.js';

/** IEEE 754 binary16 by its definition, in double arithmetic: an independent reference. */
function halfByDefinition(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function floatOfBits(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  return view.getFloat32(0);
}

/** Row-major elements of a strided view, index by index: the reference for gather. */
function naiveGather(values: Float32Array, offset: number, shape: number[], stride: number[]): number[] {
  const out: number[] = [];
  const total = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let at = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      const size = shape[d] ?? 1;
      at += (rest % size) * (stride[d] ?? 0);
      rest = Math.floor(rest / size);
    }
    out.push(values[at] ?? NaN);
  }
  return out;
}

describe('half to float', () => {
  it('converts all 65536 halves exactly (signed zeros, subnormals, infinities, NaNs)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const expected = halfByDefinition(h);
      const got = floatOfBits(halfToFloatBits(h));
      if (Number.isNaN(expected)) expect(Number.isNaN(got)).toBe(true);
      else if (got !== expected || Object.is(got, -0) !== Object.is(expected, -0)) {
        throw new Error(`half 0x${h.toString(16)}: ${got}, expected ${expected}`);
      }
    }
    // A NaN keeps its payload, shifted into float32's mantissa.
    expect(halfToFloatBits(0x7e01)).toBe(0x7fc02000);
  });
});

describe('decodeValues', () => {
  const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000];
  it('reads float16 in either byte order, aligned or not', () => {
    const little = Buffer.alloc(1 + halves.length * 2);
    const big = Buffer.alloc(halves.length * 2);
    halves.forEach((h, i) => {
      little.writeUInt16LE(h, 1 + i * 2);
      big.writeUInt16BE(h, i * 2);
    });
    const expected = [1, -2, 65504, 2 ** -24, -0];
    expect([...decodeValues(little.subarray(1), 'float16', 5, true).values]).toEqual(expected);
    expect([...decodeValues(big, 'float16', 5, false).values]).toEqual(expected);
  });

  it('reads bfloat16 as the top half of float32, and rounds float64 as float32 does', () => {
    const bf = Buffer.from([0x80, 0x3f, 0x49, 0xc0]);
    expect([...decodeValues(bf, 'bfloat16', 2, true).values]).toEqual([1, -3.140625]);
    const doubles = Buffer.alloc(16);
    doubles.writeDoubleLE(0.1, 0);
    doubles.writeDoubleLE(1e300, 8);
    expect([...decodeValues(doubles, 'float64', 2, true).values]).toEqual([Math.fround(0.1), Infinity]);
  });

  it('views aligned native float32 without copying, and copies otherwise', () => {
    const bytes = Buffer.alloc(13);
    bytes.writeFloatLE(1.25, 0);
    bytes.writeFloatLE(-7, 4);
    const aligned = decodeValues(new Uint8Array(bytes.buffer, bytes.byteOffset, 8), 'float32', 2, true);
    if (bytes.byteOffset % 4 === 0) expect(aligned.owned).toBe(false);
    expect([...aligned.values]).toEqual([1.25, -7]);
    const shifted = Buffer.alloc(9);
    shifted.writeFloatLE(3.5, 1);
    shifted.writeFloatLE(-0.5, 5);
    const copy = decodeValues(shifted.subarray(1), 'float32', 2, true);
    expect(copy.owned).toBe(true);
    expect([...copy.values]).toEqual([3.5, -0.5]);
    const big = Buffer.alloc(4);
    big.writeFloatBE(9.75);
    expect([...decodeValues(big, 'float32', 1, false).values]).toEqual([9.75]);
  });
});

describe('gather', () => {
  const storage = Float32Array.from({ length: 64 }, (_, i) => i);
  const cases: Array<[string, number, number[], number[]]> = [
    ['contiguous with an offset', 5, [2, 3], [3, 1]],
    ['a transposed matrix', 0, [5, 3], [1, 5]],
    ['a 4-d permutation', 1, [2, 3, 2, 4], [1, 16, 8, 2]],
    ['an expanded (stride 0) column', 7, [3, 4], [1, 0]],
    ['a scalar', 9, [], []],
    ['size-1 dims with arbitrary strides', 2, [1, 4, 1], [99, 1, 7]],
  ];
  it.each(cases)('%s', (_, offset, shape, stride) => {
    const out = gather(storage, offset, shape, stride);
    expect([...out]).toEqual(naiveGather(storage, offset, shape, stride));
    expect(out.buffer).not.toBe(storage.buffer);
  });

  it('treats size-1 dimensions as contiguous whatever their stride', () => {
    expect(isContiguous([1, 4, 1], [99, 1, 7])).toBe(true);
    expect(isContiguous([3, 4], [1, 3])).toBe(false);
    expect(gather(storage, 0, [0, 3], [3, 1]).length).toBe(0);
  });
});
