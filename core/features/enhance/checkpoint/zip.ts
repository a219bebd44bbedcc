/**
 * The zip container of torch.save's default format, read with yauzl from the file's bytes. yauzl
 * checks the structure (and that a stored entry's sizes agree) but not CRCs, so every entry read
 * here is checked against its CRC-32; and declared sizes are capped before anything is unpacked,
 * so a zip bomb is refused without allocating for it.
 */
import { crc32 } from 'node:zlib';
import { fromBuffer, type Entry, type ZipFile } from 'yauzl';
import { RpcError } from '../../../contract/errors.js';
import { CHECKPOINT_MAX_BYTES } from './limits.js';
import { badCheckpoint } from './values.js';

/** Far more records than any checkpoint has (one per storage, a few more). */
const MAX_ENTRIES = 1_000_000;

const STORED = 0;
const DEFLATED = 8;

/** A record of the zip (yauzl's entry: only this file knows the zip library). */
export type ZipEntry = Entry;

export interface ZipArchive {
  file: string;
  buffer: Buffer;
  zip: ZipFile;
  /** Files by name; directory records left out. */
  entries: ReadonlyMap<string, Entry>;
}

/** Sizes for messages: `4.0 GB`, `12.3 MB`, `512 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${bytes} bytes`;
}

/** yauzl's complaint, told as what it means for this file. */
function zipProblem(archive: Pick<ZipArchive, 'file' | 'buffer'>, error: unknown, entry?: string): RpcError {
  if (error instanceof RpcError) return error;
  const { file } = archive;
  const message = error instanceof Error ? error.message : String(error);
  if (/end of central directory record signature not found/i.test(message)) {
    return badCheckpoint(
      `${file} is truncated: the zip's central directory is missing (the file ends at byte ${archive.buffer.length} without the zip's end record). Download it again.`,
    );
  }
  if (/overflows file bounds/i.test(message)) {
    return badCheckpoint(`${file} is truncated: entry ${entry ?? '?'} runs past the end of the file.`);
  }
  if (/too many bytes|not enough bytes/i.test(message)) {
    return badCheckpoint(
      `${file}: entry ${entry ?? '?'} does not unpack to the size it declares (${message}); the file is damaged.`,
    );
  }
  if (entry !== undefined)
    return badCheckpoint(`${file}: entry ${entry} cannot be read: ${message}; the file is damaged.`);
  return badCheckpoint(`${file} is a damaged zip archive: ${message}.`);
}

/** A reason to refuse a record before reading anything of it, or null. */
function entryProblem(file: string, entry: Entry, declaredSoFar: number): RpcError | null {
  if (entry.uncompressedSize > CHECKPOINT_MAX_BYTES) {
    return badCheckpoint(
      `${file}: entry ${entry.fileName} declares ${formatBytes(entry.uncompressedSize)} uncompressed, more than a checkpoint can hold (${formatBytes(CHECKPOINT_MAX_BYTES)}); refused before unpacking.`,
    );
  }
  if (declaredSoFar + entry.uncompressedSize > CHECKPOINT_MAX_BYTES) {
    return badCheckpoint(
      `${file}: its entries declare more than ${formatBytes(CHECKPOINT_MAX_BYTES)} uncompressed in all, more than a checkpoint can hold; refused before unpacking.`,
    );
  }
  return null;
}

function listEntries(
  archive: Pick<ZipArchive, 'file' | 'buffer'>,
  zip: ZipFile,
): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, Entry>();
    let declared = 0;
    zip.on('entry', (entry: Entry) => {
      if (!entry.fileName.endsWith('/')) {
        const problem =
          entryProblem(archive.file, entry, declared) ??
          (entries.has(entry.fileName)
            ? badCheckpoint(
                `${archive.file} has two zip entries named ${entry.fileName}; refused as ambiguous.`,
              )
            : null);
        if (problem !== null) return reject(problem);
        declared += entry.uncompressedSize;
        entries.set(entry.fileName, entry);
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: unknown) => reject(zipProblem(archive, error)));
    zip.readEntry();
  });
}

/** Opens the zip in `buffer` and lists its records, refusing oversized or ambiguous ones. */
export async function openZip(file: string, buffer: Buffer): Promise<ZipArchive> {
  const zip = await new Promise<ZipFile>((resolve, reject) => {
    fromBuffer(
      buffer,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true },
      (error, opened) => (error ? reject(zipProblem({ file, buffer }, error)) : resolve(opened)),
    );
  });
  try {
    if (zip.entryCount > MAX_ENTRIES) {
      throw badCheckpoint(
        `${file} declares ${zip.entryCount} zip entries; a checkpoint has far fewer. Refused.`,
      );
    }
    return { file, buffer, zip, entries: await listEntries({ file, buffer }, zip) };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** Unpacks a deflated record into one array of its declared size (already capped). */
async function inflate(zip: ZipFile, entry: Entry): Promise<Uint8Array> {
  const stream = await zip.openReadStreamPromise(entry);
  const out = new Uint8Array(entry.uncompressedSize);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (filled + chunk.length > out.length) {
      stream.destroy();
      throw new Error(`too many bytes in the stream: more than the ${out.length} declared`);
    }
    out.set(chunk, filled);
    filled += chunk.length;
  }
  if (filled !== out.length) throw new Error(`not enough bytes in the stream: ${filled} of ${out.length}`);
  return out;
}

/**
 * A record's bytes, CRC-checked. A stored record is a view of the file's buffer (no copy); a
 * deflated one is unpacked into an array of its own.
 */
export async function readEntry(archive: ZipArchive, entry: Entry): Promise<Uint8Array> {
  const { file, zip, buffer } = archive;
  const name = entry.fileName;
  if (entry.isEncrypted())
    throw badCheckpoint(`${file}: entry ${name} is encrypted, which torch.save never does.`);
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw badCheckpoint(
      `${file}: entry ${name} uses zip compression method ${entry.compressionMethod}; only stored and deflated entries are read.`,
    );
  }
  let data: Uint8Array;
  try {
    if (entry.compressionMethod === STORED) {
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
      data = buffer.subarray(fileDataStart, fileDataStart + entry.compressedSize);
    } else {
      data = await inflate(zip, entry);
    }
  } catch (error) {
    throw zipProblem(archive, error, name);
  }
  if (crc32(data) !== entry.crc32) {
    throw badCheckpoint(
      `${file}: entry ${name} fails its CRC check: its bytes are not the ones that were saved. The file is damaged; download it again.`,
    );
  }
  return data;
}
