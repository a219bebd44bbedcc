import { useCallback, useEffect, useRef, useState } from 'react';
import type { CostToday } from '../../../core/contract/keys.js';
import { api } from '../api/client.js';

/** Bursts of `cost.changed` (one per call settled) collapse into one read. */
const COALESCE_MS = 250;

/**
 * Today's Gemini spend against the cap: read on mount, when the connection comes back, when
 * `version` changes (a job progressed), and soon after each `cost.changed` or `settings.changed`
 * (the cap is a setting). A read that lands after a newer one is dropped.
 */
export function useCostToday(reconnects: number, version = ''): CostToday | null {
  const [today, setToday] = useState<CostToday | null>(null);
  const mounted = useRef(false);
  const started = useRef(0);
  const applied = useRef(0);

  const refresh = useCallback(() => {
    const n = ++started.current;
    api.cost.today().then(
      (t) => {
        if (!mounted.current || n < applied.current) return;
        applied.current = n;
        setToday(t);
      },
      () => undefined,
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
    const offCost = api.on('cost.changed', soon);
    const offSettings = api.on('settings.changed', soon);
    return () => {
      mounted.current = false;
      offCost();
      offSettings();
      if (pending) clearTimeout(pending);
    };
  }, [refresh]);

  useEffect(() => refresh(), [refresh, reconnects, version]);

  return today;
}
