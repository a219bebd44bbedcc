/**
 * PyTorch is the reference: the fixtures and checkpoints torch.save writes here are loaded by
 * torch.load, whose tensors (as float32) must equal ours bit for bit.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBuffer, type Entry } from 'yauzl';
import { ZipFile } from 'yazl';
import { FIXTURES, tempDir } from '../../../../test/helpers/fixtures.js';
import { runPython, torchAvailable } from '../../../../test/helpers/torch.js';
import { readCheckpoint } from './read.js';
import { checkpointFailure } from './testing.js';
import type { StateDict } from './types.js';

const WEIGHTS = join(FIXTURES, 'weights');
const FIXTURE_FILES = [
  'realesr-animevideov3.pth',
  'RealESRGANv2-animevideo-xsx4.pth',
  'realesr-animevideov3.rezipped-deflate.pth',
];

/**
 * Writes the test's checkpoints with torch.save (each in the zip and the legacy format) and,
 * for every checkpoint, what torch.load gives: the chosen dict's float tensors as float32
 * (`<name>.bin`) and their names, shapes and dtypes (`<name>.json`).
 */
const MAKE_CHECKPOINTS = String.raw`
import array, json, os, sys, zipfile
from collections import OrderedDict
import torch

out, fixtures = sys.argv[1], sys.argv[2:]
g = torch.Generator().manual_seed(7)

def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=g, dtype=dtype)

def training_checkpoint():
    base = randn(20)
    ema = OrderedDict()
    ema['module.conv.weight'] = randn(4, 3, 3, 3)
    ema['module.conv.bias'] = randn(4)
    ema['module.half'] = (randn(5, 7) * 100).half()
    ema['module.half_special'] = torch.tensor(
        [0.0, -0.0, 1e-7, -6e-8, 6.1e-5, 65504.0, float('inf'), -float('inf'), float('nan')]).half()
    ema['module.bf16'] = randn(3, 4).bfloat16()
    ema['module.bf16_special'] = torch.tensor([1e38, -1e-38, 3.0, float('inf')]).bfloat16()
    ema['module.double'] = randn(6, dtype=torch.float64)
    ema['module.transposed'] = randn(3, 5).t()
    ema['module.shared_a'] = base[2:8]
    ema['module.shared_b'] = base[10:20].view(2, 5)
    ema['module.expanded'] = randn(3, 1).expand(3, 4)
    ema['module.permuted'] = randn(2, 3, 4).permute(2, 0, 1)
    ema['module.scalar'] = torch.tensor(1.5)
    ema['module.empty'] = torch.zeros(0, 3)
    ema['module.param'] = torch.nn.Parameter(randn(2, 2))
    ema['module.bn.num_batches_tracked'] = torch.tensor(7)
    ema['module.note'] = 'not a tensor'
    ema._metadata = OrderedDict([('', {'version': 1}), ('conv', {'version': 1})])
    params = OrderedDict([('conv.weight', torch.zeros(4, 3, 3, 3))])
    return {'params': params, 'params_ema': ema}

def module_state_dict():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.PReLU(4))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(randn(*p.shape))
    return model

def mixed_dtypes():
    return OrderedDict([('w', randn(3, 4)), ('h', randn(5).half()), ('d', randn(2, dtype=torch.float64))])

def write_expected(path, name):
    obj = torch.load(path, map_location='cpu')
    chosen = obj
    for key in ('params_ema', 'params', 'state_dict'):
        value = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(value, dict) and any(torch.is_tensor(v) for v in value.values()):
            chosen = value
            break
    index, blob = [], bytearray()
    for key, value in chosen.items():
        if not torch.is_tensor(value) or not value.is_floating_point():
            continue
        data = array.array('f', value.detach().float().reshape(-1).tolist()).tobytes()
        index.append({'name': key[len('module.'):] if key.startswith('module.') else key,
                      'shape': list(value.shape), 'dtype': str(value.dtype).replace('torch.', ''),
                      'offset': len(blob), 'length': len(data)})
        blob += data
    with open(os.path.join(out, name + '.bin'), 'wb') as f:
        f.write(blob)
    with open(os.path.join(out, name + '.json'), 'w') as f:
        json.dump(index, f)

def byteswapped_copy(source, target, item_sizes):
    """The same checkpoint as a big-endian machine writes it: a byteorder record, swapped storages."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, 'w', zipfile.ZIP_STORED) as zout:
        prefix = zin.namelist()[0].split('/')[0] + '/'
        for name in zin.namelist():
            if name == prefix + 'byteorder':
                continue
            data = bytearray(zin.read(name))
            key = name[len(prefix + 'data/'):] if name.startswith(prefix + 'data/') else None
            if key is not None:
                n = item_sizes[int(key)]
                for i in range(0, len(data), n):
                    data[i:i + n] = data[i:i + n][::-1]
            zout.writestr(name, bytes(data))
        zout.writestr(prefix + 'byteorder', b'big')

cases = {
    'training': training_checkpoint(),
    'module': module_state_dict().state_dict(),
    'with_optimizer': None,
    'mixed': mixed_dtypes(),
}
model = module_state_dict()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
model(randn(1, 3, 8, 8)).sum().backward()
opt.step()
cases['with_optimizer'] = {'state_dict': model.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3}

for name, obj in cases.items():
    for fmt in ('zip', 'legacy'):
        for protocol in (2, 4):
            file = f'{name}-{fmt}-p{protocol}.pth'
            torch.save(obj, os.path.join(out, file), pickle_protocol=protocol,
                       _use_new_zipfile_serialization=(fmt == 'zip'))
            write_expected(os.path.join(out, file), file)

byteswapped_copy(os.path.join(out, 'mixed-zip-p2.pth'), os.path.join(out, 'mixed-big-endian.pth'), [4, 2, 8])
write_expected(os.path.join(out, 'mixed-zip-p2.pth'), 'mixed-big-endian.pth')
torch.save({'step': torch.arange(5), 'mask': torch.tensor([True, False])}, os.path.join(out, 'ints.pth'))
torch.save({'epoch': 3, 'lr': 0.1}, os.path.join(out, 'no-tensors.pth'))
for i, path in enumerate(fixtures):
    write_expected(path, os.path.basename(path))
`;

interface Expected {
  name: string;
  shape: number[];
  dtype: string;
  offset: number;
  length: number;
}

let dir: { path: string; cleanup: () => void };

function expectedOf(name: string): { index: Expected[]; blob: Buffer } {
  return {
    index: JSON.parse(readFileSync(join(dir.path, `${name}.json`), 'utf8')) as Expected[],
    blob: readFileSync(join(dir.path, `${name}.bin`)),
  };
}

/** Names, order, shapes, dtypes, and every value's bits. */
function expectSameAsTorch(dict: StateDict, name: string): void {
  const { index, blob } = expectedOf(name);
  expect([...dict.keys()]).toEqual(index.map((e) => e.name));
  for (const e of index) {
    const tensor = dict.get(e.name);
    expect(tensor?.shape, e.name).toEqual(e.shape);
    expect(tensor?.dtype, e.name).toBe(e.dtype);
    const ours = Buffer.from(
      tensor?.data.buffer ?? new ArrayBuffer(0),
      tensor?.data.byteOffset,
      tensor?.data.byteLength,
    );
    expect(
      ours.equals(blob.subarray(e.offset, e.offset + e.length)),
      `${e.name}: values differ from torch's`,
    ).toBe(true);
  }
}

/** Same names, shapes, dtypes and value bits (typed arrays compared as bytes: deep equality is slow). */
function expectSameDicts(ours: StateDict, theirs: StateDict): void {
  expect([...ours.keys()]).toEqual([...theirs.keys()]);
  for (const [name, a] of ours) {
    const b = theirs.get(name);
    expect({ shape: a.shape, dtype: a.dtype }, name).toEqual({ shape: b?.shape, dtype: b?.dtype });
    const bytes = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    expect(b !== undefined && bytes(a.data).equals(bytes(b.data)), name).toBe(true);
  }
}

const failure = checkpointFailure;

function zipEntries(buffer: Buffer): Promise<Array<{ name: string; data: Buffer }>> {
  return new Promise((resolve, reject) => {
    fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries: Array<{ name: string; data: Buffer }> = [];
      zip.on('entry', (entry: Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.push({ name: entry.fileName, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** The same records in a new zip (yazl): another prefix, deflated or stored, zip64 if asked. */
async function rezip(
  source: string,
  target: string,
  options: { prefix: string; compress: boolean; zip64: boolean },
): Promise<void> {
  const zip = new ZipFile();
  for (const { name, data } of await zipEntries(readFileSync(source))) {
    const rest = name.slice(name.indexOf('/') + 1);
    zip.addBuffer(data, `${options.prefix}${rest}`, {
      compress: options.compress,
      forceZip64Format: options.zip64,
    });
  }
  const out = createWriteStream(target);
  zip.outputStream.pipe(out);
  zip.end({ forceZip64Format: options.zip64, comment: '' });
  await finished(out);
}

describe.skipIf(!torchAvailable)('readCheckpoint against torch.load', () => {
  beforeAll(() => {
    dir = tempDir('pixelsmith-ckpt-');
    runPython(MAKE_CHECKPOINTS, [dir.path, ...FIXTURE_FILES.map((f) => join(WEIGHTS, f))]);
  }, 300_000);
  afterAll(() => dir.cleanup());

  it.each(FIXTURE_FILES)('reads the fixture %s as torch.load does', async (file) => {
    const dict = await readCheckpoint(join(WEIGHTS, file));
    expect(dict.size).toBe(53);
    expect(dict.get('body.0.weight')?.shape).toEqual([64, 3, 3, 3]);
    expectSameAsTorch(dict, file);
  });

  it('reads the re-zipped deflate copy identically to the original', async () => {
    const original = await readCheckpoint(join(WEIGHTS, 'realesr-animevideov3.pth'));
    const rezipped = await readCheckpoint(join(WEIGHTS, 'realesr-animevideov3.rezipped-deflate.pth'));
    expectSameDicts(rezipped, original);
  });

  const saved = ['training', 'module', 'with_optimizer', 'mixed'].flatMap((name) =>
    ['zip', 'legacy'].flatMap((fmt) => [2, 4].map((p) => `${name}-${fmt}-p${p}.pth`)),
  );
  it.each(saved)('reads %s as torch.load does', async (file) => {
    expectSameAsTorch(await readCheckpoint(join(dir.path, file)), file);
  });

  it('chooses params_ema over params, strips module., skips non-float values', async () => {
    for (const file of ['training-zip-p2.pth', 'training-legacy-p2.pth']) {
      const dict = await readCheckpoint(join(dir.path, file));
      expect(dict.get('conv.weight')?.data.some((v) => v !== 0)).toBe(true); // not params' zeros
      expect(dict.has('bn.num_batches_tracked')).toBe(false);
      expect(dict.has('note')).toBe(false);
      expect(dict.get('transposed')?.shape).toEqual([5, 3]);
      expect(dict.get('shared_b')?.shape).toEqual([2, 5]);
      expect(dict.get('half')?.dtype).toBe('float16');
    }
  });

  it('chooses state_dict over the optimizer state beside it', async () => {
    const dict = await readCheckpoint(join(dir.path, 'with_optimizer-zip-p2.pth'));
    expect([...dict.keys()]).toContain('0.weight');
    expect([...dict.keys()].some((k) => k.includes('momentum'))).toBe(false);
  });

  it('byte-swaps a checkpoint whose byteorder record says big', async () => {
    expectSameAsTorch(await readCheckpoint(join(dir.path, 'mixed-big-endian.pth')), 'mixed-big-endian.pth');
  });

  it('reads zip64 records, other prefixes and deflated storages', async () => {
    const source = join(dir.path, 'training-zip-p2.pth');
    const expected = await readCheckpoint(source);
    for (const options of [
      { prefix: 'model with spaces/', compress: true, zip64: false },
      { prefix: 'x/', compress: false, zip64: true },
      { prefix: 'archive/', compress: true, zip64: true },
    ]) {
      const target = join(dir.path, `rezipped-${options.compress}-${options.zip64}.pth`);
      await rezip(source, target, options);
      expectSameDicts(await readCheckpoint(target), expected);
    }
  });

  it('refuses a checkpoint of integer tensors, and one without tensors, saying what it holds', async () => {
    expect(await failure(join(dir.path, 'ints.pth'))).toContain(
      'stores int64 and bool tensors (optimizer state?); only float weights are read.',
    );
    expect(await failure(join(dir.path, 'no-tensors.pth'))).toContain(
      'has no float tensors in its top-level dict; its keys are epoch, lr.',
    );
  });

  it('reports progress from storage to storage up to 1, and stops when aborted', async () => {
    const file = join(WEIGHTS, 'realesr-animevideov3.pth');
    const seen: number[] = [];
    await readCheckpoint(file, { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBe(53);
    expect(seen.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= (seen[i - 1] ?? 0)))).toBe(true);
    expect(seen.at(-1)).toBe(1);

    const controller = new AbortController();
    let calls = 0;
    const aborted: unknown = await readCheckpoint(file, {
      signal: controller.signal,
      onProgress: () => {
        calls++;
        controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((aborted as Error).name).toBe('AbortError');
    expect(calls).toBe(1);
  });
});
