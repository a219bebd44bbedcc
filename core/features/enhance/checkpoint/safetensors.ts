/**
 * `.safetensors`: an 8-byte little-endian header length, a JSON header `{name: {dtype, shape,
 * data_offsets: [begin, end]}, "__metadata__": {…}}`, then the tensors' bytes, little-endian and
 * contiguous, at those offsets from the end of the header. No code, but every number in the header
 * is checked before it is used to slice.
 */
import type { ReadProgress } from './assemble.js';
import { PREFERRED_KEYS, weightName } from './select.js';
import { decodeValues, gather, ITEM_SIZE } from './tensor.js';
import type { CheckpointTensor, StateDict, StoredDType } from './types.js';
import { badCheckpoint } from './values.js';
import { formatBytes } from './zip.js';

const LENGTH_BYTES = 8;
/** The safetensors format's own limit on the header. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Every dtype the format defines: float ones are read, the others only named. */
const DTYPES: Readonly<Record<string, { itemSize: number; float: StoredDType | null }>> = {
  F32: { itemSize: 4, float: 'float32' },
  F16: { itemSize: 2, float: 'float16' },
  BF16: { itemSize: 2, float: 'bfloat16' },
  F64: { itemSize: 8, float: 'float64' },
  I64: { itemSize: 8, float: null },
  U64: { itemSize: 8, float: null },
  I32: { itemSize: 4, float: null },
  U32: { itemSize: 4, float: null },
  I16: { itemSize: 2, float: null },
  U16: { itemSize: 2, float: null },
  I8: { itemSize: 1, float: null },
  U8: { itemSize: 1, float: null },
  BOOL: { itemSize: 1, float: null },
  F8_E4M3: { itemSize: 1, float: null },
  F8_E5M2: { itemSize: 1, float: null },
};

interface HeaderTensor {
  key: string;
  dtype: string;
  float: StoredDType | null;
  shape: number[];
  begin: number;
  end: number;
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseHeader(file: string, buffer: Buffer): { header: Record<string, unknown>; dataStart: number } {
  if (buffer.length < LENGTH_BYTES)
    throw badCheckpoint(`${file} is truncated: it is shorter than a safetensors header.`);
  const declared = buffer.readBigUInt64LE(0);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw badCheckpoint(
      `${file} declares a safetensors header of ${declared} bytes; the format allows at most ${formatBytes(MAX_HEADER_BYTES)}. The file is damaged.`,
    );
  }
  const length = Number(declared);
  const dataStart = LENGTH_BYTES + length;
  if (dataStart > buffer.length) {
    throw badCheckpoint(
      `${file} is truncated: its safetensors header needs ${length} bytes, but only ${buffer.length - LENGTH_BYTES} follow.`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(LENGTH_BYTES, dataStart)),
    );
  } catch (error) {
    throw badCheckpoint(
      `${file} has a safetensors header that is not valid JSON (${(error as Error).message}).`,
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw badCheckpoint(`${file} has a safetensors header that is not a JSON object.`);
  }
  return { header: header as Record<string, unknown>, dataStart };
}

/** One header entry, checked: a known dtype, a shape, offsets inside the data whose span fits them. */
function parseTensor(file: string, key: string, info: unknown, dataLength: number): HeaderTensor {
  const where = `${file}: tensor ${JSON.stringify(key)}`;
  if (typeof info !== 'object' || info === null)
    throw badCheckpoint(`${where} has no description in the header.`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  const known = typeof dtype === 'string' ? DTYPES[dtype] : undefined;
  if (known === undefined) {
    throw badCheckpoint(`${where} has dtype ${JSON.stringify(dtype)}, which safetensors does not define.`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw badCheckpoint(`${where} has shape ${JSON.stringify(shape)}, not a list of sizes.`);
  }
  const [begin, end] = Array.isArray(offsets) && offsets.length === 2 ? (offsets as unknown[]) : [];
  if (!isIndex(begin) || !isIndex(end) || begin > end) {
    throw badCheckpoint(`${where} has data_offsets ${JSON.stringify(offsets)}, not [begin, end].`);
  }
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = numel * known.itemSize;
  if (end - begin !== expected) {
    throw badCheckpoint(
      `${where} is [${shape.join(', ')}] ${dtype} (${expected} bytes), but its data_offsets [${begin}, ${end}] span ${end - begin} bytes.`,
    );
  }
  if (end > dataLength) {
    throw badCheckpoint(
      `${where} has data_offsets [${begin}, ${end}] past the end of the data (${dataLength} bytes): the file is truncated or its header is wrong.`,
    );
  }
  return { key, dtype: dtype as string, float: known.float, shape: shape as number[], begin, end };
}

/** No two tensors may share bytes: a header that says so is damaged or built to confuse. */
function checkOverlaps(file: string, tensors: readonly HeaderTensor[]): void {
  const sorted = [...tensors].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const current = sorted[i];
    if (previous !== undefined && current !== undefined && current.begin < previous.end) {
      throw badCheckpoint(
        `${file}: tensors ${JSON.stringify(previous.key)} and ${JSON.stringify(current.key)} overlap (bytes ${current.begin}–${previous.end} of the data); the file is damaged.`,
      );
    }
  }
}

/**
 * The same preference as for pickled checkpoints, by key prefix (`params_ema.`, `params.`,
 * `state_dict.`): a flat file has no nested dicts, but a converted training checkpoint keeps the
 * names. Then `module.` goes.
 */
function chooseKeys(tensors: readonly HeaderTensor[]): Array<{ name: string; tensor: HeaderTensor }> {
  for (const prefix of PREFERRED_KEYS.map((key) => `${key}.`)) {
    const under = tensors.filter((t) => t.float !== null && t.key.startsWith(prefix));
    if (under.length > 0)
      return under.map((t) => ({ name: weightName(t.key.slice(prefix.length)), tensor: t }));
  }
  return tensors.filter((t) => t.float !== null).map((t) => ({ name: weightName(t.key), tensor: t }));
}

export async function readSafetensors(
  file: string,
  buffer: Buffer,
  progress: ReadProgress,
): Promise<StateDict> {
  const { header, dataStart } = parseHeader(file, buffer);
  const dataLength = buffer.length - dataStart;
  const tensors = Object.entries(header)
    .filter(([key]) => key !== '__metadata__')
    .map(([key, info]) => parseTensor(file, key, info, dataLength));
  checkOverlaps(file, tensors);
  const chosen = chooseKeys(tensors);
  if (chosen.length === 0) {
    const others = [...new Set(tensors.map((t) => t.dtype))];
    if (others.length > 0) {
      throw badCheckpoint(
        `${file} stores ${others.join(' and ')} tensors (optimizer state?); only float weights are read.`,
      );
    }
    throw badCheckpoint(`${file} is a safetensors file with no tensors.`);
  }
  const totalBytes = chosen.reduce((sum, { tensor }) => sum + tensor.end - tensor.begin, 0);
  const result = new Map<string, CheckpointTensor>();
  let doneBytes = 0;
  for (const { name, tensor } of chosen) {
    progress.signal?.throwIfAborted();
    if (result.has(name))
      throw badCheckpoint(`${file} has two tensors named ${JSON.stringify(name)} once module. is removed.`);
    const dtype = tensor.float as StoredDType;
    const bytes = buffer.subarray(dataStart + tensor.begin, dataStart + tensor.end);
    const numel = (tensor.end - tensor.begin) / ITEM_SIZE[dtype];
    const { values, owned } = decodeValues(bytes, dtype, numel, true);
    const data = owned ? values : gather(values, 0, [numel], [1]);
    result.set(name, { shape: tensor.shape, dtype, data });
    doneBytes += tensor.end - tensor.begin;
    progress.onProgress?.(totalBytes === 0 ? 1 : doneBytes / totalBytes);
  }
  return result;
}
