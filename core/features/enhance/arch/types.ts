import type { ModelConvention, ModelTask } from '../catalog.js';
import type { StateDict } from '../checkpoint/types.js';
import type { ModelSpec } from '../onnx/build.js';

/** What detection read from a checkpoint's key names and shapes (never from its file name). */
export interface ArchInfo {
  /** `srvgg`, `rrdb`, `rrdb-old` (original ESRGAN keys), `gfpgan-v1-clean`. */
  arch: string;
  task: ModelTask;
  /** Output ÷ input size (1 for GFPGAN, which restores at 512×512). */
  scale: number;
  /** The sizes read from the weights (num_feat, num_block, num_grow_ch, num_conv…). */
  params: Record<string, number>;
  /** How the graph's `input` is fed and its `output` read, as the catalog states it. */
  convention: ModelConvention;
  /**
   * Input height and width must be multiples of this (RRDBNet ×2 and ×1 pixel-unshuffle their
   * input by 2 and 4); 1 for most. The tiler pads tiles to it.
   */
  inputMultiple: number;
}

/**
 * A network Pixelsmith can rebuild as an ONNX graph from its PyTorch weights. The graph has one
 * input `input` float32 [1, 3, H, W] and one output `output` float32 [1, 3, H·s, W·s] (dynamic H
 * and W where the network allows it, else the convention's fixed size).
 */
export interface Architecture {
  name: string;
  /**
   * Null when the keys are not this network's; throws RpcError('BAD_CHECKPOINT') naming the
   * tensor when they are but a shape disagrees.
   */
  detect(weights: StateDict): ArchInfo | null;
  build(weights: StateDict, info: ArchInfo): ModelSpec;
}
