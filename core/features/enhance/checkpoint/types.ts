/** The element type a tensor was stored with (values are always handed over as float32). */
export type StoredDType = 'float32' | 'float16' | 'bfloat16' | 'float64';

/** One tensor of a checkpoint, row-major (C order), converted to float32. */
export interface CheckpointTensor {
  shape: number[];
  dtype: StoredDType;
  data: Float32Array;
}

/**
 * A network's weights by parameter name (`body.0.weight`), as PyTorch's `state_dict()` names them,
 * after the reader has chosen `params_ema` over `params` over the bare dict and stripped `module.`.
 */
export type StateDict = ReadonlyMap<string, CheckpointTensor>;
