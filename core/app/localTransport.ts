import type { Transport } from '../contract/client.js';
import { dispatch } from '../contract/dispatch.js';
import type { Core } from './createCore.js';

/** The contract in-process: the same dispatch the other shells use, without a wire. */
export function createLocalTransport(core: Pick<Core, 'methods' | 'handlers' | 'events'>): Transport {
  return {
    call: (name, input, options) => dispatch(core, name, input, { signal: options?.signal }),
    subscribe: (listener, names) => core.events.subscribe(listener, names),
  };
}
