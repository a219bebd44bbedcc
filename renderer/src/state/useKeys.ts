import { useCallback, useEffect, useRef, useState } from 'react';
import type { KeyInfo } from '../../../core/contract/keys.js';
import type { MethodOutput } from '../../../core/contract/methods.js';
import { api } from '../api/client.js';

export type UsageSummary = MethodOutput<'usage.summary'>;

/** How often the gauges are re-read while the panel is open, so RPM decays as the minute passes. */
const POLL_MS = 5000;
/** Bursts of `keys.changed` (one per request during a batch) collapse into one read. */
const COALESCE_MS = 250;

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The API keys and the usage summary, read together on mount, whenever `keys.changed` fires,
 * every 5 s while mounted, and on `refresh()`. A read that lands after a newer one is dropped.
 */
export function useKeys(): {
  keys: KeyInfo[] | null;
  usage: UsageSummary | null;
  error: string | null;
  refresh(): void;
} {
  const [keys, setKeys] = useState<KeyInfo[] | null>(null);
  const [usage, setUsage] = useState<UsageSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(false);
  const started = useRef(0);
  const applied = useRef(0);

  const refresh = useCallback(() => {
    const n = ++started.current;
    Promise.all([api.keys.list(), api.usage.summary()]).then(
      ([list, summary]) => {
        if (!mounted.current || n < applied.current) return;
        applied.current = n;
        setKeys(list);
        setUsage(summary);
        setError(null);
      },
      (e: unknown) => {
        if (!mounted.current || n < applied.current) return;
        setError(messageOf(e));
      },
    );
  }, []);

  useEffect(() => {
    mounted.current = true;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const soon = () => {
      pending ??= setTimeout(() => {
        pending = null;
        refresh();
      }, COALESCE_MS);
    };
    const off = api.on('keys.changed', soon);
    const timer = setInterval(refresh, POLL_MS);
    refresh();
    return () => {
      mounted.current = false;
      off();
      clearInterval(timer);
      if (pending) clearTimeout(pending);
    };
  }, [refresh]);

  return { keys, usage, error, refresh };
}
