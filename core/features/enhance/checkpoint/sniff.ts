/**
 * Which format a file is, from its first bytes (never its name: a `.pth` may be a zip, a legacy
 * pickle, a safetensors file renamed, or a web page saved by a failed download). What is not a
 * checkpoint is described so that the user knows what they have.
 */
import { badCheckpoint } from './values.js';

export type CheckpointFormat = 'torch-zip' | 'torch-legacy' | 'safetensors';

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY_ARCHIVE = [0x50, 0x4b, 0x05, 0x06];
const PICKLE_PROTO = 0x80;
const TAR_MAGIC_AT = 257;

function startsWith(head: Uint8Array, signature: readonly number[], at = 0): boolean {
  return signature.every((byte, i) => head[at + i] === byte);
}

/**
 * An 8-byte little-endian header length (small, so its top bytes are zero: text never looks like
 * that) followed by the JSON header's `{`.
 */
function looksLikeSafetensors(head: Uint8Array): boolean {
  return (
    head.length > 8 && head[4] === 0 && head[5] === 0 && head[6] === 0 && head[7] === 0 && head[8] === 0x7b
  );
}

/** Printable UTF-8 (tabs and newlines allowed), as far as the sample goes. */
function textSample(head: Uint8Array): string | null {
  const sample = head.subarray(0, 256);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(sample);
  } catch {
    // A sample cut inside a multi-byte character is still text.
    text = new TextDecoder('utf-8').decode(sample);
    if (text.slice(0, -1).includes('\ufffd')) return null;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0e-\x1f\x7f]/.test(text)) return null;
  return text;
}

function describeText(file: string, text: string): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('version https://git-lfs')) {
    return `${file} is a Git LFS pointer (a few lines of text), not the weights: the real file was never downloaded. Fetch it with git lfs pull or from the model's release page.`;
  }
  if (/^<(!doctype html|html|\?xml)/i.test(trimmed)) {
    return `${file} is a web page (HTML), not a checkpoint: the download probably failed or needed a login.`;
  }
  const firstLine = trimmed.split('\n', 1)[0] ?? '';
  return `${file} is a text file, not a checkpoint (it starts ${JSON.stringify(firstLine.slice(0, 60))}).`;
}

/** Names the format or throws BAD_CHECKPOINT saying what the file is instead. */
export function sniffFormat(file: string, head: Uint8Array): CheckpointFormat {
  if (head.length === 0) throw badCheckpoint(`${file} is empty (0 bytes).`);
  if (startsWith(head, ZIP_LOCAL_HEADER)) return 'torch-zip';
  if (startsWith(head, ZIP_EMPTY_ARCHIVE))
    throw badCheckpoint(`${file} is an empty zip archive, not a checkpoint.`);
  if (head[0] === PICKLE_PROTO && (head[1] ?? 0) >= 2 && (head[1] ?? 0) <= 5) return 'torch-legacy';
  if (looksLikeSafetensors(head)) return 'safetensors';
  if (startsWith(head, [...Buffer.from('ustar')], TAR_MAGIC_AT)) {
    throw badCheckpoint(
      `${file} is in the tar format of PyTorch before 0.4, which is not read; load it in PyTorch and save it again.`,
    );
  }
  // An ONNX model is a protobuf: field 1 (ir_version, a varint), then field 2 (producer_name).
  if (head[0] === 0x08 && head[2] === 0x12) {
    throw badCheckpoint(
      `${file} looks like an ONNX model, not a PyTorch checkpoint; import it as an .onnx model instead.`,
    );
  }
  const text = textSample(head);
  if (text !== null) throw badCheckpoint(describeText(file, text));
  const bytes = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw badCheckpoint(
    `${file} is not a PyTorch checkpoint (zip or legacy) or a safetensors file: it starts with the bytes ${bytes}.`,
  );
}
