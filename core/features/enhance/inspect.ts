import { RpcError } from '../../contract/errors.js';

export interface ModelFacts {
  inputs: number;
  outputs: number;
  /** Fixed [height, width] of the input, when the model has one. */
  fixedSize: [number, number] | null;
  /** Output size ÷ input size, measured by running a small probe (null for fixed-size models). */
  scale: number | null;
}

/** Reads a model's inputs and outputs with ONNX Runtime and measures its scale on a 16×16 probe. */
export async function inspectModel(path: string): Promise<ModelFacts> {
  const ort = await import('onnxruntime-node');
  let session;
  try {
    session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'] });
  } catch (error) {
    throw new RpcError(
      'INVALID_INPUT',
      `${path} is not an ONNX model ONNX Runtime can load: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  try {
    const meta = session.inputMetadata[0];
    const shape = meta && 'shape' in meta ? (meta.shape as (number | string)[]) : [];
    const h = shape[2];
    const w = shape[3];
    const fixedSize: [number, number] | null = typeof h === 'number' && typeof w === 'number' ? [h, w] : null;
    let scale: number | null = null;
    if (!fixedSize && shape.length === 4 && session.outputNames.length === 1) {
      const channels = typeof shape[1] === 'number' ? shape[1] : 3;
      const input = new ort.Tensor('float32', new Float32Array(channels * 16 * 16).fill(0.5), [
        1,
        channels,
        16,
        16,
      ]);
      const out = (await session.run({ [session.inputNames[0] ?? 'input']: input }))[
        session.outputNames[0] ?? 'output'
      ];
      const outH = out?.dims[2];
      if (typeof outH === 'number' && outH % 16 === 0) scale = outH / 16;
    }
    return { inputs: session.inputNames.length, outputs: session.outputNames.length, fixedSize, scale };
  } finally {
    await session.release();
  }
}
