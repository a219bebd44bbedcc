/**
 * torch.save's format before PyTorch 1.6 (and `_use_new_zipfile_serialization=False` since):
 * pickles one after another — torch's magic number, the protocol version (1001), a dict of
 * system facts, the object itself (persistent ids `('storage', type, key, location, numel,
 * view_metadata)`), the list of storage keys — then, for each key in that order, an 8-byte
 * little-endian element count and the storage's raw little-endian bytes.
 */
import { assemble, type ReadProgress } from './assemble.js';
import { unpickle } from './pickle.js';
import { chooseTensors } from './select.js';
import { NO_GLOBALS, storagePersistentLoad, TORCH_GLOBALS, type Storage } from './torch.js';
import type { StateDict } from './types.js';
import { badCheckpoint, describe, PyDict, type PyValue } from './values.js';

const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;
const COUNT_BYTES = 8;

/** Where each storage's bytes lie, found by stepping over the count-prefixed blobs in key order. */
function locateStorages(
  file: string,
  buffer: Buffer,
  start: number,
  keys: readonly string[],
  storages: ReadonlyMap<string, Storage>,
): Map<Storage, Uint8Array> {
  const located = new Map<Storage, Uint8Array>();
  let at = start;
  keys.forEach((key, index) => {
    const storage = storages.get(key);
    if (storage === undefined) {
      throw badCheckpoint(`${file}: its storage list names storage ${key}, which no tensor in it uses.`);
    }
    const which = `storage ${key} (${index + 1} of ${keys.length})`;
    if (at + COUNT_BYTES > buffer.length) {
      throw badCheckpoint(
        `${file} is truncated: ${which} would start at byte ${at}, but the file ends at byte ${buffer.length}.`,
      );
    }
    const count = buffer.readBigUInt64LE(at);
    if (count !== BigInt(storage.numel)) {
      throw badCheckpoint(
        `${file}: ${which} holds ${count} values where its tensors expect ${storage.numel}; the file is damaged.`,
      );
    }
    const dataStart = at + COUNT_BYTES;
    const dataEnd = dataStart + storage.byteLength;
    if (dataEnd > buffer.length) {
      throw badCheckpoint(
        `${file} is truncated: ${which} needs ${storage.byteLength} bytes from byte ${dataStart}, but the file ends at byte ${buffer.length}.`,
      );
    }
    located.set(storage, buffer.subarray(dataStart, dataEnd));
    at = dataEnd;
  });
  return located;
}

function storageKeys(file: string, value: PyValue): string[] {
  if (!Array.isArray(value) || !value.every((key) => typeof key === 'string')) {
    throw badCheckpoint(
      `${file}: its storage key list is ${describe(value)}, not a list of keys; the file is damaged.`,
    );
  }
  return value as string[];
}

export async function readLegacy(file: string, buffer: Buffer, progress: ReadProgress): Promise<StateDict> {
  const plain = (part: string, at: number) => unpickle(buffer, at, { file, part, globals: NO_GLOBALS });
  const magic = plain('its first pickle', 0);
  if (magic.value !== MAGIC_NUMBER) {
    throw badCheckpoint(
      `${file} is a Python pickle but not a torch.save file: it starts with ${describe(magic.value)}, not torch's magic number.`,
    );
  }
  const version = plain('its protocol version', magic.end);
  if (version.value !== PROTOCOL_VERSION) {
    throw badCheckpoint(
      `${file} is a torch.save file of protocol ${describe(version.value)}; only protocol ${PROTOCOL_VERSION} is read.`,
    );
  }
  const sysInfo = plain('its system info', version.end);
  if (sysInfo.value instanceof PyDict && sysInfo.value.entries.get('little_endian') === false) {
    throw badCheckpoint(
      `${file} was saved on a big-endian machine in the legacy format; re-save it with torch.save on a little-endian one.`,
    );
  }
  const storages = new Map<string, Storage>();
  const main = unpickle(buffer, sysInfo.end, {
    file,
    part: 'its main pickle',
    globals: TORCH_GLOBALS,
    persistentLoad: storagePersistentLoad(storages),
  });
  const keys = plain('its storage key list', main.end);
  const located = locateStorages(file, buffer, keys.end, storageKeys(file, keys.value), storages);
  const chosen = chooseTensors(file, main.value);
  return assemble(
    file,
    chosen,
    (storage) => {
      const bytes = located.get(storage);
      if (bytes === undefined) {
        throw badCheckpoint(
          `${file}: storage ${storage.key} is used by a tensor but missing from its storage list.`,
        );
      }
      return bytes;
    },
    true,
    progress,
  );
}
