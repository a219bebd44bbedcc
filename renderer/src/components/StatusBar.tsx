import { useEffect, useState } from 'react';
import type { JobSummary } from '../../../core/contract/jobs.js';
import { api } from '../api/client.js';
import { useI18n, type MessageKey } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';
import { useModels } from '../state/useModels.js';

const SPEND_POLL_MS = 30_000;

/** Today's Gemini spend, re-read when keys are used and every half minute. */
function useSpendToday(reconnects: number): number | null {
  const [usd, setUsd] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      api.usage.summary().then(
        (s) => live && setUsd(s.today.usd),
        () => undefined,
      );
    read();
    const off = api.on('keys.changed', read);
    const timer = setInterval(read, SPEND_POLL_MS);
    return () => {
      live = false;
      off();
      clearInterval(timer);
    };
  }, [reconnects]);
  return usd;
}

/** The running job with progress and ETA, the execution provider, and today's Gemini spend. */
export function StatusBar({ jobs, onOpenJob }: { jobs: readonly JobSummary[]; onOpenJob(id: string): void }) {
  const { t, duration, money, percent } = useI18n();
  const { reconnects } = useConnection();
  const spend = useSpendToday(reconnects);
  const { models, refresh } = useModels();
  // The provider is known once a model has run: read the models again when a job finishes.
  const finished = jobs.filter((j) => j.finishedAt !== null).length;
  useEffect(() => refresh(), [finished, refresh]);
  const running = jobs.find((j) => j.status === 'running');
  const waiting = jobs.filter((j) => j.status === 'queued').length;
  const provider = models?.find((m) => m.provider !== null)?.provider ?? null;
  const kindKey = (kind: string) => `kind.${kind}` as MessageKey;
  return (
    <footer className="statusbar" aria-label={t('statusbar.label')}>
      <div className="statusbar-job" role="status">
        {running ? (
          <button type="button" className="link" onClick={() => onOpenJob(running.id)}>
            {t('statusbar.job', {
              kind: t(kindKey(running.kind)),
              done: running.counts.done + running.counts.failed + running.counts.skipped,
              total: running.counts.total,
            })}{' '}
            <progress max={1} value={running.progress} aria-label={percent(running.progress)} />{' '}
            {running.etaMs !== null && t('statusbar.eta', { duration: duration(running.etaMs) })}
          </button>
        ) : (
          <span className="muted">{t('statusbar.idle')}</span>
        )}
        {waiting > 0 && <span className="muted"> · {t('statusbar.queued', { count: waiting })}</span>}
      </div>
      <div className="statusbar-provider">
        {provider
          ? t('statusbar.provider', { provider: provider.toUpperCase() })
          : t('statusbar.providerUnknown')}
      </div>
      <div className="statusbar-spend">
        {spend === null || spend === 0
          ? t('statusbar.spendNone')
          : t('statusbar.spend', { money: money(spend) })}
      </div>
    </footer>
  );
}
