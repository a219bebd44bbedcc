/**
 * Tiny in-memory ONNX "super-resolution" models with exactly known behaviour, for testing the
 * tiling pipeline against onnxruntime-node without shipping real weights.
 *
 * Every model: opset 17, IR version 8, input `input` float32 `[1, C, 'height', 'width']`, output
 * `output` float32 `[1, C, 'out_height', 'out_width']` where out = in × scale, NCHW. Pass
 * `{ dynamicBatch: true }` to make the batch dim symbolic (`'batch'`) instead of fixed 1.
 */
import * as ort from 'onnxruntime-node';
import {
  attr,
  buildModel,
  floatTensor,
  type NodeSpec,
  type TensorSpec,
} from '../../../core/features/enhance/onnx/build.js';

export { attr, buildModel, floatTensor, int64Tensor } from '../../../core/features/enhance/onnx/build.js';
export type {
  AttributeSpec,
  ModelSpec,
  NodeSpec,
  TensorSpec,
  ValueSpec,
} from '../../../core/features/enhance/onnx/build.js';

/** Options shared by the model factories. */
export interface UpscaleModelOptions {
  /** Symbolic batch dim `'batch'` instead of a fixed 1 (the ops used all accept any batch). */
  dynamicBatch?: boolean;
}

interface Part {
  nodes: NodeSpec[];
  initializers: TensorSpec[];
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 1)
    throw new Error(`scale must be a positive integer, got ${scale}`);
}

function checkChannels(channels: number): void {
  if (!Number.isInteger(channels) || channels < 1)
    throw new Error(`channels must be a positive integer, got ${channels}`);
}

/**
 * Nearest upscale `from` → `output` with `Resize` (mode nearest, coordinate_transformation_mode
 * asymmetric, nearest_mode floor, scales [1, 1, s, s]): out(y, x) = in(floor(y / s), floor(x / s)).
 */
function nearestTail(from: string, scale: number): Part {
  return {
    nodes: [
      {
        opType: 'Resize',
        name: 'upscale',
        inputs: [from, '', 'upscale_scales'],
        outputs: ['output'],
        attributes: {
          mode: attr.string('nearest'),
          coordinate_transformation_mode: attr.string('asymmetric'),
          nearest_mode: attr.string('floor'),
        },
      },
    ],
    initializers: [floatTensor('upscale_scales', [4], [1, 1, scale, scale])],
  };
}

function finish(
  parts: Part[],
  scale: number,
  channels: number,
  options: UpscaleModelOptions,
  doc: string,
): Uint8Array {
  const batch = options.dynamicBatch ? 'batch' : 1;
  return buildModel({
    nodes: parts.flatMap((p) => p.nodes),
    initializers: parts.flatMap((p) => p.initializers),
    inputs: [{ name: 'input', shape: [batch, channels, 'height', 'width'] }],
    outputs: [{ name: 'output', shape: [batch, channels, 'out_height', 'out_width'] }],
    graphName: `x${scale}`,
    docString: doc,
  });
}

/**
 * A model whose output is the input upscaled by the integer `scale` with nearest neighbour:
 * `output[n, c, y, x] = input[n, c, floor(y / scale), floor(x / scale)]`, bit-exact.
 *
 * @example
 * const bytes = nearestUpscaleModel(4); // [1,3,H,W] -> [1,3,4H,4W]
 * const { data, dims } = await runModel(bytes, pixels, [1, 3, h, w]);
 */
export function nearestUpscaleModel(
  scale: number,
  channels = 3,
  options: UpscaleModelOptions = {},
): Uint8Array {
  checkScale(scale);
  checkChannels(channels);
  return finish([nearestTail('input', scale)], scale, channels, options, `nearest x${scale}`);
}

/**
 * {@link nearestUpscaleModel} that only takes heights and widths divisible by `multiple`, as
 * RRDBNet ×2 / ×1 (which pixel-unshuffle their input): SpaceToDepth and DepthToSpace by
 * `multiple` (an identity, and an error for other sizes) before the nearest upscale.
 */
export function multipleOnlyModel(scale: number, multiple: number): Uint8Array {
  checkScale(scale);
  const block = { blocksize: attr.int(multiple) };
  return finish(
    [
      {
        nodes: [
          { opType: 'SpaceToDepth', inputs: ['input'], outputs: ['packed'], attributes: block },
          { opType: 'DepthToSpace', inputs: ['packed'], outputs: ['unpacked'], attributes: block },
        ],
        initializers: [],
      },
      nearestTail('unpacked', scale),
    ],
    scale,
    3,
    {},
    `nearest x${scale}, sizes divisible by ${multiple}`,
  );
}

/**
 * A model that applies a 3×3 depthwise box blur (Conv, group = C, all weights float32(1/9), zero
 * padding [1, 1, 1, 1], no bias) and then the nearest upscale of {@link nearestUpscaleModel}.
 * Each output pixel depends on a 3×3 input neighbourhood (receptive field 1 px each side), so
 * tiles with less than 1 px of overlap show seams; the zero padding only matters at true image
 * borders.
 */
export function blurUpscaleModel(scale: number, channels = 3, options: UpscaleModelOptions = {}): Uint8Array {
  checkScale(scale);
  checkChannels(channels);
  const blur: Part = {
    nodes: [
      {
        opType: 'Conv',
        name: 'box_blur',
        inputs: ['input', 'blur_weight'],
        outputs: ['blurred'],
        attributes: {
          group: attr.int(channels),
          kernel_shape: attr.ints([3, 3]),
          pads: attr.ints([1, 1, 1, 1]),
          strides: attr.ints([1, 1]),
          dilations: attr.ints([1, 1]),
        },
      },
    ],
    initializers: [
      floatTensor('blur_weight', [channels, 1, 3, 3], new Array<number>(channels * 9).fill(1 / 9)),
    ],
  };
  return finish(
    [blur, nearestTail('blurred', scale)],
    scale,
    channels,
    options,
    `box blur 3x3 then nearest x${scale}`,
  );
}

/**
 * A model computing `nearest_upscale(a · input + b)` with `Mul` then `Add` (float32 arithmetic).
 * `a` and `b` are either one number for all channels or one number per channel (length
 * `channels`, broadcast as `[1, C, 1, 1]`), which makes channel order visible in the output.
 */
export function affineUpscaleModel(
  scale: number,
  a: number | readonly number[],
  b: number | readonly number[],
  channels = 3,
  options: UpscaleModelOptions = {},
): Uint8Array {
  checkScale(scale);
  checkChannels(channels);
  const constant = (name: string, v: number | readonly number[]): TensorSpec => {
    if (typeof v === 'number') return floatTensor(name, [], [v]);
    if (v.length !== channels) throw new Error(`${name}: ${v.length} values for ${channels} channels`);
    return floatTensor(name, [1, channels, 1, 1], v);
  };
  const affine: Part = {
    nodes: [
      { opType: 'Mul', name: 'scale_values', inputs: ['input', 'affine_a'], outputs: ['scaled'] },
      { opType: 'Add', name: 'shift_values', inputs: ['scaled', 'affine_b'], outputs: ['shifted'] },
    ],
    initializers: [constant('affine_a', a), constant('affine_b', b)],
  };
  return finish(
    [affine, nearestTail('shifted', scale)],
    scale,
    channels,
    options,
    `affine then nearest x${scale}`,
  );
}

/** Result of one inference: the `output` tensor's data and dims. */
export interface ModelResult {
  data: Float32Array;
  dims: number[];
}

/** Opens an onnxruntime-node CPU session on model bytes (release it with `session.release()`). */
export function openModel(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
}

/** Runs an open session on one float32 NCHW input named `input` and returns `output`. */
export async function runSession(
  session: ort.InferenceSession,
  input: Float32Array,
  dims: number[],
): Promise<ModelResult> {
  const results = await session.run({ input: new ort.Tensor('float32', input, dims) });
  const output = results.output;
  if (!output) throw new Error(`model has no output named "output" (got ${Object.keys(results).join(', ')})`);
  if (!(output.data instanceof Float32Array)) throw new Error(`output is ${output.type}, expected float32`);
  return { data: output.data, dims: [...output.dims] };
}

/**
 * One-shot helper: opens a session on `bytes`, runs `input` (float32, shape `dims`), releases
 * the session and returns the `output` tensor.
 *
 * @example
 * const out = await runModel(nearestUpscaleModel(2), new Float32Array(3 * 4 * 5), [1, 3, 4, 5]);
 * // out.dims = [1, 3, 8, 10]
 */
export async function runModel(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<ModelResult> {
  const session = await openModel(bytes);
  try {
    return await runSession(session, input, dims);
  } finally {
    await session.release();
  }
}
