import { useCallback, useEffect, useRef, useState } from 'react';
import type { Style } from '../../../core/contract/restyle.js';
import { api } from '../api/client.js';

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The styles (built-ins first, as core lists them), read on mount, on every `styles.changed`
 * (another window or the CLI may edit them), when the connection comes back, when `version`
 * changes (results add sample thumbnails) and on `refresh()`. A read that lands after a newer one
 * is dropped.
 */
export function useStyles(
  reconnects: number,
  version = '',
): {
  styles: Style[] | null;
  error: string | null;
  refresh(): void;
} {
  const [styles, setStyles] = useState<Style[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(false);
  const started = useRef(0);
  const applied = useRef(0);

  const refresh = useCallback(() => {
    const n = ++started.current;
    api.styles.list().then(
      (list) => {
        if (!mounted.current || n < applied.current) return;
        applied.current = n;
        setStyles(list);
        setError(null);
      },
      (e: unknown) => {
        if (mounted.current && n >= applied.current) setError(messageOf(e));
      },
    );
  }, []);

  useEffect(() => {
    mounted.current = true;
    const off = api.on('styles.changed', refresh);
    return () => {
      mounted.current = false;
      off();
    };
  }, [refresh]);

  useEffect(() => refresh(), [refresh, reconnects, version]);

  return { styles, error, refresh };
}
