import type { CostToday } from '../../../core/contract/keys.js';
import { api } from '../api/client.js';
import { useLiveRead } from './useLiveRead.js';

/**
 * Today's Gemini spend against the cap: read on mount, when the connection comes back, when
 * `version` changes (a job progressed), and soon after each `cost.changed` or `settings.changed`
 * (the cap is a setting).
 */
export function useCostToday(reconnects: number, version = ''): CostToday | null {
  return useLiveRead(() => api.cost.today(), ['cost.changed', 'settings.changed'], {
    deps: [reconnects, version],
  }).value;
}
