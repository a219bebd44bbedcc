/**
 * Test support for the architecture tests and `bench:convert` (no production code imports it).
 * The architecture tests compare each network alone, without the checkpoint reader: PyTorch
 * hands state dicts over in a test-only format, `<base>.json` listing each tensor's key, shape and
 * offset (in float32 elements) into `<base>.bin`, raw little-endian float32. {@link PY_TENSOR_IO}
 * writes that format (and raw input / output tensors) from Python; {@link readTensorExport} reads
 * it back as a {@link StateDict}. (`../checkpoints.test.ts` goes through real torch.save files.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import type { CheckpointTensor, StateDict } from '../checkpoint/types.js';

/**
 * Python helpers prepended to the tests' reference scripts: `save_state(state_dict, base)`,
 * `load_tensor(path, shape)` and `save_tensor(tensor, path)`.
 */
export const PY_TENSOR_IO = String.raw`
import json
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)

def save_state(state, base):
    index = []
    offset = 0
    with open(base + '.bin', 'wb') as f:
        for key, value in state.items():
            array = value.detach().to(torch.float32).contiguous().numpy().astype('<f4')
            f.write(array.tobytes())
            index.append({'key': key, 'shape': list(array.shape), 'offset': offset})
            offset += array.size
    with open(base + '.json', 'w') as f:
        json.dump({'tensors': index}, f)

def load_tensor(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype='<f4').reshape(shape).copy())

def save_tensor(tensor, path):
    tensor.detach().contiguous().numpy().astype('<f4').tofile(path)
`;

/**
 * PyTorch reference modules of RRDBNet, written from the networks' definitions: basicsr's
 * `RRDBNet(layout, scale, num_feat, num_block, num_grow_ch)` (layout `rrdb`, or `rrdb-trunk` for
 * ESRGAN RRDBNet_arch.py's module names) and the original ESRGAN's flattened Sequential
 * `OldESRGAN(scale, …)`, whose state dict has the old `model.N` keys by construction.
 * Needs {@link PY_TENSOR_IO} (or the same imports) before it.
 */
export const RRDB_REFERENCE_PY = String.raw`
def conv(cin, cout):
    return nn.Conv2d(cin, cout, 3, 1, 1)

class DenseBlock(nn.Module):
    def __init__(self, nf, gc, old):
        super().__init__()
        self.old = old
        self.lrelu = nn.LeakyReLU(0.2)
        for k in range(1, 6):
            c = conv(nf + (k - 1) * gc, nf if k == 5 else gc)
            if old:
                c = nn.Sequential(c, nn.LeakyReLU(0.2)) if k < 5 else nn.Sequential(c)
            setattr(self, 'conv%d' % k, c)

    def forward(self, x):
        features = [x]
        for k in range(1, 5):
            y = getattr(self, 'conv%d' % k)(torch.cat(features, 1))
            features.append(y if self.old else self.lrelu(y))
        return self.conv5(torch.cat(features, 1)) * 0.2 + x

class RRDB(nn.Module):
    def __init__(self, nf, gc, names, old):
        super().__init__()
        self.names = names
        for name in names:
            setattr(self, name, DenseBlock(nf, gc, old))

    def forward(self, x):
        out = x
        for name in self.names:
            out = getattr(self, name)(out)
        return out * 0.2 + x

def pixel_unshuffle(x, r):
    b, c, h, w = x.shape
    return x.view(b, c, h // r, r, w // r, r).permute(0, 1, 3, 5, 2, 4).reshape(b, c * r * r, h // r, w // r)

NAMES = {
    'rrdb': dict(body='body', rdb=['rdb1', 'rdb2', 'rdb3'], trunk='conv_body',
                 ups=['conv_up1', 'conv_up2'], hr='conv_hr'),
    'rrdb-trunk': dict(body='RRDB_trunk', rdb=['RDB1', 'RDB2', 'RDB3'], trunk='trunk_conv',
                       ups=['upconv1', 'upconv2'], hr='HRconv'),
}

class RRDBNet(nn.Module):
    def __init__(self, layout, scale, nf, nb, gc):
        super().__init__()
        n = NAMES[layout]
        self.n = n
        self.unshuffle = {4: 1, 2: 2, 1: 4}[scale]
        self.conv_first = conv(3 * self.unshuffle ** 2, nf)
        setattr(self, n['body'], nn.Sequential(*[RRDB(nf, gc, n['rdb'], False) for _ in range(nb)]))
        for name in [n['trunk'], *n['ups'], n['hr']]:
            setattr(self, name, conv(nf, nf))
        self.conv_last = conv(nf, 3)
        self.lrelu = nn.LeakyReLU(0.2)

    def forward(self, x):
        n = self.n
        feat = x if self.unshuffle == 1 else pixel_unshuffle(x, self.unshuffle)
        feat = self.conv_first(feat)
        feat = feat + getattr(self, n['trunk'])(getattr(self, n['body'])(feat))
        for name in n['ups']:
            feat = self.lrelu(getattr(self, name)(F.interpolate(feat, scale_factor=2, mode='nearest')))
        return self.conv_last(self.lrelu(getattr(self, n['hr'])(feat)))

class Shortcut(nn.Module):
    def __init__(self, sub):
        super().__init__()
        self.sub = sub

    def forward(self, x):
        return x + self.sub(x)

class OldESRGAN(nn.Module):
    def __init__(self, scale, nf, nb, gc):
        super().__init__()
        trunk = [RRDB(nf, gc, ['RDB1', 'RDB2', 'RDB3'], True) for _ in range(nb)]
        layers = [conv(3, nf), Shortcut(nn.Sequential(*trunk, conv(nf, nf)))]
        for _ in range({4: 2, 2: 1}[scale]):
            layers += [nn.Upsample(scale_factor=2, mode='nearest'), conv(nf, nf), nn.LeakyReLU(0.2)]
        layers += [conv(nf, nf), nn.LeakyReLU(0.2), conv(nf, 3)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)

`;

interface ExportIndex {
  tensors: { key: string; shape: number[]; offset: number }[];
}

/** A file of raw float32 values (this host is little-endian, as every CI machine is). */
export function readFloat32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function writeFloat32(path: string, data: Float32Array): void {
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/**
 * The state dict `save_state` wrote at `base`, in its key order. Each tensor's data is a view
 * into one shared array, as a real checkpoint reader's may be.
 */
export function readTensorExport(base: string): StateDict {
  const index = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as ExportIndex;
  const all = readFloat32(`${base}.bin`);
  const weights = new Map<string, CheckpointTensor>();
  for (const { key, shape, offset } of index.tensors) {
    const count = shape.reduce((a, b) => a * b, 1);
    weights.set(key, { shape, dtype: 'float32', data: all.subarray(offset, offset + count) });
  }
  return weights;
}

/** A crop of an image file as an NCHW RGB float32 tensor in [0, 1] (alpha dropped). */
export async function imageCrop(
  file: string,
  left: number,
  top: number,
  width: number,
  height: number,
): Promise<Float32Array> {
  const { data, info } = await sharp(file)
    .extract({ left, top, width, height })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: ${info.channels} channels after removing alpha`);
  const area = width * height;
  const planar = new Float32Array(3 * area);
  for (let p = 0; p < area; p += 1) {
    for (let c = 0; c < 3; c += 1) planar[c * area + p] = (data[p * 3 + c] ?? 0) / 255;
  }
  return planar;
}
