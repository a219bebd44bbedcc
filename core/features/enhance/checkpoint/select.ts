/**
 * Which weights of a checkpoint to hand over. Training code saves more than a state_dict:
 * Real-ESRGAN and BasicSR save `{params, params_ema}` (the EMA copy is the one to run), others
 * `{state_dict, optimizer, epoch}`, and `nn.DataParallel` prefixes every name with `module.`.
 */
import { TensorRef } from './torch.js';
import { badCheckpoint, describe, firstKeys, keyText, PyDict, type PyValue } from './values.js';

/** Keys of a training checkpoint that hold the weights, best first. */
export const PREFERRED_KEYS = ['params_ema', 'params', 'state_dict'] as const;

const DATA_PARALLEL_PREFIX = 'module.';

export interface ChosenTensor {
  name: string;
  tensor: TensorRef;
}

/** A weight's name as the network's own state_dict() names it. */
export function weightName(key: string): string {
  return key.startsWith(DATA_PARALLEL_PREFIX) ? key.slice(DATA_PARALLEL_PREFIX.length) : key;
}

function holdsTensors(dict: PyDict): boolean {
  for (const value of dict.entries.values()) if (value instanceof TensorRef) return true;
  return false;
}

/** The dict to read and how to name it in a message. */
function pickDict(top: PyDict): { dict: PyDict; where: string } {
  for (const key of PREFERRED_KEYS) {
    const value = top.entries.get(key);
    if (value instanceof PyDict && holdsTensors(value)) return { dict: value, where: `its "${key}" dict` };
  }
  return { dict: top, where: 'its top-level dict' };
}

/**
 * The float tensors of the chosen dict, in the file's order, named without `module.`. Anything
 * else in it (an int, a nested dict, an int64 `num_batches_tracked`) is left out; a dict with
 * nothing to hand over is an error that says what it does hold.
 */
export function chooseTensors(file: string, top: PyValue): ChosenTensor[] {
  if (!(top instanceof PyDict)) {
    throw badCheckpoint(`${file} holds ${describe(top)}, not a dict of weights (a state_dict).`);
  }
  const { dict, where } = pickDict(top);
  const chosen: ChosenTensor[] = [];
  const names = new Map<string, string>();
  const otherTypes = new Set<string>();
  for (const [key, value] of dict.entries) {
    if (!(value instanceof TensorRef)) continue;
    if (value.storage.type.float === null) {
      otherTypes.add(value.storage.type.label);
      continue;
    }
    const raw = keyText(key);
    const name = weightName(raw);
    const earlier = names.get(name);
    if (earlier !== undefined) {
      throw badCheckpoint(
        `${file}: ${where} has both "${earlier}" and "${raw}", which name the same weight.`,
      );
    }
    names.set(name, raw);
    chosen.push({ name, tensor: value });
  }
  if (chosen.length > 0) return chosen;
  if (otherTypes.size > 0) {
    throw badCheckpoint(
      `${file} stores ${[...otherTypes].join(' and ')} tensors (optimizer state?); only float weights are read.`,
    );
  }
  throw badCheckpoint(`${file} has no float tensors in ${where}; its keys are ${firstKeys(dict)}.`);
}
