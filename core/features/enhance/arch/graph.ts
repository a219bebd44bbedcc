/**
 * The few ONNX operators the super-resolution networks here are made of, with the checkpoint's
 * tensors as initializers named by their keys (`body.0.weight`), so a graph reads like the
 * PyTorch module it was rebuilt from. Every op returns the name of the value it produced.
 */
import type { ModelConvention } from '../catalog.js';
import type { StateDict } from '../checkpoint/types.js';
import {
  attr,
  floatTensor,
  type AttributeSpec,
  type ModelSpec,
  type NodeSpec,
  type TensorSpec,
} from '../onnx/build.js';
import { dimOf, tensorOf } from './weights.js';

/** How Real-ESRGAN's networks are fed: RGB in [0, 1], NCHW, any size. */
export const SR_CONVENTION: ModelConvention = {
  layout: 'NCHW',
  channels: 'RGB',
  range: [0, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  size: 'dynamic',
};

/** The graph's input: float32 [1, 3, height, width]. */
export const GRAPH_INPUT = 'input';
/** The graph's output: float32 [1, 3, out_height, out_width]. */
export const GRAPH_OUTPUT = 'output';

/** A checkpoint tensor's data reshaped or rewritten for the graph (same values count). */
export interface WeightOverride {
  dims?: number[];
  data?: Float32Array;
}

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers = new Map<string, TensorSpec>();
  private readonly values = new Set<string>([GRAPH_INPUT]);

  constructor(
    private readonly weights: StateDict,
    private readonly network: string,
  ) {}

  /**
   * The checkpoint tensor `key` as an initializer of the same name, added once. Its data is not
   * copied: the model bytes are written straight from the checkpoint's arrays.
   */
  weight(key: string, override: WeightOverride = {}): string {
    if (!this.initializers.has(key)) {
      const tensor = tensorOf(this.weights, key, this.network);
      this.initializers.set(key, {
        name: key,
        dims: override.dims ?? [...tensor.shape],
        data: override.data ?? tensor.data,
      });
    }
    return key;
  }

  /** A float32 scalar initializer (e.g. the residual scale 0.2), shared by every use. */
  constant(value: number): string {
    const name = `const_${value}`;
    if (!this.initializers.has(name)) this.initializers.set(name, floatTensor(name, [], [value]));
    return name;
  }

  /**
   * PyTorch's `nn.Conv2d(…, padding=k // 2)` (stride 1, with bias) of module `module`: its
   * `weight` [out, in, kh, kw] and `bias` [out]. `weight` may stand in for the stored weight
   * (conv_first's channels reordered for SpaceToDepth).
   */
  conv(x: string, module: string, options: { into?: string; weight?: Float32Array } = {}): string {
    const key = `${module}.weight`;
    const kernel = tensorOf(this.weights, key, this.network);
    const kh = dimOf(kernel, 2, 4, key, this.network);
    const kw = dimOf(kernel, 3, 4, key, this.network);
    const w = this.weight(key, options.weight ? { data: options.weight } : {});
    const inputs = [x, w, this.weight(`${module}.bias`)];
    return this.emit('Conv', inputs, module, options.into, {
      kernel_shape: attr.ints([kh, kw]),
      pads: attr.ints([kh >> 1, kw >> 1, kh >> 1, kw >> 1]),
      strides: attr.ints([1, 1]),
      dilations: attr.ints([1, 1]),
      group: attr.int(1),
    });
  }

  /** `nn.LeakyReLU(alpha)`. */
  leakyRelu(x: string, alpha: number, name: string): string {
    return this.emit('LeakyRelu', [x], name, undefined, { alpha: attr.float(alpha) });
  }

  /**
   * `nn.PReLU(C)` of module `module`: its `weight` [C] becomes the slope [C, 1, 1], which ONNX
   * broadcasts over N, H and W as PyTorch applies one slope per channel.
   */
  prelu(x: string, module: string): string {
    const key = `${module}.weight`;
    const slope = dimOf(tensorOf(this.weights, key, this.network), 0, 1, key, this.network);
    return this.emit('PRelu', [x, this.weight(key, { dims: [slope, 1, 1] })], module);
  }

  add(a: string, b: string, name: string, into?: string): string {
    return this.emit('Add', [a, b], name, into);
  }

  /** `x · factor` with a scalar constant. */
  scale(x: string, factor: number, name: string): string {
    return this.emit('Mul', [x, this.constant(factor)], name);
  }

  /** `torch.cat(xs, dim=1)`. */
  concat(xs: string[], name: string): string {
    return this.emit('Concat', xs, name, undefined, { axis: attr.int(1) });
  }

  /**
   * `F.interpolate(x, scale_factor=factor, mode='nearest')` for an integer factor, which reads
   * input pixel floor(y / factor): Resize nearest with asymmetric coordinates and floor.
   */
  upsampleNearest(x: string, factor: number, name: string): string {
    const scales = `upsample_scales_${factor}`;
    if (!this.initializers.has(scales)) {
      this.initializers.set(scales, floatTensor(scales, [4], [1, 1, factor, factor]));
    }
    return this.emit('Resize', [x, '', scales], name, undefined, {
      mode: attr.string('nearest'),
      coordinate_transformation_mode: attr.string('asymmetric'),
      nearest_mode: attr.string('floor'),
    });
  }

  /** `nn.PixelShuffle(r)`: channel c·r² + i·r + j goes to (c, y·r + i, x·r + j), ONNX's CRD mode. */
  pixelShuffle(x: string, r: number, name: string): string {
    return this.emit('DepthToSpace', [x], name, undefined, {
      blocksize: attr.int(r),
      mode: attr.string('CRD'),
    });
  }

  /**
   * ONNX SpaceToDepth: pixel (c, y·r + i, x·r + j) goes to channel (i·r + j)·C + c. Not torch's
   * `pixel_unshuffle` order (c·r² + i·r + j); see {@link spaceToDepthWeights}.
   */
  spaceToDepth(x: string, r: number, name: string): string {
    return this.emit('SpaceToDepth', [x], name, undefined, { blocksize: attr.int(r) });
  }

  /** The model: `input` [1, 3, height, width] → `output` [1, 3, out_height, out_width]. */
  spec(graphName: string, docString: string): ModelSpec {
    if (!this.values.has(GRAPH_OUTPUT)) throw new Error(`${graphName}: no node produces "${GRAPH_OUTPUT}"`);
    return {
      nodes: this.nodes,
      initializers: [...this.initializers.values()],
      inputs: [{ name: GRAPH_INPUT, shape: [1, 3, 'height', 'width'] }],
      outputs: [{ name: GRAPH_OUTPUT, shape: [1, 3, 'out_height', 'out_width'] }],
      opset: 17,
      graphName,
      docString,
    };
  }

  /**
   * Adds one node; its output is `into`, else `base` (numbered when taken). `inputs` is copied:
   * a dense block keeps growing the feature list it concatenates.
   */
  private emit(
    opType: string,
    inputs: string[],
    base: string,
    into?: string,
    attributes?: Record<string, AttributeSpec>,
  ): string {
    const output = into ?? this.fresh(base);
    if (this.values.has(output)) throw new Error(`value ${output} is produced twice`);
    this.values.add(output);
    this.nodes.push({
      opType,
      inputs: [...inputs],
      outputs: [output],
      name: output,
      ...(attributes ? { attributes } : {}),
    });
    return output;
  }

  private fresh(base: string): string {
    if (!this.values.has(base)) return base;
    let k = 1;
    while (this.values.has(`${base}_${k}`)) k += 1;
    return `${base}_${k}`;
  }
}

/**
 * A conv weight [out, C·r², kh, kw] whose input channels are in torch `pixel_unshuffle` order
 * (c·r² + i·r + j), reordered for ONNX SpaceToDepth's (i·r + j)·C + c: the conv after
 * SpaceToDepth then computes exactly what it did after pixel_unshuffle, with no Reshape or
 * Transpose in the graph.
 */
export function spaceToDepthWeights(weight: Float32Array, shape: readonly number[], r: number): Float32Array {
  const [out = 0, inChannels = 0, kh = 0, kw = 0] = shape;
  const channels = inChannels / (r * r);
  const kernel = kh * kw;
  const result = new Float32Array(weight.length);
  for (let o = 0; o < out; o += 1) {
    for (let c = 0; c < channels; c += 1) {
      for (let offset = 0; offset < r * r; offset += 1) {
        const from = (o * inChannels + c * r * r + offset) * kernel;
        const to = (o * inChannels + offset * channels + c) * kernel;
        result.set(weight.subarray(from, from + kernel), to);
      }
    }
  }
  return result;
}
