import { useEffect, useRef, useState } from 'react';
import type { AppInfo } from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';
import { useI18n } from '../i18n/index.js';

interface Props {
  onClose(): void;
}

/** Version, data folder and what ONNX Runtime can use here, from `app.info`. */
export function AboutDialog({ onClose }: Props) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    ref.current?.showModal();
    api.app.info().then(setInfo, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="about-title" onClose={onClose}>
      <h2 id="about-title">{t('about.title')}</h2>
      {error && <p className="error-message">{error}</p>}
      {!info && !error && <p>{t('common.loading')}</p>}
      {info && (
        <dl className="facts">
          <dt>{t('about.version')}</dt>
          <dd>{info.version}</dd>
          <dt>{t('about.runningAs')}</dt>
          <dd>
            {t('about.on', {
              shell: t(`about.shell.${info.shell}`),
              platform: info.platform,
              arch: info.arch,
              node: info.node,
            })}
          </dd>
          <dt>{t('about.dataDir')}</dt>
          <dd className="mono">{info.dataDir}</dd>
          <dt>{t('about.schema')}</dt>
          <dd>{t('about.schemaVersion', { version: String(info.schemaVersion) })}</dd>
          <dt>{t('about.secrets')}</dt>
          <dd>
            {info.secretStorage.kind}
            {info.secretStorage.notice && (
              <p role="note" className="notice">
                {info.secretStorage.notice}
              </p>
            )}
          </dd>
          <dt>{t('about.onnx')}</dt>
          <dd>{info.onnxruntime.version ?? info.onnxruntime.error ?? t('about.onnxMissing')}</dd>
          <dt>{t('about.providers')}</dt>
          <dd>
            <ul className="providers">
              {info.onnxruntime.executionProviders.map((p) => (
                <li key={p.name}>
                  <strong>{p.name}</strong> {p.bundled ? t('about.included') : t('about.extra')} — {p.note}
                </li>
              ))}
            </ul>
          </dd>
        </dl>
      )}
      <form method="dialog">
        <button type="submit" className="button primary" autoFocus>
          {t('common.close')}
        </button>
      </form>
    </dialog>
  );
}
