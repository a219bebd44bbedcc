import { describe, expect, it } from 'vitest';
import { runModel } from '../../../../test/helpers/onnx/models.js';
import type { CheckpointTensor } from '../checkpoint/types.js';
import { buildModel } from '../onnx/build.js';
import { GRAPH_INPUT, GRAPH_OUTPUT, GraphBuilder, spaceToDepthWeights } from './graph.js';

/** torch's pixel_unshuffle: out[c·r² + i·r + j, y, x] = in[c, y·r + i, x·r + j]. */
function pixelUnshuffle(data: Float32Array, c: number, h: number, w: number, r: number): Float32Array {
  const out = new Float32Array(data.length);
  const oh = h / r;
  const ow = w / r;
  for (let ch = 0; ch < c; ch += 1) {
    for (let i = 0; i < r; i += 1) {
      for (let j = 0; j < r; j += 1) {
        for (let y = 0; y < oh; y += 1) {
          for (let x = 0; x < ow; x += 1) {
            out[((ch * r * r + i * r + j) * oh + y) * ow + x] =
              data[(ch * h + y * r + i) * w + x * r + j] ?? 0;
          }
        }
      }
    }
  }
  return out;
}

describe('spaceToDepthWeights', () => {
  it("moves torch's input channel c·r² + i·r + j to SpaceToDepth's (i·r + j)·C + c", () => {
    const r = 2;
    const weight = Float32Array.from({ length: 2 * 12 }, (_, k) => k);
    const permuted = spaceToDepthWeights(weight, [2, 12, 1, 1], r);
    for (let o = 0; o < 2; o += 1) {
      for (let c = 0; c < 3; c += 1) {
        for (let offset = 0; offset < r * r; offset += 1) {
          expect(permuted[o * 12 + offset * 3 + c]).toBe(weight[o * 12 + c * r * r + offset]);
        }
      }
    }
  });

  it('makes SpaceToDepth + conv compute pixel_unshuffle + conv', async () => {
    // A 1×1 conv picking torch channels 1, 6 and 11 of pixel_unshuffle(x, 2).
    const picked = [1, 6, 11];
    const weight = new Float32Array(3 * 12);
    picked.forEach((channel, o) => (weight[o * 12 + channel] = 1));
    const tensor = (shape: number[], data: Float32Array): CheckpointTensor => ({
      shape,
      dtype: 'float32',
      data,
    });
    const weights = new Map([
      ['pick.weight', tensor([3, 12, 1, 1], weight)],
      ['pick.bias', tensor([3], new Float32Array(3))],
    ]);
    const g = new GraphBuilder(weights, 'test');
    const unshuffled = g.spaceToDepth(GRAPH_INPUT, 2, 'unshuffle');
    g.conv(unshuffled, 'pick', { into: GRAPH_OUTPUT, weight: spaceToDepthWeights(weight, [3, 12, 1, 1], 2) });
    const [h, w] = [4, 6];
    const input = Float32Array.from({ length: 3 * h * w }, (_, k) => k);
    const out = await runModel(buildModel(g.spec('test', 'pick')), input, [1, 3, h, w]);
    const want = pixelUnshuffle(input, 3, h, w, 2);
    const area = (h / 2) * (w / 2);
    expect(out.dims).toEqual([1, 3, h / 2, w / 2]);
    picked.forEach((channel, o) => {
      expect(Array.from(out.data.subarray(o * area, (o + 1) * area))).toEqual(
        Array.from(want.subarray(channel * area, (channel + 1) * area)),
      );
    });
  });
});
