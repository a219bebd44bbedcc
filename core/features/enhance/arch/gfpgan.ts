/**
 * GFPGANv1Clean (the network of GFPGAN v1.3 and v1.4) rebuilt as an ONNX graph from its PyTorch
 * weights, following `gfpgan/archs/gfpganv1_clean_arch.py` and `stylegan2_clean_arch.py` of
 * TencentARC/GFPGAN as the released models are built (`input_is_latent=True`, `different_w=True`,
 * `randomize_noise=False` at inference):
 *
 * - a U-Net encoder of ResBlocks that resample bilinearly (`align_corners=False`) whose bottleneck
 *   gives, through `final_linear`, one style latent per decoder layer;
 * - its upsampling half, whose features at each resolution become SFT scales and shifts;
 * - a StyleGAN2 decoder whose modulated convolutions are computed in the graph (the style
 *   modulates, then demodulates, the weight, which feeds a Conv as a graph value), with the
 *   checkpoint's fixed noise buffers and the SFT conditions applied after each upsampling conv.
 *
 * The graph takes and returns RGB in [-1, 1] at the fixed out_size (512 for the released models).
 * Initializers share the checkpoint's Float32Arrays: building never copies the ~80 M weights.
 */
import { RpcError } from '../../../contract/errors.js';
import type { ModelConvention } from '../catalog.js';
import type { CheckpointTensor, StateDict } from '../checkpoint/types.js';
import {
  attr,
  floatTensor,
  int64Tensor,
  type AttributeSpec,
  type ModelSpec,
  type NodeSpec,
  type TensorSpec,
} from '../onnx/build.js';
import type { ArchInfo, Architecture } from './types.js';

/** What detection reads from the shapes; everything else about the network follows from it. */
interface Layout {
  outSize: number;
  /** log2(outSize): the decoder runs from 4×4 to 2^logSize. */
  logSize: number;
  numStyleFeat: number;
  channelMultiplier: number;
  narrow: number;
  /** SFT on the second half of the decoder channels only (v1.3 and v1.4) or on all of them. */
  sftHalf: boolean;
}

/** ResBlocks in each half of the U-Net: one per halving from outSize down to 4×4. */
const levelsOf = (layout: Layout): number => layout.logSize - 2;
/** Style latents: style_conv1 and to_rgb1, then two convs and a ToRGB per level (the ToRGB's shared). */
const latentsOf = (layout: Layout): number => layout.logSize * 2 - 2;
/** Noise buffers: style_conv1's plus the two style convs of each level. */
const noisesOf = (layout: Layout): number => levelsOf(layout) * 2 + 1;

/**
 * The channel table of StyleGAN2 and GFPGAN at a resolution: 512 up to 32×32, then halving per
 * doubling times the channel multiplier, scaled by `narrow` and truncated as Python's `int()` does.
 */
function channelsAt(resolution: number, multiplier: number, narrow: number): number {
  const base = resolution <= 32 ? 512 : (16384 / resolution) * multiplier;
  return Math.trunc(base * narrow);
}

/** The StyleGAN2 decoder's channels at a resolution. */
const decoderChannels = (layout: Layout, resolution: number): number =>
  channelsAt(resolution, layout.channelMultiplier, layout.narrow);

/** The U-Net's channels: half the decoder's (`unet_narrow = narrow * 0.5`). */
const unetChannels = (layout: Layout, resolution: number): number =>
  channelsAt(resolution, layout.channelMultiplier, layout.narrow * 0.5);

const DECODER = 'stylegan_decoder';

function badCheckpoint(message: string, details?: unknown): RpcError {
  return new RpcError('BAD_CHECKPOINT', `GFPGANv1Clean checkpoint: ${message}`, details);
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

function tensorOf(weights: StateDict, key: string): CheckpointTensor {
  const tensor = weights.get(key);
  if (!tensor) throw badCheckpoint(`the tensor ${key} is missing`, { tensor: key });
  return tensor;
}

/** Dimension `index` of a tensor detection reads a size from, checked to exist. */
function dimOf(weights: StateDict, key: string, index: number, rank: number): number {
  const { shape } = tensorOf(weights, key);
  const size = shape[index];
  if (shape.length !== rank || size === undefined || size <= 0) {
    throw badCheckpoint(`${key} is ${shapeText(shape)}, expected a ${rank}-D tensor`, {
      tensor: key,
      shape,
    });
  }
  return size;
}

/**
 * The clean arch's keys: plain `conv_body_first.weight` beside a `stylegan_decoder`. GFPGANv1 and
 * GFPGANBilinear name their layers `conv_body_first.0.weight` (ConvLayer sequences, EqualConv
 * scaling, fused activations): another network, so not claimed here.
 */
function looksLikeGfpganClean(weights: StateDict): boolean {
  let decoder = false;
  let body = false;
  for (const key of weights.keys()) {
    if (key.startsWith(`${DECODER}.`)) decoder = true;
    else if (key.startsWith('conv_body_')) body = true;
  }
  return decoder && body && !weights.has('conv_body_first.0.weight');
}

/** Reads the network's sizes from a few shapes; {@link checkShapes} then checks every tensor. */
function readLayout(weights: StateDict): Layout {
  let levels = 0;
  while (weights.has(`conv_body_down.${levels}.conv1.weight`)) levels += 1;
  if (levels === 0) throw badCheckpoint('the tensor conv_body_down.0.conv1.weight is missing');
  const logSize = levels + 2;
  const outSize = 2 ** logSize;
  const topChannels = dimOf(weights, `${DECODER}.constant_input.weight`, 1, 4);
  const narrow = topChannels / 512;
  const numStyleFeat = dimOf(weights, `${DECODER}.style_conv1.modulated_conv.modulation.weight`, 1, 2);
  // Up to 32×32 the channel multiplier changes no shape at all; then 1 is as good as any.
  const firstChannels = dimOf(weights, 'conv_body_first.weight', 0, 4);
  const channelMultiplier =
    outSize <= 32 ? 1 : Math.max(1, Math.round(firstChannels / ((16384 / outSize) * narrow * 0.5)));
  const layout: Layout = { outSize, logSize, numStyleFeat, channelMultiplier, narrow, sftHalf: true };
  // SFT on half the channels conditions them with as many channels as the U-Net has; on all of
  // them, with twice as many.
  const sftChannels = dimOf(weights, 'condition_scale.0.2.weight', 0, 4);
  return { ...layout, sftHalf: sftChannels !== 2 * unetChannels(layout, 8) };
}

/** Every tensor the graph uses, with the shape the layout requires of it. */
function expectedShapes(layout: Layout): [string, number[]][] {
  const shapes: [string, number[]][] = [];
  const conv = (key: string, out: number, inp: number, kernel: number, bias = true) => {
    shapes.push([`${key}.weight`, [out, inp, kernel, kernel]]);
    if (bias) shapes.push([`${key}.bias`, [out]]);
  };
  const resBlock = (key: string, inp: number, out: number) => {
    conv(`${key}.conv1`, inp, inp, 3);
    conv(`${key}.conv2`, out, inp, 3);
    conv(`${key}.skip`, out, inp, 1, false);
  };
  const levels = levelsOf(layout);
  const style = layout.numStyleFeat;
  const top = unetChannels(layout, 4);

  conv('conv_body_first', unetChannels(layout, layout.outSize), 3, 1);
  for (let k = 0; k < levels; k += 1) {
    const resolution = 2 ** (layout.logSize - k);
    resBlock(`conv_body_down.${k}`, unetChannels(layout, resolution), unetChannels(layout, resolution / 2));
  }
  conv('final_conv', top, top, 3);
  shapes.push(['final_linear.weight', [latentsOf(layout) * style, top * 16]]);
  shapes.push(['final_linear.bias', [latentsOf(layout) * style]]);
  for (let k = 0; k < levels; k += 1) {
    const resolution = 2 ** (k + 3);
    const channels = unetChannels(layout, resolution);
    resBlock(`conv_body_up.${k}`, unetChannels(layout, resolution / 2), channels);
    const sftChannels = layout.sftHalf ? channels : channels * 2;
    for (const branch of ['condition_scale', 'condition_shift']) {
      conv(`${branch}.${k}.0`, channels, channels, 3);
      conv(`${branch}.${k}.2`, sftChannels, channels, 3);
    }
  }

  const modulated = (key: string, out: number, inp: number, kernel: number) => {
    shapes.push([`${key}.modulated_conv.weight`, [1, out, inp, kernel, kernel]]);
    shapes.push([`${key}.modulated_conv.modulation.weight`, [inp, style]]);
    shapes.push([`${key}.modulated_conv.modulation.bias`, [inp]]);
  };
  const styleConv = (key: string, inp: number, out: number) => {
    modulated(key, out, inp, 3);
    shapes.push([`${key}.weight`, [1]]);
    shapes.push([`${key}.bias`, [1, out, 1, 1]]);
  };
  const toRgb = (key: string, inp: number) => {
    modulated(key, 3, inp, 1);
    shapes.push([`${key}.bias`, [1, 3, 1, 1]]);
  };
  const first = decoderChannels(layout, 4);
  shapes.push([`${DECODER}.constant_input.weight`, [1, first, 4, 4]]);
  styleConv(`${DECODER}.style_conv1`, first, first);
  toRgb(`${DECODER}.to_rgb1`, first);
  for (let k = 0; k < levels; k += 1) {
    const inp = decoderChannels(layout, 2 ** (k + 2));
    const out = decoderChannels(layout, 2 ** (k + 3));
    styleConv(`${DECODER}.style_convs.${2 * k}`, inp, out);
    styleConv(`${DECODER}.style_convs.${2 * k + 1}`, out, out);
    toRgb(`${DECODER}.to_rgbs.${k}`, out);
  }
  for (let k = 0; k < noisesOf(layout); k += 1) {
    const resolution = 2 ** ((k + 5) >> 1);
    shapes.push([`${DECODER}.noises.noise${k}`, [1, 1, resolution, resolution]]);
  }
  return shapes;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, k) => d === b[k]);

/**
 * Throws BAD_CHECKPOINT naming the first tensor the graph needs that is missing or misshapen.
 * Tensors the released checkpoints carry but inference never reads (`stylegan_decoder.style_mlp`,
 * unused since the encoder's output already is the latent; the U-Net's intermediate `toRGB`
 * heads, a training loss) are not looked at.
 */
function checkShapes(weights: StateDict, layout: Layout): void {
  for (const [key, expected] of expectedShapes(layout)) {
    const tensor = weights.get(key);
    if (!tensor) {
      throw badCheckpoint(`the tensor ${key} is missing (expected ${shapeText(expected)})`, {
        tensor: key,
        expected,
      });
    }
    if (!sameShape(tensor.shape, expected)) {
      const hint =
        key === 'final_linear.weight'
          ? ` (one ${layout.numStyleFeat}-wide latent for each of the ${latentsOf(layout)} decoder` +
            ' layers, as GFPGAN v1.3 and v1.4 are built with different_w)'
          : '';
      throw badCheckpoint(`${key} is ${shapeText(tensor.shape)}, expected ${shapeText(expected)}${hint}`, {
        tensor: key,
        shape: tensor.shape,
        expected,
      });
    }
  }
  // The depth is read from conv_body_down alone; a decoder deeper than that is another network.
  const levels = levelsOf(layout);
  for (const deeper of [
    `conv_body_up.${levels}.conv1.weight`,
    `${DECODER}.style_convs.${2 * levels}.modulated_conv.weight`,
  ]) {
    if (weights.has(deeper)) {
      throw badCheckpoint(
        `${deeper} is a level deeper than the ${levels} of conv_body_down (out_size ${layout.outSize})`,
        { tensor: deeper },
      );
    }
  }
}

function conventionOf(layout: Layout): ModelConvention {
  return {
    layout: 'NCHW',
    channels: 'RGB',
    range: [0, 1],
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    size: [layout.outSize, layout.outSize],
  };
}

function paramsOf(layout: Layout): Record<string, number> {
  return {
    out_size: layout.outSize,
    num_style_feat: layout.numStyleFeat,
    channel_multiplier: layout.channelMultiplier,
    narrow: layout.narrow,
    sft_half: layout.sftHalf ? 1 : 0,
  };
}

function layoutOfParams(params: Record<string, number>): Layout {
  const read = (name: string): number => {
    const value = params[name];
    if (value === undefined) throw new Error(`gfpgan-v1-clean ArchInfo has no param ${name}`);
    return value;
  };
  const outSize = read('out_size');
  return {
    outSize,
    logSize: Math.log2(outSize),
    numStyleFeat: read('num_style_feat'),
    channelMultiplier: read('channel_multiplier'),
    narrow: read('narrow'),
    sftHalf: read('sft_half') === 1,
  };
}

/**
 * Collects nodes and initializers. Checkpoint tensors become initializers under their own names,
 * once, sharing their data; value names are unique by construction and checked.
 */
class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];
  private readonly values = new Set<string>(['input']);
  private readonly constants = new Set<string>();

  constructor(private readonly weights: StateDict) {}

  /** A checkpoint tensor's shape (BAD_CHECKPOINT when it is missing). */
  shapeOf(key: string): number[] {
    return tensorOf(this.weights, key).shape;
  }

  /** The checkpoint tensor `key` as an initializer; `dropLeading` drops a leading 1 from its dims. */
  weight(key: string, dropLeading = false): string {
    if (!this.constants.has(key)) {
      const { shape, data } = tensorOf(this.weights, key);
      this.addInitializer({ name: key, dims: dropLeading ? shape.slice(1) : [...shape], data });
    }
    return key;
  }

  /** A small constant, made and added the first time `name` is asked for. */
  constant(name: string, make: (name: string) => TensorSpec): string {
    if (!this.constants.has(name)) this.addInitializer(make(name));
    return name;
  }

  /** Whether `name` is already defined (for values computed once and read twice). */
  has(name: string): boolean {
    return this.values.has(name);
  }

  node(opType: string, inputs: string[], output: string, attributes?: Record<string, AttributeSpec>): string {
    return this.multi(opType, inputs, [output], attributes)[0] ?? output;
  }

  /** A node with several outputs (Split). */
  multi(
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes?: Record<string, AttributeSpec>,
  ): string[] {
    this.nodes.push({ opType, inputs, outputs, ...(attributes && { attributes }) });
    outputs.forEach((name) => this.claim(name));
    return outputs;
  }

  private addInitializer(tensor: TensorSpec): void {
    this.claim(tensor.name);
    this.constants.add(tensor.name);
    this.initializers.push(tensor);
  }

  private claim(name: string): void {
    if (this.values.has(name)) throw new Error(`gfpgan graph: value ${name} defined twice`);
    this.values.add(name);
  }
}

const scalar = (value: number) => (name: string) => floatTensor(name, [], [value]);
const ints = (values: number[]) => (name: string) => int64Tensor(name, [values.length], values);

function leakyRelu(g: Graph, x: string, output: string): string {
  return g.node('LeakyRelu', [x], output, { alpha: attr.float(0.2) });
}

/** `nn.Conv2d` with 'same' padding (k // 2), its kernel read from the weight. */
function conv(g: Graph, x: string, key: string, output: string, bias = true): string {
  const kernel = g.shapeOf(`${key}.weight`)[2] ?? 1;
  const pad = kernel >> 1;
  const inputs = [x, g.weight(`${key}.weight`), ...(bias ? [g.weight(`${key}.bias`)] : [])];
  return g.node('Conv', inputs, output, { pads: attr.ints([pad, pad, pad, pad]) });
}

/**
 * `F.interpolate(x, scale_factor, mode='bilinear', align_corners=False)`: ONNX's half-pixel
 * linear Resize by the same scale samples at the same source coordinates, clamped at the edges
 * the same way (no antialiasing when halving, like PyTorch's default).
 */
function resize(g: Graph, x: string, factor: 0.5 | 2, output: string): string {
  const scales = g.constant(`resize.scales.${factor}`, (name) =>
    floatTensor(name, [4], [1, 1, factor, factor]),
  );
  return g.node('Resize', [x, '', scales], output, {
    mode: attr.string('linear'),
    coordinate_transformation_mode: attr.string('half_pixel'),
  });
}

/** The U-Net's ResBlock: conv, lrelu, resample, conv, lrelu, plus a resampled 1×1 skip. */
function resBlock(g: Graph, x: string, key: string, factor: 0.5 | 2): string {
  const first = leakyRelu(g, conv(g, x, `${key}.conv1`, `${key}.conv1`), `${key}.conv1.act`);
  const resampled = resize(g, first, factor, `${key}.resampled`);
  const second = leakyRelu(g, conv(g, resampled, `${key}.conv2`, `${key}.conv2`), `${key}.conv2.act`);
  const skip = conv(g, resize(g, x, factor, `${key}.skip.resampled`), `${key}.skip`, `${key}.skip`, false);
  return g.node('Add', [second, skip], `${key}.out`);
}

interface Encoded {
  /** The style latents, [numLatent, numStyleFeat]: row k feeds decoder layer k. */
  latents: string;
  /** SFT scale and shift for each level, from 8×8 up. */
  conditions: { scale: string; shift: string }[];
}

function condition(g: Graph, feat: string, key: string): string {
  const hidden = leakyRelu(g, conv(g, feat, `${key}.0`, `${key}.0`), `${key}.1`);
  return conv(g, hidden, `${key}.2`, `${key}.2`);
}

/** The U-Net: down to 4×4, the style latents from there, then up, with SFT conditions per level. */
function encode(g: Graph, layout: Layout): Encoded {
  const levels = levelsOf(layout);
  let feat = leakyRelu(g, conv(g, 'input', 'conv_body_first', 'conv_body_first'), 'conv_body_first.act');
  const skips: string[] = [];
  for (let k = 0; k < levels; k += 1) {
    feat = resBlock(g, feat, `conv_body_down.${k}`, 0.5);
    skips.unshift(feat);
  }
  feat = leakyRelu(g, conv(g, feat, 'final_conv', 'final_conv'), 'final_conv.act');

  const flat = g.node('Flatten', [feat], 'final_linear.in', { axis: attr.int(1) });
  const code = g.node(
    'Gemm',
    [flat, g.weight('final_linear.weight'), g.weight('final_linear.bias')],
    'final_linear',
    { transB: attr.int(1) },
  );
  const latentShape = g.constant('latents.shape', ints([latentsOf(layout), layout.numStyleFeat]));
  const latents = g.node('Reshape', [code, latentShape], 'latents');

  const conditions: Encoded['conditions'] = [];
  for (let k = 0; k < levels; k += 1) {
    const skip = skips[k];
    if (skip === undefined) throw new Error(`gfpgan graph: no U-Net skip for level ${k}`);
    feat = g.node('Add', [feat, skip], `conv_body_up.${k}.in`);
    feat = resBlock(g, feat, `conv_body_up.${k}`, 2);
    conditions.push({
      scale: condition(g, feat, `condition_scale.${k}`),
      shift: condition(g, feat, `condition_shift.${k}`),
    });
  }
  return { latents, conditions };
}

/** Row `index` of the latents as a [1, numStyleFeat] style (each row is read by up to two layers). */
function latentRow(g: Graph, latents: string, index: number): string {
  const name = `latent.${index}`;
  if (g.has(name)) return name;
  const at = g.constant(`${name}.index`, ints([index]));
  return g.node('Gather', [latents, at], name, { axis: attr.int(0) });
}

/**
 * StyleGAN2's ModulatedConv2d for batch 1: the style, through the `modulation` linear layer,
 * scales the weight's input channels; demodulation then divides each output filter by
 * sqrt(Σ w² + 1e-8); the input is upsampled bilinearly first where the layer upsamples.
 */
function modulatedConv(
  g: Graph,
  x: string,
  style: string,
  key: string,
  options: { demodulate: boolean; upsample: boolean },
): string {
  const weightKey = `${key}.modulated_conv.weight`;
  const kernel = g.shapeOf(weightKey)[3] ?? 1;
  const mod = g.node(
    'Gemm',
    [
      style,
      g.weight(`${key}.modulated_conv.modulation.weight`),
      g.weight(`${key}.modulated_conv.modulation.bias`),
    ],
    `${key}.modulation`,
    { transB: attr.int(1) },
  );
  const perInput = g.constant('modulation.shape', ints([1, -1, 1, 1]));
  const modulation = g.node('Reshape', [mod, perInput], `${key}.modulation.nchw`);
  let weight = g.node('Mul', [g.weight(weightKey, true), modulation], `${key}.modulated`);
  if (options.demodulate) {
    const squared = g.node('Mul', [weight, weight], `${key}.squared`);
    const axes = g.constant('demodulate.axes', ints([1, 2, 3]));
    const sum = g.node('ReduceSum', [squared, axes], `${key}.sum`, { keepdims: attr.int(1) });
    const eps = g.constant('demodulate.eps', scalar(1e-8));
    const norm = g.node('Sqrt', [g.node('Add', [sum, eps], `${key}.sum.eps`)], `${key}.norm`);
    weight = g.node('Div', [weight, norm], `${key}.demodulated`);
  }
  const source = options.upsample ? resize(g, x, 2, `${key}.upsampled`) : x;
  const pad = kernel >> 1;
  return g.node('Conv', [source, weight], `${key}.conv`, { pads: attr.ints([pad, pad, pad, pad]) });
}

/**
 * The clean arch's StyleConv: the modulated conv times √2, plus noise-strength × the fixed noise
 * buffer, plus the bias, then a plain leaky ReLU(0.2) (the √2 of StyleGAN2's fused activation is
 * applied before the noise and bias here, which the clean conversion folded into them).
 */
function styleConv(
  g: Graph,
  x: string,
  style: string,
  key: string,
  noise: number,
  upsample: boolean,
): string {
  const convolved = modulatedConv(g, x, style, key, { demodulate: true, upsample });
  const sqrt2 = g.constant('sqrt2', scalar(Math.SQRT2));
  const scaled = g.node('Mul', [convolved, sqrt2], `${key}.scaled`);
  const noiseKey = `${DECODER}.noises.noise${noise}`;
  const injected = g.node('Mul', [g.weight(`${key}.weight`), g.weight(noiseKey)], `${key}.noise`);
  const noisy = g.node('Add', [scaled, injected], `${key}.noisy`);
  const biased = g.node('Add', [noisy, g.weight(`${key}.bias`)], `${key}.biased`);
  return leakyRelu(g, biased, `${key}.out`);
}

/** ToRGB: a 1×1 modulated conv without demodulation, plus bias, plus the upsampled skip. */
function toRgb(
  g: Graph,
  x: string,
  style: string,
  key: string,
  skip: string | null,
  output = `${key}.out`,
): string {
  const convolved = modulatedConv(g, x, style, key, { demodulate: false, upsample: false });
  const bias = g.weight(`${key}.bias`);
  if (skip === null) return g.node('Add', [convolved, bias], output);
  const rgb = g.node('Add', [convolved, bias], `${key}.rgb`);
  return g.node('Add', [rgb, resize(g, skip, 2, `${key}.skip`)], output);
}

/**
 * Spatial feature transform: `x · scale + shift`, on the second half of the channels when the
 * network was built with `sft_half` (the first half passes unchanged).
 */
function sft(
  g: Graph,
  x: string,
  level: number,
  cond: Encoded['conditions'][number],
  layout: Layout,
): string {
  const key = `sft.${level}`;
  if (!layout.sftHalf) {
    return g.node('Add', [g.node('Mul', [x, cond.scale], `${key}.scaled`), cond.shift], `${key}.out`);
  }
  const half = decoderChannels(layout, 2 ** (level + 3)) / 2;
  const split = g.constant(`${key}.split`, ints([half, half]));
  const [same, rest] = g.multi('Split', [x, split], [`${key}.same`, `${key}.rest`], { axis: attr.int(1) });
  if (same === undefined || rest === undefined) throw new Error('gfpgan graph: Split lost an output');
  const scaled = g.node('Mul', [rest, cond.scale], `${key}.scaled`);
  const shifted = g.node('Add', [scaled, cond.shift], `${key}.shifted`);
  return g.node('Concat', [same, shifted], `${key}.out`, { axis: attr.int(1) });
}

/**
 * The StyleGAN2 decoder from the constant 4×4 input: latent k feeds layer k (style_conv1,
 * to_rgb1, then per level the upsampling conv, the conv and the ToRGB; a level's ToRGB and the
 * next level's upsampling conv read the same latent), noise k feeds style conv k.
 */
function decode(g: Graph, layout: Layout, encoded: Encoded): string {
  const latent = (k: number) => latentRow(g, encoded.latents, k);
  const constant = g.weight(`${DECODER}.constant_input.weight`);
  let out = styleConv(g, constant, latent(0), `${DECODER}.style_conv1`, 0, false);
  let skip = toRgb(g, out, latent(1), `${DECODER}.to_rgb1`, null);
  const levels = levelsOf(layout);
  for (let k = 0; k < levels; k += 1) {
    const cond = encoded.conditions[k];
    if (cond === undefined) throw new Error(`gfpgan graph: no SFT condition for level ${k}`);
    out = styleConv(g, out, latent(2 * k + 1), `${DECODER}.style_convs.${2 * k}`, 2 * k + 1, true);
    out = sft(g, out, k, cond, layout);
    out = styleConv(g, out, latent(2 * k + 2), `${DECODER}.style_convs.${2 * k + 1}`, 2 * k + 2, false);
    const last = k === levels - 1;
    skip = toRgb(g, out, latent(2 * k + 3), `${DECODER}.to_rgbs.${k}`, skip, last ? 'output' : undefined);
  }
  return skip;
}

/**
 * The tensors a GFPGANv1Clean checkpoint with these sizes holds (as `detect` reports them in
 * `params`), with their shapes: what `bench:convert` builds a GFPGAN-size checkpoint from.
 */
export function gfpganTensorShapes(params: Record<string, number>): [string, number[]][] {
  return expectedShapes(layoutOfParams(params));
}

export const gfpganV1Clean: Architecture = {
  name: 'GFPGANv1Clean',

  detect(weights: StateDict): ArchInfo | null {
    if (!looksLikeGfpganClean(weights)) return null;
    const layout = readLayout(weights);
    checkShapes(weights, layout);
    return {
      arch: 'gfpgan-v1-clean',
      task: 'face-restore',
      scale: 1,
      params: paramsOf(layout),
      convention: conventionOf(layout),
      inputMultiple: 1,
    };
  },

  build(weights: StateDict, info: ArchInfo): ModelSpec {
    const layout = layoutOfParams(info.params);
    checkShapes(weights, layout);
    const g = new Graph(weights);
    decode(g, layout, encode(g, layout));
    const size = layout.outSize;
    return {
      nodes: g.nodes,
      inputs: [{ name: 'input', shape: [1, 3, size, size] }],
      outputs: [{ name: 'output', shape: [1, 3, size, size] }],
      initializers: g.initializers,
      graphName: 'gfpgan-v1-clean',
      docString:
        `GFPGANv1Clean ${size}×${size}, num_style_feat ${layout.numStyleFeat}, channel_multiplier ` +
        `${layout.channelMultiplier}, narrow ${layout.narrow}, sft_half ${layout.sftHalf}; ` +
        'RGB in and out, normalised to [-1, 1].',
    };
  },
};
