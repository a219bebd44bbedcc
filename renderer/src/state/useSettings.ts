import { useEffect, useState } from 'react';
import type { Settings } from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';

/** Current settings, kept fresh by `settings.changed` (another window or the CLI may change them). */
export function useSettings(): Settings | null {
  const [settings, setSettings] = useState<Settings | null>(null);
  useEffect(() => {
    let live = true;
    const off = api.on('settings.changed', (next) => setSettings(next));
    api.settings.get().then(
      (s) => live && setSettings(s),
      () => undefined,
    );
    return () => {
      live = false;
      off();
    };
  }, []);
  return settings;
}

/** Applies the theme: `system` leaves it to the OS through `prefers-color-scheme`. */
export function useTheme(theme: Settings['theme'] | undefined): void {
  useEffect(() => {
    const html = document.documentElement;
    if (!theme || theme === 'system') delete html.dataset.theme;
    else html.dataset.theme = theme;
  }, [theme]);
}
