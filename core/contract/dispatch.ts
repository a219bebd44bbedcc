import type { z } from 'zod';
import { RpcError, type RpcErrorData } from './errors.js';
import { isMethodName, methods, type MethodName, type MethodOutput, type ParsedInput } from './methods.js';

export type Result<T> = { ok: true; value: T } | { ok: false; error: RpcErrorData };

/** One implementation per contract method; inputs arrive already parsed. */
export type Handlers = {
  [M in MethodName]: (input: ParsedInput<M>) => Promise<MethodOutput<M>> | MethodOutput<M>;
};

export interface DispatchOptions {
  /** Called with errors that are not `RpcError`s (bugs), before they are reported as INTERNAL. */
  onUnexpectedError?: (name: MethodName, error: unknown) => void;
}

/** "paths.0: Too small …; scanId: Expected string" — short enough for a status line. */
export function summarizeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
      return `${where}: ${issue.message}`;
    })
    .concat(issues.length > 5 ? [`…and ${issues.length - 5} more`] : [])
    .join('; ');
}

/**
 * Runs one RPC by name: parses the raw input against the contract, calls the handler, checks the
 * output, and turns every failure into error data with a stable code. Never throws.
 */
export async function dispatch(
  handlers: Handlers,
  name: string,
  raw: unknown,
  options: DispatchOptions = {},
): Promise<Result<unknown>> {
  if (!isMethodName(name)) {
    return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `There is no method named "${name}".` } };
  }
  const spec = methods[name];
  const parsed = spec.input.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: `Invalid input for ${name}: ${summarizeIssues(parsed.error.issues)}`,
        details: parsed.error.issues.map((i) => ({
          path: i.path.map(String),
          code: i.code,
          message: i.message,
        })),
      },
    };
  }
  try {
    const handler = handlers[name] as (input: unknown) => unknown;
    const value = await handler(parsed.data);
    const checked = spec.output.safeParse(value);
    if (!checked.success) {
      throw new Error(
        `${name} returned a value outside its contract: ${summarizeIssues(checked.error.issues)}`,
      );
    }
    return { ok: true, value: checked.data };
  } catch (error) {
    if (error instanceof RpcError) return { ok: false, error: error.toData() };
    options.onUnexpectedError?.(name, error);
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { code: 'INTERNAL', message: `${name} failed unexpectedly: ${message}` } };
  }
}
