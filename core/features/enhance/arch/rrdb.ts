/**
 * RRDBNet, ESRGAN's network (ESRGAN, Real-ESRGAN x4plus / x2plus / x4plus_anime_6B and most
 * OpenModelDB upscalers): conv_first, num_block Residual-in-Residual Dense Blocks and conv_body
 * with a skip around them, nearest ×2 upsamples each followed by a conv and LeakyReLU(0.2), then
 * conv_hr + LeakyReLU and conv_last. A dense block's five convs each see the concatenation of
 * its input and all earlier outputs; it returns x + 0.2·conv5, and an RRDB x + 0.2·rdb3(rdb2(rdb1(x))).
 *
 * ×2 and ×1 models (basicsr) pixel-unshuffle the input by 2 or 4 first, so conv_first sees 12 or
 * 48 channels and the input's height and width must be multiples of 2 or 4.
 *
 * Three key layouts name the same network:
 * - basicsr (`rrdb`): conv_first, body.N.rdb1.conv1, conv_body, conv_up1, conv_up2, conv_hr, conv_last;
 * - ESRGAN's RRDBNet_arch.py (`rrdb-trunk`): conv_first, RRDB_trunk.N.RDB1.conv1, trunk_conv,
 *   upconv1, upconv2, HRconv, conv_last;
 * - the original ESRGAN `architecture.py` (`rrdb-old`), one flattened nn.Sequential (see
 *   {@link oldTail}): model.0, model.1.sub.N.RDB1.conv1.0, model.1.sub.<num_block>, then the
 *   upsampler and HR convs.
 */
import { RpcError } from '../../../contract/errors.js';
import type { StateDict } from '../checkpoint/types.js';
import type { ModelSpec } from '../onnx/build.js';
import { GRAPH_INPUT, GRAPH_OUTPUT, GraphBuilder, SR_CONVENTION, spaceToDepthWeights } from './graph.js';
import type { ArchInfo, Architecture } from './types.js';
import { dimOf, formatShape, indicesOf, rejectUnexpected, shapedTensor, tensorOf } from './weights.js';

const NEGATIVE_SLOPE = 0.2;
const RESIDUAL_SCALE = 0.2;

/** The convs after the trunk, by module name. */
interface Tail {
  /** One conv per nearest ×2 upsample, in order. */
  upsamplers: string[];
  hr: string;
  last: string;
}

/** Where one key layout keeps each conv (module names, without `.weight` / `.bias`). */
interface Layout {
  arch: 'rrdb' | 'rrdb-trunk' | 'rrdb-old';
  /** For messages: which network and key layout the checkpoint was read as. */
  label: string;
  /** Keys that only this layout has; all present means the checkpoint is in it. */
  markers: string[];
  /** Captures the RRDB index N of every key inside the trunk's blocks. */
  blockKey: RegExp;
  first: string;
  /** Conv `conv` (1–5) of dense block `rdb` (1–3) of RRDB `block`. */
  dense(block: number, rdb: number, conv: number): string;
  /** The conv closing the trunk, after `numBlock` RRDBs. */
  body(numBlock: number): string;
  tail(weights: StateDict): Tail;
}

/** `prefix1`, `prefix2`, … for as long as the checkpoint has them. */
function numbered(weights: StateDict, prefix: string): string[] {
  const modules: string[] = [];
  while (weights.has(`${prefix}${modules.length + 1}.weight`)) modules.push(`${prefix}${modules.length + 1}`);
  return modules;
}

const OLD_LABEL = 'RRDBNet (original ESRGAN keys)';

/**
 * The original ESRGAN builds `model` as one flattened Sequential: 0 conv_first, 1 the trunk
 * (ShortcutBlock `sub`), then per ×2 upsampler [Upsample, Conv, LeakyReLU], then [Conv,
 * LeakyReLU] and the last Conv. With n upsamplers their convs are model.(3 + 3k), the HR conv
 * model.(2 + 3n) and the last model.(4 + 3n): model.3, 6, 8, 10 for ×4; model.3, 5, 7 for ×2.
 * (ESRGAN's rare ×3 models have one ×3 upsampler, which no weight records: they read as ×2.)
 */
function oldTail(weights: StateDict): Tail {
  const convs = indicesOf(weights, /^model\.(\d+)\.weight$/).filter((k) => k >= 2);
  const n = convs.length - 2;
  const wanted = n < 0 ? [] : [...Array.from({ length: n }, (_, k) => 3 + 3 * k), 2 + 3 * n, 4 + 3 * n];
  if (n < 0 || wanted.some((k, i) => convs[i] !== k)) {
    const found = convs.length === 0 ? 'none' : convs.map((k) => `model.${k}`).join(', ');
    throw new RpcError(
      'BAD_CHECKPOINT',
      `${OLD_LABEL} checkpoint: the convs after the trunk are at ${found}; expected one at model.(3 + 3k) ` +
        'per nearest ×2 upsampler, then model.(2 + 3n) and model.(4 + 3n) (×4: model.3, model.6, model.8, model.10)',
    );
  }
  return {
    upsamplers: convs.slice(0, n).map((k) => `model.${k}`),
    hr: `model.${2 + 3 * n}`,
    last: `model.${4 + 3 * n}`,
  };
}

const LAYOUTS: Layout[] = [
  {
    arch: 'rrdb',
    label: 'RRDBNet',
    markers: ['conv_first.weight', 'body.0.rdb1.conv1.weight'],
    blockKey: /^body\.(\d+)\.rdb\d+\./,
    first: 'conv_first',
    dense: (block, rdb, conv) => `body.${block}.rdb${rdb}.conv${conv}`,
    body: () => 'conv_body',
    tail: (weights) => ({ upsamplers: numbered(weights, 'conv_up'), hr: 'conv_hr', last: 'conv_last' }),
  },
  {
    arch: 'rrdb-trunk',
    label: 'RRDBNet (ESRGAN RRDB_trunk keys)',
    markers: ['conv_first.weight', 'RRDB_trunk.0.RDB1.conv1.weight'],
    blockKey: /^RRDB_trunk\.(\d+)\.RDB\d+\./,
    first: 'conv_first',
    dense: (block, rdb, conv) => `RRDB_trunk.${block}.RDB${rdb}.conv${conv}`,
    body: () => 'trunk_conv',
    tail: (weights) => ({ upsamplers: numbered(weights, 'upconv'), hr: 'HRconv', last: 'conv_last' }),
  },
  {
    arch: 'rrdb-old',
    label: OLD_LABEL,
    markers: ['model.0.weight', 'model.1.sub.0.RDB1.conv1.0.weight'],
    blockKey: /^model\.1\.sub\.(\d+)\.RDB\d+\./,
    first: 'model.0',
    dense: (block, rdb, conv) => `model.1.sub.${block}.RDB${rdb}.conv${conv}.0`,
    body: (numBlock) => `model.1.sub.${numBlock}`,
    tail: oldTail,
  },
];

/** conv_first's input channels → the pixel-unshuffle factor applied before it. */
const UNSHUFFLE_BY_CHANNELS = new Map([
  [3, 1],
  [12, 2],
  [48, 4],
]);

function unshuffleOf(inChannels: number, layout: Layout): number {
  const factor = UNSHUFFLE_BY_CHANNELS.get(inChannels);
  if (factor === undefined) {
    throw new RpcError(
      'BAD_CHECKPOINT',
      `${layout.label} checkpoint: ${layout.first}.weight takes ${inChannels} input channels, expected 3 (RGB), ` +
        '12 (pixel-unshuffled by 2, ×2 models) or 48 (by 4, ×1 models)',
    );
  }
  return factor;
}

function layoutFor(arch: string): Layout {
  const layout = LAYOUTS.find((l) => l.arch === arch);
  if (!layout) throw new Error(`not an RRDBNet layout: ${arch}`);
  return layout;
}

function detect(weights: StateDict): ArchInfo | null {
  const layout = LAYOUTS.find((l) => l.markers.every((key) => weights.has(key)));
  if (!layout) return null;
  const network = layout.label;
  const firstKey = `${layout.first}.weight`;
  const first = tensorOf(weights, firstKey, network);
  const numFeat = dimOf(first, 0, 4, firstKey, network);
  const inChannels = dimOf(first, 1, 4, firstKey, network);
  const unshuffle = unshuffleOf(inChannels, layout);
  const growKey = `${layout.dense(0, 1, 1)}.weight`;
  const numGrow = dimOf(tensorOf(weights, growKey, network), 0, 4, growKey, network);
  const numBlock = Math.max(...indicesOf(weights, layout.blockKey)) + 1;

  const expected = new Set<string>();
  const conv = (module: string, outChannels: number, inputs: number) => {
    for (const [key, shape] of [
      [`${module}.weight`, [outChannels, inputs, 3, 3]],
      [`${module}.bias`, [outChannels]],
    ] as const) {
      shapedTensor(weights, key, shape, network);
      expected.add(key);
    }
  };
  conv(layout.first, numFeat, inChannels);
  for (let block = 0; block < numBlock; block += 1) {
    for (let rdb = 1; rdb <= 3; rdb += 1) {
      for (let k = 1; k <= 5; k += 1) {
        conv(layout.dense(block, rdb, k), k === 5 ? numFeat : numGrow, numFeat + (k - 1) * numGrow);
      }
    }
  }
  conv(layout.body(numBlock), numFeat, numFeat);
  const tail = layout.tail(weights);
  for (const module of [...tail.upsamplers, tail.hr]) conv(module, numFeat, numFeat);
  conv(tail.last, 3, numFeat);
  rejectUnexpected(weights, expected, network);

  const upscale = 2 ** tail.upsamplers.length;
  if (upscale % unshuffle !== 0) {
    throw new RpcError(
      'BAD_CHECKPOINT',
      `${network} checkpoint: ${tail.upsamplers.length} ×2 upsampler(s) after a pixel-unshuffle by ${unshuffle} ` +
        `(${firstKey} ${formatShape(first.shape)}) would shrink the image`,
    );
  }
  return {
    arch: layout.arch,
    task: 'upscale',
    scale: upscale / unshuffle,
    params: { num_feat: numFeat, num_block: numBlock, num_grow_ch: numGrow },
    convention: SR_CONVENTION,
    inputMultiple: unshuffle,
  };
}

/** x + 0.2·conv5(cat(x, x1…x4)), where x_k = lrelu(conv_k(cat(x, x1…x_{k−1}))). */
function denseBlock(g: GraphBuilder, layout: Layout, x: string, block: number, rdb: number): string {
  const features = [x];
  for (let k = 1; k <= 4; k += 1) {
    const module = layout.dense(block, rdb, k);
    const input = k === 1 ? x : g.concat(features, `${module}/concat`);
    features.push(g.leakyRelu(g.conv(input, module), NEGATIVE_SLOPE, `${module}/lrelu`));
  }
  const module = layout.dense(block, rdb, 5);
  const x5 = g.conv(g.concat(features, `${module}/concat`), module);
  return g.add(x, g.scale(x5, RESIDUAL_SCALE, `${module}/scaled`), `${module}/residual`);
}

/** x + 0.2·rdb3(rdb2(rdb1(x))). */
function rrdbBlock(g: GraphBuilder, layout: Layout, x: string, block: number): string {
  let out = x;
  for (let rdb = 1; rdb <= 3; rdb += 1) out = denseBlock(g, layout, out, block, rdb);
  const name = `rrdb${block}`;
  return g.add(x, g.scale(out, RESIDUAL_SCALE, `${name}/scaled`), `${name}/residual`);
}

function build(weights: StateDict, info: ArchInfo): ModelSpec {
  const layout = layoutFor(info.arch);
  const numBlock = info.params.num_block ?? 0;
  const unshuffle = info.inputMultiple;
  const g = new GraphBuilder(weights, layout.label);

  let x = GRAPH_INPUT;
  let firstWeight: Float32Array | undefined;
  if (unshuffle > 1) {
    const first = tensorOf(weights, `${layout.first}.weight`, layout.label);
    x = g.spaceToDepth(x, unshuffle, 'pixel_unshuffle');
    firstWeight = spaceToDepthWeights(first.data, first.shape, unshuffle);
  }
  const feat = g.conv(x, layout.first, firstWeight ? { weight: firstWeight } : {});
  let trunk = feat;
  for (let block = 0; block < numBlock; block += 1) trunk = rrdbBlock(g, layout, trunk, block);
  let y = g.add(feat, g.conv(trunk, layout.body(numBlock)), 'trunk/residual');

  const tail = layout.tail(weights);
  for (const module of tail.upsamplers) {
    const up = g.upsampleNearest(y, 2, `${module}/upsample`);
    y = g.leakyRelu(g.conv(up, module), NEGATIVE_SLOPE, `${module}/lrelu`);
  }
  y = g.leakyRelu(g.conv(y, tail.hr), NEGATIVE_SLOPE, `${tail.hr}/lrelu`);
  g.conv(y, tail.last, { into: GRAPH_OUTPUT });
  return g.spec(
    'RRDBNet',
    `${layout.label} x${info.scale} (num_feat ${info.params.num_feat}, num_block ${numBlock}, ` +
      `num_grow_ch ${info.params.num_grow_ch}), rebuilt from PyTorch weights`,
  );
}

/** RRDBNet in any of its three key layouts, any num_block, num_feat and num_grow_ch. */
export const rrdbArchitecture: Architecture = { name: 'RRDBNet', detect, build };
