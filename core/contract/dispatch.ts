import type { z } from 'zod';
import { summarizeIssues, type MethodTable } from './define.js';
import { RpcError, type RpcErrorData } from './errors.js';
import type { Methods } from './methods.js';

export type Result<T> = { ok: true; value: T } | { ok: false; error: RpcErrorData };

/** What a handler gets besides its input: the caller's cancellation. */
export interface CallContext {
  /** Aborted when the caller gives up (the HTTP request closed, the IPC call was cancelled…). */
  signal: AbortSignal;
}

/** One implementation per method of `M`; inputs arrive already parsed. */
export type HandlersFor<M extends MethodTable> = {
  [K in keyof M]: (
    input: z.output<M[K]['input']>,
    ctx: CallContext,
  ) => Promise<z.output<M[K]['output']>> | z.output<M[K]['output']>;
};

/** Handlers for the whole shipped contract. */
export type Handlers = HandlersFor<Methods>;

/** A handler with its types erased, as a router holds it. */
export type AnyHandler = (input: never, ctx: CallContext) => unknown;

/** What `dispatch` needs: the methods a core offers and their implementations. */
export interface Router {
  methods: MethodTable;
  handlers: Readonly<Record<string, AnyHandler>>;
}

export interface DispatchOptions {
  /** The caller's cancellation; handlers see it as `ctx.signal`. */
  signal?: AbortSignal | undefined;
  /** Called with errors that are not `RpcError`s (bugs), before they are reported as INTERNAL. */
  onUnexpectedError?: (name: string, error: unknown) => void;
}

const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs one call by name: parses the raw input against the method's schema, calls the handler,
 * checks the output, and turns every failure into error data with a stable code. Never throws.
 * Every shell goes through here (IPC, HTTP, the CLI's in-process client), so validation is the
 * same whichever way a call comes in.
 */
export async function dispatch(
  router: Router,
  name: string,
  raw: unknown,
  options: DispatchOptions = {},
): Promise<Result<unknown>> {
  const spec = Object.prototype.hasOwnProperty.call(router.methods, name) ? router.methods[name] : undefined;
  const handler = Object.prototype.hasOwnProperty.call(router.handlers, name)
    ? router.handlers[name]
    : undefined;
  if (!spec || !handler) {
    return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `There is no method named "${name}".` } };
  }
  const parsed = spec.input.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    return {
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message:
          spec.describeInvalid?.(issues, raw) ?? `Invalid input for ${name}: ${summarizeIssues(issues)}`,
        details: issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message })),
      },
    };
  }
  const signal = options.signal ?? NEVER_ABORTED;
  try {
    const value = await (handler as (input: unknown, ctx: CallContext) => unknown)(parsed.data, { signal });
    const checked = spec.output.safeParse(value);
    if (!checked.success) {
      throw new Error(
        `${name} returned a value outside its contract: ${summarizeIssues(checked.error.issues)}`,
      );
    }
    return { ok: true, value: checked.data };
  } catch (error) {
    if (error instanceof RpcError) return { ok: false, error: error.toData() };
    if (signal.aborted) return { ok: false, error: { code: 'CANCELLED', message: `${name} was cancelled.` } };
    options.onUnexpectedError?.(name, error);
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { code: 'INTERNAL', message: `${name} failed unexpectedly: ${message}` } };
  }
}
