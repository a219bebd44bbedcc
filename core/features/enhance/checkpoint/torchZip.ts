/**
 * torch.save's default format (PyTorch ≥ 1.6): a zip of `<prefix>/data.pkl` (the pickled object,
 * whose persistent ids name storages), `<prefix>/data/<key>` (each storage's raw bytes),
 * `<prefix>/version` and, from PyTorch 2.1, `<prefix>/byteorder`. The prefix is `archive/` when
 * torch wrote the file, but anything when someone re-zipped it.
 */
import { assemble, type ReadProgress } from './assemble.js';
import { unpickle } from './pickle.js';
import { chooseTensors } from './select.js';
import { storagePersistentLoad, TORCH_GLOBALS, type Storage } from './torch.js';
import type { StateDict } from './types.js';
import { badCheckpoint } from './values.js';
import { formatBytes, openZip, readEntry, type ZipArchive, type ZipEntry } from './zip.js';

const PICKLE_NAME = 'data.pkl';

/** `<prefix>/data.pkl`, the one record that says what the rest holds. */
function findPickle(archive: ZipArchive): { entry: ZipEntry; prefix: string } {
  const found = [...archive.entries.values()].filter(
    (entry) => entry.fileName === PICKLE_NAME || entry.fileName.endsWith(`/${PICKLE_NAME}`),
  );
  const [first, second] = found;
  if (first === undefined) {
    const names = [...archive.entries.keys()];
    const listed = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
    throw badCheckpoint(
      `${archive.file} is a zip archive but not a PyTorch checkpoint: it has no data.pkl (it holds ${names.length === 0 ? 'no files' : listed}).`,
    );
  }
  if (second !== undefined) {
    throw badCheckpoint(
      `${archive.file} holds more than one data.pkl (${first.fileName}, ${second.fileName}); cannot tell which is the checkpoint.`,
    );
  }
  return { entry: first, prefix: first.fileName.slice(0, -PICKLE_NAME.length) };
}

/** Whether the storages are little-endian: `byteorder` says so from PyTorch 2.1, and before it they were. */
async function littleEndian(archive: ZipArchive, prefix: string): Promise<boolean> {
  const entry = archive.entries.get(`${prefix}byteorder`);
  if (entry === undefined) return true;
  if (entry.uncompressedSize > 16) {
    throw badCheckpoint(
      `${archive.file}: its ${entry.fileName} record is ${entry.uncompressedSize} bytes, not "little" or "big".`,
    );
  }
  const order = Buffer.from(await readEntry(archive, entry)).toString('latin1');
  if (order === 'little') return true;
  if (order === 'big') return false;
  throw badCheckpoint(
    `${archive.file}: its ${entry.fileName} record says ${JSON.stringify(order)}, not "little" or "big".`,
  );
}

/** A storage's record, checked to hold at least the bytes its persistent id declares. */
async function storageBytes(archive: ZipArchive, prefix: string, storage: Storage): Promise<Uint8Array> {
  const name = `${prefix}data/${storage.key}`;
  const entry = archive.entries.get(name);
  if (entry === undefined) {
    throw badCheckpoint(
      `${archive.file} has no record ${name}, which its data.pkl refers to: the file is incomplete or was re-zipped badly.`,
    );
  }
  if (entry.uncompressedSize < storage.byteLength) {
    throw badCheckpoint(
      `${archive.file}: entry ${name} holds ${formatBytes(entry.uncompressedSize)}, but its storage is ${storage.numel} ${storage.type.label} values (${formatBytes(storage.byteLength)}).`,
    );
  }
  return readEntry(archive, entry);
}

export async function readTorchZip(file: string, buffer: Buffer, progress: ReadProgress): Promise<StateDict> {
  const archive = await openZip(file, buffer);
  try {
    const { entry, prefix } = findPickle(archive);
    const little = await littleEndian(archive, prefix);
    const pickle = await readEntry(archive, entry);
    const storages = new Map<string, Storage>();
    const { value } = unpickle(pickle, 0, {
      file,
      part: entry.fileName,
      globals: TORCH_GLOBALS,
      persistentLoad: storagePersistentLoad(storages),
    });
    const chosen = chooseTensors(file, value);
    return await assemble(
      file,
      chosen,
      (storage) => storageBytes(archive, prefix, storage),
      little,
      progress,
    );
  } finally {
    archive.zip.close();
  }
}
