import { useCallback, useId, useState, type ReactElement, type ReactNode } from 'react';
import { RpcError } from '../../../core/contract/errors.js';
import { useI18n } from '../i18n/index.js';

/** What went wrong, for people: a sentence, and a message per form field where one is to blame. */
export interface Problem {
  message: string;
  /** Keyed by the field's path in the request (`label`, `limits.rpm`). */
  fields: Readonly<Record<string, string>>;
}

/**
 * Turns any thrown error into a Problem. Invalid input names its fields from the contract's
 * issue list (`details: [{path, message}]`), so forms mark the field instead of printing
 * "Invalid input for keys.add: label: …"; the method name never reaches the user.
 */
export function problemOf(error: unknown, fieldsMessage: string): Problem {
  if (error instanceof RpcError && error.code === 'INVALID_INPUT' && Array.isArray(error.details)) {
    const fields: Record<string, string> = {};
    for (const issue of error.details as { path?: unknown; message?: unknown }[]) {
      const path = Array.isArray(issue.path) ? issue.path.map(String).join('.') : '';
      if (typeof issue.message === 'string') fields[path] ??= issue.message;
    }
    const general = fields[''];
    return { message: general ?? fieldsMessage, fields };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { message: text.replace(/^Invalid input for [\w.]+: /, ''), fields: {} };
}

export type Message = { kind: 'ok'; text: string } | { kind: 'error'; problem: Problem } | null;

/** A sentence under a form: `status` when it went well, `alert` when not. */
export function StatusLine({ message }: { message: Message }) {
  if (!message) return null;
  return message.kind === 'error' ? (
    <p role="alert" className="error-message">
      {message.problem.message}
    </p>
  ) : (
    <p role="status" className="ok">
      {message.text}
    </p>
  );
}

/** Runs a change, then says how it went (with field errors kept) and refreshes what it changed. */
export function useAction(refresh: () => void = () => undefined): {
  message: Message;
  busy: boolean;
  act(fn: () => Promise<unknown>, ok: string): Promise<boolean>;
  clear(): void;
} {
  const { t } = useI18n();
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);
  const act = useCallback(
    async (fn: () => Promise<unknown>, ok: string): Promise<boolean> => {
      setMessage(null);
      setBusy(true);
      try {
        await fn();
        setMessage({ kind: 'ok', text: ok });
        refresh();
        return true;
      } catch (e) {
        setMessage({ kind: 'error', problem: problemOf(e, t('error.fields')) });
        return false;
      } finally {
        setBusy(false);
      }
    },
    [refresh, t],
  );
  return { message, busy, act, clear: useCallback(() => setMessage(null), []) };
}

/** The field error of a message, by the field's request path. */
export function fieldError(message: Message, path: string): string | undefined {
  return message?.kind === 'error' ? message.problem.fields[path] : undefined;
}

interface FieldProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  className?: string;
  /** The control; it receives id, aria-invalid and aria-describedby. */
  children: (control: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => ReactElement;
}

/** A labelled control with its hint and its own error beneath, tied together for assistive tech. */
export function Field({ label, hint, error, className, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {error && (
        <small id={errorId} className="field-error">
          {error}
        </small>
      )}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/**
 * A number input whose empty state is kept as empty (never turned into 0): `value` is null
 * while the user has cleared the field, and the form reports it as missing.
 */
export function NumberInput({
  value,
  onChange,
  ...rest
}: {
  value: number | null;
  onChange(value: number | null): void;
  min?: number;
  max?: number;
  step?: number | 'any';
  id?: string;
  disabled?: boolean;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string | undefined;
}) {
  const [text, setText] = useState(value === null ? '' : String(value));
  const shown = value === null || Number(text) === value ? text : String(value);
  return (
    <input
      {...rest}
      type="number"
      inputMode="decimal"
      value={shown}
      onChange={(e) => {
        setText(e.target.value);
        const n = e.target.value.trim() === '' ? null : Number(e.target.value);
        onChange(n === null || Number.isNaN(n) ? null : n);
      }}
    />
  );
}
