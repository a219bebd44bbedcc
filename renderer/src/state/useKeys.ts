import type { KeyInfo } from '../../../core/contract/keys.js';
import type { MethodOutput } from '../../../core/contract/methods.js';
import { api } from '../api/client.js';
import { useLiveRead } from './useLiveRead.js';

export type UsageSummary = MethodOutput<'usage.summary'>;

/** How often the gauges are re-read while the panel is open, so RPM decays as the minute passes. */
const POLL_MS = 5000;
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
  const { value, error, refresh } = useLiveRead(
    () => Promise.all([api.keys.list(), api.usage.summary()]),
    ['keys.changed'],
    { pollMs: POLL_MS },
  );
  return { keys: value?.[0] ?? null, usage: value?.[1] ?? null, error, refresh };
}
