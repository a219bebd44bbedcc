import { useEffect, useRef, useState } from 'react';
import type { AppInfo } from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';

interface Props {
  onClose(): void;
}

/** Version, data folder and what ONNX Runtime can use here, from `app.info`. */
export function AboutDialog({ onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    ref.current?.showModal();
    api.app.info().then(setInfo, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="about-title" onClose={onClose}>
      <h2 id="about-title">About Pixelsmith</h2>
      {error && <p className="error-message">{error}</p>}
      {!info && !error && <p>Loading…</p>}
      {info && (
        <dl className="facts">
          <dt>Version</dt>
          <dd>{info.version}</dd>
          <dt>Running as</dt>
          <dd>
            {info.shell === 'electron'
              ? 'Desktop app'
              : info.shell === 'web'
                ? 'Web studio (headless server)'
                : 'Command line'}{' '}
            on {info.platform} {info.arch}, Node {info.node}
          </dd>
          <dt>Data folder</dt>
          <dd className="mono">{info.dataDir}</dd>
          <dt>Database schema</dt>
          <dd>version {info.schemaVersion}</dd>
          <dt>API keys encrypted with</dt>
          <dd>
            {info.secretStorage.kind}
            {info.secretStorage.notice && (
              <p role="note" className="notice">
                {info.secretStorage.notice}
              </p>
            )}
          </dd>
          <dt>ONNX Runtime</dt>
          <dd>{info.onnxruntime.version ?? info.onnxruntime.error ?? 'not available'}</dd>
          <dt>Execution providers</dt>
          <dd>
            <ul className="providers">
              {info.onnxruntime.executionProviders.map((p) => (
                <li key={p.name}>
                  <strong>{p.name}</strong> {p.bundled ? '(included)' : '(needs extra libraries)'} — {p.note}
                </li>
              ))}
            </ul>
          </dd>
        </dl>
      )}
      <form method="dialog">
        <button type="submit" className="button primary" autoFocus>
          Close
        </button>
      </form>
    </dialog>
  );
}
