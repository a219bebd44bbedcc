import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName } from '../../../core/contract/events.js';
import { api } from '../api/client.js';

/** Bursts of events (one per Gemini call settled, one per request) collapse into one read. */
const COALESCE_MS = 250;

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface LiveRead<T> {
  value: T | null;
  error: string | null;
  refresh(): void;
}

/**
 * A value read from core and kept fresh: read on mount, soon after any of `events` (bursts
 * coalesced), every `pollMs` while mounted if given, whenever one of `deps` changes (a reconnect, a
 * job that progressed) and on `refresh()`. A read that lands after a newer one is dropped, so
 * answers arriving out of order never show an older state.
 */
export function useLiveRead<T>(
  read: () => Promise<T>,
  events: readonly EventName[],
  options: { pollMs?: number; deps?: readonly unknown[] } = {},
): LiveRead<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(false);
  const started = useRef(0);
  const applied = useRef(0);
  const reader = useRef(read);
  // The latest `read` (a caller's closure), for reads started by events and timers.
  useEffect(() => {
    reader.current = read;
  });

  const refresh = useCallback(() => {
    const n = ++started.current;
    reader.current().then(
      (v) => {
        if (!mounted.current || n < applied.current) return;
        applied.current = n;
        setValue(v);
        setError(null);
      },
      (e: unknown) => {
        if (mounted.current && n >= applied.current) setError(messageOf(e));
      },
    );
  }, []);

  const eventKey = events.join(',');
  useEffect(() => {
    mounted.current = true;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const soon = (): void => {
      pending ??= setTimeout(() => {
        pending = null;
        refresh();
      }, COALESCE_MS);
    };
    const offs = (eventKey ? (eventKey.split(',') as EventName[]) : []).map((name) => api.on(name, soon));
    const timer = options.pollMs ? setInterval(refresh, options.pollMs) : null;
    return () => {
      mounted.current = false;
      for (const off of offs) off();
      if (timer) clearInterval(timer);
      if (pending) clearTimeout(pending);
    };
  }, [refresh, eventKey, options.pollMs]);

  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => refresh(), [refresh, ...(options.deps ?? [])]);

  return { value, error, refresh };
}
