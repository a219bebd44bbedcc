/**
 * Test support for the architecture tests, `bench:convert` and `bench:face` (no production code
 * imports it).
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

/**
 * GFPGANv1Clean written afresh in PyTorch from the architecture's definition (the official key
 * names, the module's own seeded initialisation, `randomize_noise=False`), batch-generic like the
 * original. It shares nothing with the TypeScript side but the weights it saves. A self-contained
 * module (its own imports, two threads): `random_gfpgan(cfg)` builds a {@link GfpganConfig}'s
 * network in eval mode, seeded, with the parameters the network initialises to zero (noise
 * strengths, StyleConv and ToRGB biases) drawn at random so that noise injection and the biases
 * are exercised too; `read_input(path, size)` reads a raw 1×3×size×size float32 tensor and
 * `save(tensor, path)` writes one. Used by arch/gfpgan.test.ts, test/process/face.test.ts and
 * `bench:face`.
 */
export const GFPGAN_REFERENCE_PY = String.raw`
import json, math, sys
import torch
from torch import nn
from torch.nn import functional as F

torch.set_num_threads(2)


def channel_table(multiplier, narrow):
    return {
        4: int(512 * narrow), 8: int(512 * narrow), 16: int(512 * narrow), 32: int(512 * narrow),
        64: int(256 * multiplier * narrow), 128: int(128 * multiplier * narrow),
        256: int(64 * multiplier * narrow), 512: int(32 * multiplier * narrow),
        1024: int(16 * multiplier * narrow),
    }


def resample(x, factor):
    return F.interpolate(x, scale_factor=factor, mode='bilinear', align_corners=False)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, factor):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cin, 3, 1, 1)
        self.conv2 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1, bias=False)
        self.factor = factor

    def forward(self, x):
        y = F.leaky_relu(self.conv1(x), 0.2)
        y = F.leaky_relu(self.conv2(resample(y, self.factor)), 0.2)
        return y + self.skip(resample(x, self.factor))


class ModulatedConv2d(nn.Module):
    def __init__(self, cin, cout, kernel, style_dim, demodulate, upsample):
        super().__init__()
        self.modulation = nn.Linear(style_dim, cin)
        nn.init.kaiming_normal_(self.modulation.weight, a=0, mode='fan_in', nonlinearity='linear')
        nn.init.constant_(self.modulation.bias, 1.0)
        self.weight = nn.Parameter(torch.randn(1, cout, cin, kernel, kernel) / math.sqrt(cin * kernel * kernel))
        self.demodulate = demodulate
        self.upsample = upsample
        self.padding = kernel // 2

    def forward(self, x, style):
        b, c = x.shape[:2]
        w = self.weight * self.modulation(style).view(b, 1, c, 1, 1)
        if self.demodulate:
            w = w * torch.rsqrt(w.pow(2).sum([2, 3, 4], keepdim=True) + 1e-8)
        if self.upsample:
            x = resample(x, 2)
        h, wd = x.shape[2:]
        out = F.conv2d(x.reshape(1, b * c, h, wd), w.reshape(-1, c, *w.shape[3:]), padding=self.padding, groups=b)
        return out.view(b, -1, *out.shape[2:])


class StyleConv(nn.Module):
    def __init__(self, cin, cout, style_dim, upsample):
        super().__init__()
        self.modulated_conv = ModulatedConv2d(cin, cout, 3, style_dim, True, upsample)
        self.weight = nn.Parameter(torch.zeros(1))
        self.bias = nn.Parameter(torch.zeros(1, cout, 1, 1))

    def forward(self, x, style, noise):
        out = self.modulated_conv(x, style) * 2 ** 0.5 + self.weight * noise + self.bias
        return F.leaky_relu(out, 0.2)


class ToRGB(nn.Module):
    def __init__(self, cin, style_dim, upsample):
        super().__init__()
        self.modulated_conv = ModulatedConv2d(cin, 3, 1, style_dim, False, False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))
        self.upsample = upsample

    def forward(self, x, style, skip):
        out = self.modulated_conv(x, style) + self.bias
        if skip is None:
            return out
        return out + (resample(skip, 2) if self.upsample else skip)


class ConstantInput(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, channels, 4, 4))


class NormStyleCode(nn.Module):
    def forward(self, x):
        return x * torch.rsqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


class Decoder(nn.Module):
    """StyleGAN2 with SFT; the released GFPGAN feeds it latents, so style_mlp is never run."""

    def __init__(self, log_size, style_dim, multiplier, narrow, sft_half):
        super().__init__()
        ch = channel_table(multiplier, narrow)
        mlp = [NormStyleCode()]
        for _ in range(8):
            mlp += [nn.Linear(style_dim, style_dim), nn.LeakyReLU(0.2)]
        self.style_mlp = nn.Sequential(*mlp)
        self.constant_input = ConstantInput(ch[4])
        self.style_conv1 = StyleConv(ch[4], ch[4], style_dim, False)
        self.to_rgb1 = ToRGB(ch[4], style_dim, False)
        self.style_convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        self.noises = nn.Module()
        self.num_noises = (log_size - 2) * 2 + 1
        for k in range(self.num_noises):
            size = 2 ** ((k + 5) // 2)
            self.noises.register_buffer(f'noise{k}', torch.randn(1, 1, size, size))
        cin = ch[4]
        for i in range(3, log_size + 1):
            cout = ch[2 ** i]
            self.style_convs.append(StyleConv(cin, cout, style_dim, True))
            self.style_convs.append(StyleConv(cout, cout, style_dim, False))
            self.to_rgbs.append(ToRGB(cout, style_dim, True))
            cin = cout
        self.sft_half = sft_half

    def forward(self, latent, conditions):
        noise = [getattr(self.noises, f'noise{k}') for k in range(self.num_noises)]
        b = latent.shape[0]
        out = self.style_conv1(self.constant_input.weight.repeat(b, 1, 1, 1), latent[:, 0], noise[0])
        skip = self.to_rgb1(out, latent[:, 1], None)
        for j, (scale, shift) in enumerate(conditions):
            i = 2 * j + 1
            out = self.style_convs[2 * j](out, latent[:, i], noise[i])
            if self.sft_half:
                same, rest = out.chunk(2, dim=1)
                out = torch.cat([same, rest * scale + shift], dim=1)
            else:
                out = out * scale + shift
            out = self.style_convs[2 * j + 1](out, latent[:, i + 1], noise[i + 1])
            skip = self.to_rgbs[j](out, latent[:, i + 2], skip)
        return skip


def sft_branch(channels, out):
    return nn.Sequential(nn.Conv2d(channels, channels, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(channels, out, 3, 1, 1))


class GFPGANv1Clean(nn.Module):
    def __init__(self, out_size, num_style_feat, channel_multiplier, narrow, sft_half):
        super().__init__()
        log_size = int(math.log2(out_size))
        ch = channel_table(channel_multiplier, narrow * 0.5)
        self.num_style_feat = num_style_feat
        self.conv_body_first = nn.Conv2d(3, ch[out_size], 1)
        self.conv_body_down = nn.ModuleList(ResBlock(ch[2 ** i], ch[2 ** (i - 1)], 0.5) for i in range(log_size, 2, -1))
        self.final_conv = nn.Conv2d(ch[4], ch[4], 3, 1, 1)
        self.conv_body_up = nn.ModuleList(ResBlock(ch[2 ** (i - 1)], ch[2 ** i], 2) for i in range(3, log_size + 1))
        self.toRGB = nn.ModuleList(nn.Conv2d(ch[2 ** i], 3, 1) for i in range(3, log_size + 1))
        self.final_linear = nn.Linear(ch[4] * 16, (log_size * 2 - 2) * num_style_feat)
        self.stylegan_decoder = Decoder(log_size, num_style_feat, channel_multiplier, narrow, sft_half)
        levels = range(3, log_size + 1)
        width = lambda i: ch[2 ** i] if sft_half else ch[2 ** i] * 2
        self.condition_scale = nn.ModuleList(sft_branch(ch[2 ** i], width(i)) for i in levels)
        self.condition_shift = nn.ModuleList(sft_branch(ch[2 ** i], width(i)) for i in levels)

    def forward(self, x):
        feat = F.leaky_relu(self.conv_body_first(x), 0.2)
        skips = []
        for block in self.conv_body_down:
            feat = block(feat)
            skips.insert(0, feat)
        feat = F.leaky_relu(self.final_conv(feat), 0.2)
        latent = self.final_linear(feat.flatten(1)).view(x.shape[0], -1, self.num_style_feat)
        conditions = []
        for k, block in enumerate(self.conv_body_up):
            feat = block(feat + skips[k])
            conditions.append((self.condition_scale[k](feat), self.condition_shift[k](feat)))
        return self.stylegan_decoder(latent, conditions)


def read_input(path, size):
    with open(path, 'rb') as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).view(1, 3, size, size)


def save(tensor, path):
    with open(path, 'wb') as f:
        f.write(tensor.detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes())


def random_gfpgan(cfg):
    """The network of a configuration, seeded; parameters initialised to zero drawn at random."""
    torch.manual_seed(cfg['seed'])
    net = GFPGANv1Clean(cfg['out_size'], cfg['num_style_feat'], cfg['channel_multiplier'], cfg['narrow'], cfg['sft_half'])
    with torch.no_grad():
        for p in net.parameters():
            if torch.count_nonzero(p) == 0:
                p.normal_(0.0, 0.2)
    net.eval()
    return net
`;

/** A GFPGANv1Clean configuration for `random_gfpgan` (snake case, as the Python reads it). */
export interface GfpganConfig {
  name: string;
  seed: number;
  out_size: number;
  num_style_feat: number;
  channel_multiplier: number;
  narrow: number;
  sft_half: boolean;
}

/** The released configuration (GFPGAN v1.3 / v1.4: 512, channel multiplier 2, half SFT). */
export const GFPGAN_FULL: GfpganConfig = {
  name: 'full',
  seed: 0,
  out_size: 512,
  num_style_feat: 512,
  channel_multiplier: 2,
  narrow: 1,
  sft_half: true,
};

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
