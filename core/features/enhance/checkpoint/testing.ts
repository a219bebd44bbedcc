/** Test support for the checkpoint tests (no production code imports it). */
import { RpcError } from '../../../contract/errors.js';
import { readCheckpoint } from './read.js';

/** Reads `path`; resolves to the message when it is refused with BAD_CHECKPOINT, else throws. */
export async function checkpointFailure(path: string): Promise<string> {
  const error: unknown = await readCheckpoint(path).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof RpcError) || error.code !== 'BAD_CHECKPOINT') {
    throw new Error(
      `${path}: expected BAD_CHECKPOINT, got ${error === null ? 'a checkpoint' : String(error)}`,
    );
  }
  return error.message;
}
