/**
 * Turning stored bytes into row-major float32: the dtype conversions (exact for float16 and
 * bfloat16, which float32 holds without rounding; float64 rounds to nearest as torch's `.float()`
 * does) and the strided gather that `_rebuild_tensor_v2`'s sizes and strides describe.
 */
import { endianness } from 'node:os';
import type { StoredDType } from './types.js';

export const ITEM_SIZE: Readonly<Record<StoredDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
};

const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The float32 bit pattern of an IEEE half: the same sign, the exponent rebiased from 15 to 127,
 * the mantissa widened; subnormal halves are normalised (float32 has the range for them), and
 * infinities and NaNs keep their payload, as torch's conversion does.
 */
export function halfToFloatBits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >> 10) & 0x1f;
  let mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent === 0) {
    if (mantissa === 0) return sign >>> 0;
    let shifts = 0;
    while ((mantissa & 0x400) === 0) {
      mantissa <<= 1;
      shifts++;
    }
    return (sign | ((113 - shifts) << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
}

let halfTable: Uint32Array | null = null;

/** All 65536 conversions, built once (256 KB): a lookup is faster than the arithmetic. */
function halfToFloatTable(): Uint32Array {
  if (halfTable === null) {
    halfTable = new Uint32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) halfTable[h] = halfToFloatBits(h);
  }
  return halfTable;
}

export interface Decoded {
  values: Float32Array;
  /** False when `values` is a view of the caller's bytes (float32 in native order, aligned). */
  owned: boolean;
}

/**
 * `count` elements of `dtype` from `bytes` as float32. Float32 in the host's byte order at an
 * aligned offset is a view (no copy); everything else is converted into a new array.
 */
export function decodeValues(
  bytes: Uint8Array,
  dtype: StoredDType,
  count: number,
  littleEndian: boolean,
): Decoded {
  const byteLength = count * ITEM_SIZE[dtype];
  if (bytes.length < byteLength) {
    throw new RangeError(`${count} ${dtype} values need ${byteLength} bytes, not ${bytes.length}`);
  }
  const native = littleEndian === HOST_LITTLE_ENDIAN;
  const aligned = bytes.byteOffset % ITEM_SIZE[dtype] === 0;
  if (dtype === 'float32' && native && aligned) {
    return { values: new Float32Array(bytes.buffer, bytes.byteOffset, count), owned: false };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'float32':
      if (native) new Uint8Array(out.buffer).set(bytes.subarray(0, byteLength));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, littleEndian);
      break;
    case 'float64':
      if (native && aligned) out.set(new Float64Array(bytes.buffer, bytes.byteOffset, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, littleEndian);
      break;
    case 'float16': {
      const table = halfToFloatTable();
      const bits = new Uint32Array(out.buffer);
      if (native && aligned) {
        const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
        for (let i = 0; i < count; i++) bits[i] = table[halves[i] ?? 0] ?? 0;
      } else {
        for (let i = 0; i < count; i++) bits[i] = table[view.getUint16(i * 2, littleEndian)] ?? 0;
      }
      break;
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer);
      if (native && aligned) {
        const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
        for (let i = 0; i < count; i++) bits[i] = (halves[i] ?? 0) << 16;
      } else {
        for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, littleEndian) << 16;
      }
      break;
    }
  }
  return { values: out, owned: true };
}

/** Whether the strides are row-major for the shape (a size-1 dimension's stride does not matter). */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] ?? 1;
    if (size !== 1 && stride[d] !== expected) return false;
    expected *= size;
  }
  return true;
}

/**
 * The elements a tensor view reaches, in row-major order, as a new array: `values[offset +
 * Σ index[d]·stride[d]]`. The caller has checked that every one lies inside `values`.
 */
export function gather(
  values: Float32Array,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): Float32Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return new Float32Array(0);
  if (isContiguous(shape, stride)) return values.slice(offset, offset + numel);
  const out = new Float32Array(numel);
  const rank = shape.length;
  const inner = shape[rank - 1] ?? 1;
  const innerStride = stride[rank - 1] ?? 0;
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  let base = offset;
  let o = 0;
  for (;;) {
    for (let i = 0, p = base; i < inner; i++, p += innerStride) out[o++] = values[p] ?? 0;
    // Advance the odometer over the outer dimensions, last first.
    let d = rank - 2;
    for (; d >= 0; d--) {
      const size = shape[d] ?? 1;
      const step = stride[d] ?? 0;
      index[d] = (index[d] ?? 0) + 1;
      base += step;
      if ((index[d] ?? 0) < size) break;
      base -= step * size;
      index[d] = 0;
    }
    if (d < 0) return out;
  }
}
