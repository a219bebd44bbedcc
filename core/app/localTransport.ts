import type { Transport } from '../contract/client.js';
import { dispatch } from '../contract/dispatch.js';
import type { Core } from './createCore.js';

/** The contract in-process: the same dispatch the shells use, without a wire. */
export function createLocalTransport(core: Pick<Core, 'handlers' | 'events'>): Transport {
  return {
    call: (name, input) => dispatch(core.handlers, name, input),
    subscribe: (listener) => core.events.subscribe(listener),
  };
}
