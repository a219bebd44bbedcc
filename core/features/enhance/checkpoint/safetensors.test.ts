import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/fixtures.js';
import { readCheckpoint } from './read.js';
import { checkpointFailure } from './testing.js';

interface Spec {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
  /** Written as given instead of where the bytes go. */
  offsets?: unknown;
}

/** A .safetensors file as the format's specification lays it out, built here byte by byte. */
function safetensors(tensors: Record<string, Spec>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const [name, spec] of Object.entries(tensors)) {
    header[name] = {
      dtype: spec.dtype,
      shape: spec.shape,
      data_offsets: spec.offsets ?? [at, at + spec.bytes.length],
    };
    chunks.push(spec.bytes);
    at += spec.bytes.length;
  }
  return withHeader(JSON.stringify(header), Buffer.concat(chunks));
}

function withHeader(json: string, data: Uint8Array): Buffer {
  const text = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([length, text, data]);
}

function f32(...values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function u16(...values: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(values).buffer);
}

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir.path, name);
  writeFileSync(path, bytes);
  return path;
}

const failure = checkpointFailure;

describe('safetensors', () => {
  it('reads F32, F16, BF16 and F64 tensors exactly, ignoring __metadata__', async () => {
    const doubles = Buffer.alloc(16);
    doubles.writeDoubleLE(0.1, 0);
    doubles.writeDoubleLE(-2.5, 8);
    const path = write(
      'w.safetensors',
      safetensors(
        {
          'conv.weight': { dtype: 'F32', shape: [2, 2], bytes: f32(1, -2, 0.5, 3.25) },
          'conv.bias': { dtype: 'F16', shape: [3], bytes: u16(0x3c00, 0x7bff, 0x0001) },
          'norm.weight': { dtype: 'BF16', shape: [2], bytes: u16(0x3f80, 0xc049) },
          'extra.scale': { dtype: 'F64', shape: [2], bytes: doubles },
          'extra.step': { dtype: 'I64', shape: [1], bytes: new Uint8Array(8) },
        },
        { format: 'pt' },
      ),
    );
    const dict = await readCheckpoint(path);
    expect([...dict.keys()]).toEqual(['conv.weight', 'conv.bias', 'norm.weight', 'extra.scale']);
    expect(dict.get('conv.weight')).toEqual({
      shape: [2, 2],
      dtype: 'float32',
      data: Float32Array.from([1, -2, 0.5, 3.25]),
    });
    expect([...(dict.get('conv.bias')?.data ?? [])]).toEqual([1, 65504, 2 ** -24]);
    expect(dict.get('conv.bias')?.dtype).toBe('float16');
    expect([...(dict.get('norm.weight')?.data ?? [])]).toEqual([1, -3.140625]);
    expect([...(dict.get('extra.scale')?.data ?? [])]).toEqual([Math.fround(0.1), -2.5]);
  });

  it('prefers params_ema. keys over params. and strips module.', async () => {
    const path = write(
      'ema.safetensors',
      safetensors({
        'params.body.0.weight': { dtype: 'F32', shape: [1], bytes: f32(1) },
        'params_ema.module.body.0.weight': { dtype: 'F32', shape: [1], bytes: f32(2) },
      }),
    );
    const dict = await readCheckpoint(path);
    expect([...dict.keys()]).toEqual(['body.0.weight']);
    expect(dict.get('body.0.weight')?.data[0]).toBe(2);
    const plain = write(
      'dp.safetensors',
      safetensors({ 'module.head.bias': { dtype: 'F32', shape: [], bytes: f32(4) } }),
    );
    expect([...(await readCheckpoint(plain)).keys()]).toEqual(['head.bias']);
  });

  it('reports progress up to 1 and honours an aborted signal', async () => {
    const path = write(
      'p.safetensors',
      safetensors({
        a: { dtype: 'F32', shape: [2], bytes: f32(1, 2) },
        b: { dtype: 'F32', shape: [2], bytes: f32(3, 4) },
      }),
    );
    const seen: number[] = [];
    await readCheckpoint(path, { onProgress: (f) => seen.push(f) });
    expect(seen).toEqual([0.5, 1]);
    const controller = new AbortController();
    controller.abort();
    const aborted: unknown = await readCheckpoint(path, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect((aborted as Error).name).toBe('AbortError');
  });

  it('refuses a file of integer tensors only, saying so', async () => {
    const path = write(
      'i.safetensors',
      safetensors({ step: { dtype: 'I64', shape: [1], bytes: new Uint8Array(8) } }),
    );
    expect(await failure(path)).toContain(
      'stores I64 tensors (optimizer state?); only float weights are read',
    );
  });

  it('refuses offsets that do not fit: past the end, a wrong span, an overlap, reversed, an unknown dtype', async () => {
    const cases: Array<[Record<string, Spec>, string]> = [
      [
        { a: { dtype: 'F32', shape: [2], bytes: f32(1, 2), offsets: [4, 12] } },
        'tensor "a" has data_offsets [4, 12] past the end of the data (8 bytes)',
      ],
      [
        { a: { dtype: 'F32', shape: [3], bytes: f32(1, 2) } },
        'tensor "a" is [3] F32 (12 bytes), but its data_offsets [0, 8] span 8 bytes',
      ],
      [
        {
          a: { dtype: 'F32', shape: [2], bytes: f32(1, 2), offsets: [0, 8] },
          b: { dtype: 'F32', shape: [1], bytes: new Uint8Array(0), offsets: [4, 8] },
        },
        'tensors "a" and "b" overlap',
      ],
      [
        { a: { dtype: 'F32', shape: [0], bytes: f32(), offsets: [8, 4] } },
        'data_offsets [8,4], not [begin, end]',
      ],
      [
        { a: { dtype: 'F33', shape: [1], bytes: f32(1) } },
        'tensor "a" has dtype "F33", which safetensors does not define',
      ],
      [{ a: { dtype: 'F32', shape: [-1], bytes: f32(1) } }, 'tensor "a" has shape [-1], not a list of sizes'],
    ];
    for (const [tensors, message] of cases) {
      expect(await failure(write('bad.safetensors', safetensors(tensors)))).toContain(message);
    }
  });

  it('refuses a truncated file, a header longer than the file, an absurd header size, a header that is not JSON', async () => {
    const whole = safetensors({ a: { dtype: 'F32', shape: [4], bytes: f32(1, 2, 3, 4) } });
    expect(await failure(write('cut.safetensors', whole.subarray(0, whole.length - 3)))).toContain(
      'past the end of the data (13 bytes): the file is truncated or its header is wrong',
    );
    expect(await failure(write('cut-header.safetensors', whole.subarray(0, 20)))).toMatch(
      /is truncated: its safetensors header needs \d+ bytes, but only 12 follow/,
    );
    const absurd = Buffer.alloc(16, 0x20);
    absurd.writeBigUInt64LE(0x7fffffffn);
    absurd[8] = 0x7b;
    expect(await failure(write('absurd.safetensors', absurd))).toContain(
      'declares a safetensors header of 2147483647 bytes; the format allows at most 100.0 MB',
    );
    expect(await failure(write('json.safetensors', withHeader('{"a": {', f32(1))))).toContain(
      'has a safetensors header that is not valid JSON',
    );
    expect(await failure(write('list.safetensors', withHeader('{}', new Uint8Array(0))))).toContain(
      'is a safetensors file with no tensors',
    );
  });
});
