/**
 * SRVGGNetCompact, Real-ESRGAN's compact network (realesr-animevideov3, realesr-general-x4v3):
 * a plain stack of 3×3 convs with PReLU, a pixel shuffle to the output size, and the input
 * upsampled nearest added on top, so the convs only learn the residual.
 *
 * `body` is one ModuleList: body.0 conv 3→F, body.1 PReLU(F), then num_conv × (conv F→F,
 * PReLU(F)) at body.2k / body.2k+1, and the last conv F→3·s² at body.(2·num_conv + 2).
 */
import { RpcError } from '../../../contract/errors.js';
import type { StateDict } from '../checkpoint/types.js';
import type { ModelSpec } from '../onnx/build.js';
import { GRAPH_INPUT, GRAPH_OUTPUT, GraphBuilder, SR_CONVENTION } from './graph.js';
import type { ArchInfo, Architecture } from './types.js';
import { dimOf, indicesOf, rejectUnexpected, shapedTensor, tensorOf } from './weights.js';

const NETWORK = 'SRVGGNetCompact';
const BODY_KEY = /^body\.(\d+)\.(?:weight|bias)$/;

/** Every key is `body.N.weight|bias` and body.0 is a conv: the layout is ours, or a broken copy. */
function looksLikeSrvgg(weights: StateDict): boolean {
  if (weights.size === 0) return false;
  for (const key of weights.keys()) if (!BODY_KEY.test(key)) return false;
  return weights.get('body.0.weight')?.shape.length === 4;
}

/**
 * ReLU and LeakyReLU have no weights, so a checkpoint trained with them stores only the convs
 * (body.0, body.2, …) and which of the two it was is nowhere in the file.
 */
function requirePrelu(weights: StateDict, indices: number[]): void {
  if (weights.has('body.1.weight')) return;
  const convs = indices
    .slice(0, 4)
    .map((i) => `body.${i}`)
    .join(', ');
  throw new RpcError(
    'BAD_CHECKPOINT',
    `${NETWORK} checkpoint without PReLU weights (no body.1.weight; found ${convs}${indices.length > 4 ? ', …' : ''}): ` +
      'its activations are ReLU or LeakyReLU, which the weights do not record, so it cannot be rebuilt',
  );
}

/** s from the last conv's 3·s² output channels. */
function upscaleOf(outChannels: number, key: string): number {
  const scale = Math.round(Math.sqrt(outChannels / 3));
  if (scale < 1 || 3 * scale * scale !== outChannels) {
    throw new RpcError(
      'BAD_CHECKPOINT',
      `${NETWORK} checkpoint: ${key} has ${outChannels} output channels, expected 3·scale² (3, 12, 27, 48, …)`,
    );
  }
  return scale;
}

function detect(weights: StateDict): ArchInfo | null {
  if (!looksLikeSrvgg(weights)) return null;
  const indices = indicesOf(weights, BODY_KEY);
  requirePrelu(weights, indices);
  const last = indices[indices.length - 1] ?? 0;
  if (last % 2 !== 0 || last < 2) {
    throw new RpcError(
      'BAD_CHECKPOINT',
      `${NETWORK} checkpoint ends with body.${last}; the last module must be a conv at an even index ≥ 2`,
    );
  }
  const numFeat = dimOf(tensorOf(weights, 'body.0.weight', NETWORK), 0, 4, 'body.0.weight', NETWORK);
  const expected = new Set<string>();
  const check = (key: string, shape: number[]) => {
    shapedTensor(weights, key, shape, NETWORK);
    expected.add(key);
  };
  for (let i = 0; i < last; i += 2) {
    check(`body.${i}.weight`, [numFeat, i === 0 ? 3 : numFeat, 3, 3]);
    check(`body.${i}.bias`, [numFeat]);
    check(`body.${i + 1}.weight`, [numFeat]);
  }
  const lastKey = `body.${last}.weight`;
  const scale = upscaleOf(dimOf(tensorOf(weights, lastKey, NETWORK), 0, 4, lastKey, NETWORK), lastKey);
  check(lastKey, [3 * scale * scale, numFeat, 3, 3]);
  check(`body.${last}.bias`, [3 * scale * scale]);
  rejectUnexpected(weights, expected, NETWORK);
  return {
    arch: 'srvgg',
    task: 'upscale',
    scale,
    params: { num_feat: numFeat, num_conv: last / 2 - 1 },
    convention: SR_CONVENTION,
    inputMultiple: 1,
  };
}

function build(weights: StateDict, info: ArchInfo): ModelSpec {
  const numConv = info.params.num_conv ?? 0;
  const g = new GraphBuilder(weights, NETWORK);
  let x = g.prelu(g.conv(GRAPH_INPUT, 'body.0'), 'body.1');
  for (let k = 1; k <= numConv; k += 1) x = g.prelu(g.conv(x, `body.${2 * k}`), `body.${2 * k + 1}`);
  x = g.conv(x, `body.${2 * numConv + 2}`);
  const shuffled = g.pixelShuffle(x, info.scale, 'upsampler');
  const base = g.upsampleNearest(GRAPH_INPUT, info.scale, 'base');
  g.add(shuffled, base, 'residual', GRAPH_OUTPUT);
  return g.spec(
    NETWORK,
    `${NETWORK} x${info.scale} (num_feat ${info.params.num_feat}, num_conv ${numConv}), rebuilt from PyTorch weights`,
  );
}

/** SRVGGNetCompact with PReLU activations, any num_feat, num_conv and upscale. */
export const srvggArchitecture: Architecture = { name: NETWORK, detect, build };
