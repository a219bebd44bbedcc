/**
 * Which network a checkpoint holds, from its key names and shapes alone (a file name says
 * nothing reliable), and its conversion to ONNX model bytes.
 */
import { RpcError } from '../../../contract/errors.js';
import type { StateDict } from '../checkpoint/types.js';
import { buildModel } from '../onnx/build.js';
import { gfpganV1Clean } from './gfpgan.js';
import { rrdbArchitecture } from './rrdb.js';
import { srvggArchitecture } from './srvgg.js';
import type { ArchInfo, Architecture } from './types.js';
import { describeKeys } from './weights.js';

/** Every network Pixelsmith can rebuild, tried in order; the first that recognises the keys wins. */
export const ARCHITECTURES: Architecture[] = [srvggArchitecture, rrdbArchitecture, gfpganV1Clean];

/**
 * The architecture whose key layout the checkpoint has, with what its shapes say. Throws
 * BAD_CHECKPOINT when none recognises it (naming a few of its keys and their count), or when one
 * does but a tensor's shape disagrees (naming the tensor and both shapes).
 */
export function detectArchitecture(weights: StateDict): { architecture: Architecture; info: ArchInfo } {
  for (const architecture of ARCHITECTURES) {
    const info = architecture.detect(weights);
    if (info) return { architecture, info };
  }
  const known = ARCHITECTURES.map((a) => a.name).join(', ');
  throw new RpcError(
    'BAD_CHECKPOINT',
    `Not a network Pixelsmith can convert (${known}): the checkpoint holds ${describeKeys(weights)}`,
  );
}

/** Detects the network and serializes it as an ONNX model (opset 17, weights as initializers). */
export function convertToOnnx(weights: StateDict): { info: ArchInfo; bytes: Uint8Array } {
  const { architecture, info } = detectArchitecture(weights);
  return { info, bytes: buildModel(architecture.build(weights, info)) };
}
