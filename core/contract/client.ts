import { RpcError } from './errors.js';
import type { EventEnvelope, EventName, EventPayload } from './events.js';
import { METHOD_NAMES, type MethodInput, type MethodName, type MethodOutput } from './methods.js';
import type { Result } from './dispatch.js';

/** Per-call options every transport honours. */
export interface CallOptions {
  /** Cancels the call; the handler on the other side sees it abort, the caller gets CANCELLED. */
  signal?: AbortSignal | undefined;
}

/** Carries calls and events between a client and core: IPC, HTTP/WS, or in-process. */
export interface Transport {
  call(name: MethodName, input: unknown, options?: CallOptions): Promise<Result<unknown>>;
  /**
   * Receives the events named in `names` (every event when omitted); returns an unsubscribe
   * function. Transports forward only what some listener asked for.
   */
  subscribe(listener: (event: EventEnvelope) => void, names?: readonly EventName[]): () => void;
}

type Namespace = MethodName extends `${infer NS}.${string}` ? NS : never;
type VerbsOf<NS extends Namespace> = Extract<MethodName, `${NS}.${string}`>;
type Verb<M extends string> = M extends `${string}.${infer V}` ? V : never;
type Call<M extends MethodName> =
  undefined extends MethodInput<M>
    ? (input?: MethodInput<M>, options?: CallOptions) => Promise<MethodOutput<M>>
    : (input: MethodInput<M>, options?: CallOptions) => Promise<MethodOutput<M>>;

/** The typed API every shell exposes: `api.files.scan({paths})`, `api.on('settings.changed', cb)`. */
export type Api = {
  [NS in Namespace]: { [M in VerbsOf<NS> as Verb<M>]: Call<M> };
} & {
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** A transport's answer to a call that was cancelled before it was sent or answered. */
export function cancelledResult(name: string): Result<never> {
  return { ok: false, error: { code: 'CANCELLED', message: `${name} was cancelled.` } };
}

/**
 * Builds the typed client over a transport. The result is plain objects and functions (no
 * Proxy), so it can pass through Electron's contextBridge. Failed calls reject with `RpcError`.
 */
export function buildClient(transport: Transport): Api {
  const api: Record<
    string,
    Record<string, (input?: unknown, options?: CallOptions) => Promise<unknown>>
  > = {};
  for (const name of METHOD_NAMES) {
    const [ns, verb] = name.split('.') as [string, string];
    const group = (api[ns] ??= {});
    group[verb] = async (input?: unknown, options?: CallOptions) => {
      const result = await transport.call(name, input, options);
      if (!result.ok) throw RpcError.fromData(result.error);
      return result.value;
    };
  }
  const on = (name: EventName, listener: (payload: unknown) => void): (() => void) =>
    transport.subscribe(
      (event) => {
        if (event.name === name) listener(event.payload);
      },
      [name],
    );
  return Object.assign(api, { on }) as unknown as Api;
}
