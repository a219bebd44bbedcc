import { useEffect, useState } from 'react';
import { api } from '../api/client.js';

/** Bursts of `keys.changed` (one per request during a run) collapse into one read. */
const COALESCE_MS = 500;

/**
 * How many Gemini keys are enabled (null until known): read on mount, when the connection
 * comes back, and after `keys.changed`. Restyle needs at least one to start.
 */
export function useEnabledKeys(reconnects: number): number | null {
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const read = () =>
      api.keys.list().then(
        (keys) => live && setCount(keys.filter((k) => k.disabledReason === null).length),
        () => undefined,
      );
    const off = api.on('keys.changed', () => {
      pending ??= setTimeout(() => {
        pending = null;
        void read();
      }, COALESCE_MS);
    });
    void read();
    return () => {
      live = false;
      off();
      if (pending) clearTimeout(pending);
    };
  }, [reconnects]);
  return count;
}
