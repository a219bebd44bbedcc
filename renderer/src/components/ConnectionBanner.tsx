import { useI18n } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';

/** Says when the server is away; every action is disabled meanwhile (see `useConnection().online`). */
export function ConnectionBanner() {
  const { t } = useI18n();
  const { state } = useConnection();
  if (state === 'open' || state === 'connecting') return null;
  return (
    <div className={`connection-banner ${state}`} role="alert">
      {state === 'reconnecting' ? t('connection.reconnecting') : t('connection.disconnected')}
    </div>
  );
}
