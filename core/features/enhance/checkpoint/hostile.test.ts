/**
 * Files made to hurt: pickles that run commands when torch.load opens them, and checkpoints that
 * are damaged (cut short, a flipped byte, a zip bomb's declared sizes, not a checkpoint at all).
 * Each must fail with BAD_CHECKPOINT and a message that says what is wrong, having run nothing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBuffer, type Entry } from 'yauzl';
import { FIXTURES, tempDir } from '../../../../test/helpers/fixtures.js';
import { runPython, torchAvailable } from '../../../../test/helpers/torch.js';
import { checkpointFailure } from './testing.js';

const WEIGHTS = join(FIXTURES, 'weights');
const STORED_FIXTURE = join(WEIGHTS, 'realesr-animevideov3.pth');
const DEFLATED_FIXTURE = join(WEIGHTS, 'realesr-animevideov3.rezipped-deflate.pth');

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir('pixelsmith-hostile-');
});
afterAll(() => dir.cleanup());

function write(name: string, bytes: Uint8Array | string): string {
  const path = join(dir.path, name);
  writeFileSync(path, bytes);
  return path;
}

const failure = checkpointFailure;

/** Records of a zip's central directory: where each starts, its name. */
function centralDirectory(zip: Buffer): Array<{ at: number; name: string }> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const records: Array<{ at: number; name: string }> = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    records.push({ at, name });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return records;
}

/** Where a record's data starts in the file (after its local header). */
function dataStart(zip: Buffer, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) return reject(error);
      file.on('entry', (entry: Entry) => {
        if (entry.fileName !== name) return file.readEntry();
        file.readLocalFileHeader(entry, { minimal: true }, (err, header) => {
          file.close();
          return err ? reject(err) : resolve(header.fileDataStart);
        });
      });
      file.on('end', () => reject(new Error(`${name} not found`)));
      file.readEntry();
    });
  });
}

describe('files that are not checkpoints', () => {
  it('names what it found: nothing, text, a Git LFS pointer, a web page, an ONNX model, random bytes', async () => {
    expect(await failure(write('empty.pth', ''))).toMatch(/empty\.pth is empty \(0 bytes\)\.$/);
    expect(await failure(write('notes.pth', 'these are not weights\nat all\n'))).toContain(
      'is a text file, not a checkpoint (it starts "these are not weights")',
    );
    expect(
      await failure(
        write('lfs.pth', 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n'),
      ),
    ).toContain('is a Git LFS pointer');
    expect(await failure(write('page.pth', '<!DOCTYPE html><html><body>Sign in</body></html>'))).toContain(
      'is a web page (HTML)',
    );
    expect(await failure(join(FIXTURES, 'models', 'realesr-animevideov3.onnx'))).toContain(
      'looks like an ONNX model',
    );
    expect(await failure(write('noise.pth', Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5])))).toContain(
      'it starts with the bytes de ad be ef 01 02 03 04',
    );
    expect(await failure(join(dir.path, 'missing.pth'))).toContain('missing.pth does not exist');
    expect(await failure(dir.path)).toContain('is not a regular file');
  });
});

describe('damaged zip checkpoints', () => {
  const original = readFileSync(STORED_FIXTURE);

  it('reports a file cut short, mid-storage or inside the central directory, as truncated', async () => {
    const cdStart = centralDirectory(original)[0]?.at ?? 0;
    for (const [label, length] of [
      ['mid-storage', Math.floor(original.length / 2)],
      ['inside the central directory', cdStart + 100],
      ['inside the end record', original.length - 5],
    ] as const) {
      const message = await failure(write(`cut-${length}.pth`, original.subarray(0, length)));
      expect(message, label).toContain("is truncated: the zip's central directory is missing");
    }
  });

  it('names the entry whose CRC fails after one flipped byte', async () => {
    const damaged = Buffer.from(original);
    const name = centralDirectory(original).find((r) => /^archive\/data\/\d+$/.test(r.name))?.name ?? '';
    const at = await dataStart(damaged, name);
    damaged[at + 100] = (damaged[at + 100] ?? 0) ^ 0x01;
    expect(await failure(write('flipped.pth', damaged))).toContain(`entry ${name} fails its CRC check`);
  });

  it('reports a flipped byte in a deflated entry as damage to that entry', async () => {
    const deflated = Buffer.from(readFileSync(DEFLATED_FIXTURE));
    const name = centralDirectory(deflated).find((r) => /\/data\/\d+$/.test(r.name))?.name ?? '';
    const at = await dataStart(deflated, name);
    deflated[at + 40] = (deflated[at + 40] ?? 0) ^ 0xff;
    const message = await failure(write('flipped-deflate.pth', deflated));
    expect(message).toContain(`entry ${name}`);
  });

  it('refuses declared sizes no checkpoint has, before unpacking anything', async () => {
    const deflated = readFileSync(DEFLATED_FIXTURE);
    const records = centralDirectory(deflated).filter((r) => /\/data\/\d+$/.test(r.name));
    const huge = Buffer.from(deflated);
    huge.writeUInt32LE(0xfffffff0, (records[0]?.at ?? 0) + 24);
    expect(await failure(write('bomb.pth', huge))).toContain(
      `entry ${records[0]?.name} declares 4.0 GB uncompressed, more than a checkpoint can hold (2.0 GB); refused before unpacking.`,
    );
    const many = Buffer.from(deflated);
    for (const record of records.slice(0, 2)) many.writeUInt32LE(0x50000000, record.at + 24);
    expect(await failure(write('bomb-total.pth', many))).toContain(
      'its entries declare more than 2.0 GB uncompressed in all',
    );
  });
});

/**
 * Pickles whose payload runs a command in torch.load: `os.system`, `builtins.eval` and
 * `subprocess.call`, each creating a marker file. Python first proves each payload is live (it
 * does create its marker when unpickled); then the files built from them are read here.
 */
const MAKE_HOSTILE = String.raw`
import json, os, pickle, subprocess, sys, zipfile
out = sys.argv[1]

class Payload:
    def __init__(self, call):
        self.call = call
    def __reduce__(self):
        return self.call

def system(marker):
    return (os.system, ('touch ' + marker,))

def evaluate(marker):
    return (eval, ("open(%r, 'w').close()" % marker,))

def call(marker):
    return (subprocess.call, (['touch', marker],))

def checkpoint(payload, protocol):
    return pickle.dumps({'params': {'body.0.weight': Payload(payload)}}, protocol=protocol)

def as_zip(path, pickled):
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr('archive/data.pkl', pickled)
        z.writestr('archive/version', '3\n')

def as_legacy(path, pickled):
    info = {'protocol_version': 1001, 'little_endian': True, 'type_sizes': {'short': 2, 'int': 4, 'long': 8}}
    with open(path, 'wb') as f:
        for value in (0x1950a86a20f9469cfc6c, 1001, info):
            f.write(pickle.dumps(value, protocol=2))
        f.write(pickled)
        f.write(pickle.dumps([], protocol=2))

live = {}
for name, make in (('system', system), ('eval', evaluate), ('call', call)):
    probe = os.path.join(out, 'live-' + name)
    pickle.loads(checkpoint(make(probe), 2))
    live[name] = os.path.exists(probe)
    os.remove(probe)

files = {}
for name, make, protocol in (('system', system, 2), ('eval', evaluate, 4), ('call', call, 2)):
    for fmt, write in (('zip', as_zip), ('legacy', as_legacy)):
        marker = os.path.join(out, 'marker-%s-%s' % (name, fmt))
        path = os.path.join(out, 'hostile-%s-%s.pth' % (name, fmt))
        write(path, checkpoint(make(marker), protocol))
        files[path] = marker
print(json.dumps({'live': live, 'files': files}))
`;

describe.skipIf(!torchAvailable)('hostile pickles', () => {
  let made: { live: Record<string, boolean>; files: Record<string, string> };
  beforeAll(() => {
    made = JSON.parse(runPython(MAKE_HOSTILE, [dir.path])) as typeof made;
  }, 120_000);

  it('are live: Python, unpickling them, runs the command', () => {
    expect(made.live).toEqual({ system: true, eval: true, call: true });
  });

  it('are refused, naming the global, and run nothing', async () => {
    const names: Record<string, RegExp> = {
      system:
        /refers to (posix|os)\.system, which a checkpoint never needs; refused without running anything/,
      eval: /refers to builtins\.eval, which a checkpoint never needs/,
      // Protocol 2 pickles subprocess.call under its Python 2 name.
      call: /refers to (subprocess|commands)\.call, which a checkpoint never needs/,
    };
    const files = Object.entries(made.files);
    expect(files.length).toBe(6);
    for (const [path, marker] of files) {
      const kind = /hostile-(\w+)-/.exec(path)?.[1] ?? '';
      expect(await failure(path)).toMatch(names[kind] ?? /never/);
      expect(existsSync(marker), `${marker} was created`).toBe(false);
    }
  });
});

/** torch.save's legacy format, cut and re-pickled with an opcode no state dict uses. */
const MAKE_LEGACY = String.raw`
import sys, torch, zipfile
out = sys.argv[1]
torch.save({'w': torch.arange(2048, dtype=torch.float32), 'b': torch.ones(3)}, out + '/legacy.pth',
           _use_new_zipfile_serialization=False)
with zipfile.ZipFile(out + '/inst.pth', 'w') as z:
    z.writestr('archive/data.pkl', b'\x80\x02(ios\nsystem\nq\x00.')
`;

describe.skipIf(!torchAvailable)('damaged legacy checkpoints and refused opcodes', () => {
  beforeAll(() => {
    runPython(MAKE_LEGACY, [dir.path]);
  }, 120_000);

  it('reports a legacy file cut inside a storage or inside its pickle as truncated', async () => {
    const whole = readFileSync(join(dir.path, 'legacy.pth'));
    expect(await failure(write('legacy-cut.pth', whole.subarray(0, whole.length - 4000)))).toMatch(
      /is truncated: storage \d+ \([12] of 2\) needs 8192 bytes from byte \d+, but the file ends at byte \d+\./,
    );
    const pickleEnd = whole.indexOf(Buffer.from('_rebuild_tensor_v2')) + 40;
    expect(await failure(write('legacy-cut-pickle.pth', whole.subarray(0, pickleEnd)))).toContain(
      'is truncated: its main pickle ends at byte',
    );
  });

  it('refuses an INST opcode in a zip by name and offset', async () => {
    expect(await failure(join(dir.path, 'inst.pth'))).toContain(
      "archive/data.pkl uses the pickle opcode INST ('i', 0x69) at byte 3",
    );
  });
});
