import type { EventEnvelope } from './events.js';
import { isEventName } from './events.js';
import { cancelledResult, type Transport } from './client.js';
import type { Result } from './dispatch.js';
import { isErrorCode } from './errors.js';

/** The subset of the WebSocket API the transport uses (browser WebSocket or the `ws` package). */
export interface WebSocketLike {
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  send(data: string): void;
  close(): void;
}

/**
 * What a client sends on the event socket: the event names it wants (`'*'`: all). The server
 * sends every event until a socket says otherwise, so nothing is missed while this travels.
 */
export interface SubscribeMessage {
  subscribe: string[] | '*';
}
/**
 * Opens the event socket. `headers` carry the token for clients that can send headers (Node's
 * `ws`); a browser cannot, and rides on the HttpOnly cookie instead.
 */
export type WebSocketFactory = (url: string, headers: Record<string, string>) => WebSocketLike;

export interface HttpTransportOptions {
  /** e.g. `http://127.0.0.1:5417`; '' means the page's own origin. */
  baseUrl: string;
  /** Bearer token, when the server requires one. */
  token?: string | undefined;
  webSocket: WebSocketFactory;
  fetch?: typeof fetch;
  /** Delay before reconnecting the event socket, in ms. */
  reconnectMs?: number;
}

/**
 * The event socket's state, for a banner: `connecting` at first, `open`, `reconnecting` after it
 * closed, `disconnected` once a few tries in a row have failed (it keeps trying, more slowly).
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'disconnected';

export interface ConnectionWatch {
  state(): ConnectionState;
  /** Calls `listener` on every change; returns an unsubscribe function. */
  subscribe(listener: (state: ConnectionState) => void): () => void;
}

/** Failed reconnects in a row before the state says `disconnected`. */
const TRIES_BEFORE_DISCONNECTED = 3;

function wsUrl(baseUrl: string): string {
  const pageOrigin = (globalThis as { location?: { origin: string } }).location?.origin;
  const origin = baseUrl === '' && pageOrigin ? pageOrigin : baseUrl;
  const url = new URL('/events', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function asResult(body: unknown, status: number): Result<unknown> {
  if (typeof body === 'object' && body !== null && 'ok' in body) {
    const b = body as {
      ok: unknown;
      value?: unknown;
      error?: { code?: unknown; message?: unknown; details?: unknown };
    };
    if (b.ok === true) return { ok: true, value: b.value };
    if (b.ok === false && b.error && isErrorCode(b.error.code)) {
      return {
        ok: false,
        error: { code: b.error.code, message: String(b.error.message), details: b.error.details },
      };
    }
  }
  return {
    ok: false,
    error: { code: 'TRANSPORT', message: `The server answered ${status} with an unexpected body.` },
  };
}

/** Calls `POST /rpc/<name>` and listens on the `/events` WebSocket (opened on first subscribe). */
export function createHttpTransport(
  options: HttpTransportOptions,
): Transport & { connection: ConnectionWatch } {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const listeners = new Map<(event: EventEnvelope) => void, ReadonlySet<string> | null>();
  let socket: WebSocketLike | null = null;
  let open = false;
  const wanted = (): SubscribeMessage => {
    const names = new Set<string>();
    for (const filter of listeners.values()) {
      if (filter === null) return { subscribe: '*' };
      for (const n of filter) names.add(n);
    }
    return { subscribe: [...names] };
  };
  const announce = (): void => {
    if (socket && open) socket.send(JSON.stringify(wanted()));
  };
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let state: ConnectionState = 'connecting';
  let failedTries = 0;
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const setState = (next: ConnectionState): void => {
    if (next === state) return;
    state = next;
    for (const l of stateListeners) l(next);
  };

  const connect = (): void => {
    const ws = options.webSocket(
      wsUrl(options.baseUrl),
      options.token ? { authorization: `Bearer ${options.token}` } : {},
    );
    socket = ws;
    open = false;
    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      open = true;
      failedTries = 0;
      setState('open');
      announce();
    });
    ws.addEventListener('message', (message) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const env = parsed as Partial<EventEnvelope>;
      if (typeof env.name !== 'string' || !isEventName(env.name)) return;
      for (const [listener, filter] of listeners) {
        if (filter === null || filter.has(env.name)) listener(env as EventEnvelope);
      }
    });
    // 'error' is always followed by 'close', where reconnection happens.
    ws.addEventListener('error', () => undefined);
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = null;
      if (!open) failedTries += 1;
      open = false;
      setState(failedTries >= TRIES_BEFORE_DISCONNECTED ? 'disconnected' : 'reconnecting');
      if (listeners.size > 0 && reconnectTimer === null) {
        const base = options.reconnectMs ?? 1000;
        reconnectTimer = setTimeout(
          () => {
            reconnectTimer = null;
            if (listeners.size > 0 && socket === null) connect();
          },
          Math.min(base * 2 ** failedTries, base * 5),
        );
      }
    });
  };

  return {
    connection: {
      state: () => state,
      subscribe(listener) {
        stateListeners.add(listener);
        return () => stateListeners.delete(listener);
      },
    },
    async call(name, input, callOptions = {}) {
      const { signal } = callOptions;
      if (signal?.aborted) return cancelledResult(name);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let response: Response;
      try {
        response = await doFetch(`${options.baseUrl}/rpc/${name}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(input ?? {}),
          ...(signal && { signal }),
        });
      } catch (error) {
        if (signal?.aborted) return cancelledResult(name);
        const reason = error instanceof Error ? error.message : String(error);
        return {
          ok: false,
          error: { code: 'TRANSPORT', message: `Cannot reach the Pixelsmith server: ${reason}` },
        };
      }
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        if (signal?.aborted) return cancelledResult(name);
        // Non-JSON body: reported below as a TRANSPORT error with the status.
      }
      return asResult(body, response.status);
    },
    subscribe(listener, names) {
      // A listener added twice is one subscription with the later filter.
      listeners.set(listener, names ? new Set(names) : null);
      if (socket === null && reconnectTimer === null) connect();
      else announce();
      return () => {
        listeners.delete(listener);
        announce();
        if (listeners.size === 0 && socket !== null) {
          const ws = socket;
          socket = null;
          ws.close();
        }
      };
    },
  };
}
