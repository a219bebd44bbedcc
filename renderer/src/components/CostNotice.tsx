import { useEffect, useState } from 'react';
import type { EventPayload } from '../../../core/contract/events.js';
import { api } from '../api/client.js';
import { useI18n } from '../i18n/index.js';
import './CostNotice.css';

type Alert = EventPayload<'cost.alert'>;

/**
 * Says so when today's Gemini spend passes 50, 75 or 90 % of the cap (`cost.alert`, whichever
 * process crossed it), above whatever panel is open; a newer alert replaces an older one, and
 * Dismiss hides it. Never a blocking dialog: runs go on until the cap itself stops them.
 */
export function CostNotice({ onOpenSettings }: { onOpenSettings(): void }) {
  const { t, money, percent } = useI18n();
  const [alert, setAlert] = useState<Alert | null>(null);
  useEffect(
    () =>
      api.on('cost.alert', (next) =>
        setAlert((prev) => (prev && prev.day === next.day && prev.threshold > next.threshold ? prev : next)),
      ),
    [],
  );
  if (!alert) return null;
  return (
    <div className={`cost-notice${alert.threshold >= 90 ? ' high' : ''}`} role="alert">
      <p>
        {t('restyle.alert', {
          percent: percent(alert.threshold / 100),
          cap: money(alert.capUsd),
          spent: money(alert.spentUsd),
        })}
      </p>
      <button type="button" className="link" onClick={onOpenSettings}>
        {t('restyle.alert.settings')}
      </button>
      <button type="button" className="button" onClick={() => setAlert(null)}>
        {t('restyle.alert.dismiss')}
      </button>
    </div>
  );
}
