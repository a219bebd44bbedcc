import type { Style } from '../../../core/contract/restyle.js';
import { api } from '../api/client.js';
import { useLiveRead } from './useLiveRead.js';

/**
 * The styles (built-ins first, as core lists them), read on mount, on every `styles.changed`
 * (another window or the CLI may edit them), when the connection comes back, when `version`
 * changes (results add sample thumbnails) and on `refresh()`.
 */
export function useStyles(
  reconnects: number,
  version = '',
): { styles: Style[] | null; error: string | null; refresh(): void } {
  const { value, error, refresh } = useLiveRead(() => api.styles.list(), ['styles.changed'], {
    deps: [reconnects, version],
  });
  return { styles: value, error, refresh };
}
