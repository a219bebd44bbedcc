import { useState } from 'react';

/** A sentence for the user: `status` when it went well, `alert` when not. */
export type Message = { kind: 'ok' | 'error'; text: string } | null;

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function StatusLine({ message }: { message: Message }) {
  const error = message?.kind === 'error';
  return (
    message && (
      <p role={error ? 'alert' : 'status'} className={error ? 'error-message' : 'ok'}>
        {message.text}
      </p>
    )
  );
}

/** Runs a change, then says how it went and refreshes what it changed. */
export function useAction(refresh: () => void): {
  message: Message;
  act(fn: () => Promise<unknown>, ok: string): void;
} {
  const [message, setMessage] = useState<Message>(null);
  const act = (fn: () => Promise<unknown>, ok: string): void => {
    setMessage(null);
    fn().then(
      () => {
        setMessage({ kind: 'ok', text: ok });
        refresh();
      },
      (e: unknown) => setMessage({ kind: 'error', text: messageOf(e) }),
    );
  };
  return { message, act };
}
