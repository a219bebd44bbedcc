import { useCallback, useMemo, useRef, useState } from 'react';

export interface Selection {
  selected: ReadonlySet<string>;
  /** The photo keyboard focus is on (arrows move it, Enter opens it). */
  focus: string | null;
  setFocus(key: string | null): void;
  /** A click: toggles the photo; with Shift, checks the range from the last clicked one. */
  click(key: string, range: boolean): void;
  toggle(key: string): void;
  selectAll(): void;
  clear(): void;
}

/**
 * Which photos are checked, as a set of keys kept in the order of `keys`. Photos that leave
 * the library leave the selection too.
 */
export function useSelection(keys: readonly string[]): Selection {
  const [chosen, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [focused, setFocus] = useState<string | null>(null);
  const anchor = useRef<string | null>(null);
  const index = useMemo(() => new Map(keys.map((k, i) => [k, i])), [keys]);

  // Photos that left the library leave the selection (computed, so nothing stale is kept).
  const selected = useMemo(() => {
    const kept = [...chosen].filter((k) => index.has(k));
    return kept.length === chosen.size ? chosen : new Set(kept);
  }, [chosen, index]);
  const focus = focused !== null && index.has(focused) ? focused : null;

  const toggle = useCallback((key: string) => {
    anchor.current = key;
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);

  const click = useCallback(
    (key: string, range: boolean) => {
      setFocus(key);
      const from = anchor.current === null ? undefined : index.get(anchor.current);
      const to = index.get(key);
      if (!range || from === undefined || to === undefined) return toggle(key);
      const [a, b] = from < to ? [from, to] : [to, from];
      setSelected((prev) => new Set([...prev, ...keys.slice(a, b + 1)]));
    },
    [index, keys, toggle],
  );

  return {
    selected,
    focus,
    setFocus,
    click,
    toggle,
    selectAll: useCallback(() => setSelected(new Set(keys)), [keys]),
    clear: useCallback(() => setSelected(new Set()), []),
  };
}
