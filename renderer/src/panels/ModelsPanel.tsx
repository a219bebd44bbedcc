import './ModelsPanel.css';
import { useCallback, useEffect, useId, useState, type ChangeEvent } from 'react';
import type { ModelInfo } from '../../../core/contract/enhance.js';
import { api } from '../api/client.js';
import { problemOf, StatusLine, type Message } from '../components/forms.js';
import { en } from '../i18n/en.js';
import { useI18n, type I18n, type MessageKey } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';
import { useModels } from '../state/useModels.js';

type Progress = { received: number; total: number | null };
/** What the import is doing right now, shown while it runs. */
type ImportState =
  { name: string; phase: 'uploading'; fraction: number | null } | { name: string; phase: 'reading' };

const PROVIDER_KEYS: Record<string, MessageKey> = {
  cpu: 'models.provider.cpu',
  cuda: 'models.provider.cuda',
  dml: 'models.provider.dml',
  coreml: 'models.provider.coreml',
};

const SOURCE_KEYS: Record<NonNullable<ModelInfo['source']>, MessageKey> = {
  download: 'models.source.download',
  import: 'models.source.import',
  folder: 'models.source.folder',
  bundled: 'models.source.bundled',
};

function taskText(m: ModelInfo, t: I18n['t']): string {
  switch (m.task) {
    case 'upscale':
      return t('models.task.upscale', { scale: m.scale });
    case 'face-restore':
      return t('models.task.faceRestore');
    case 'face-detect':
      return t('models.task.faceDetect');
  }
}

function stateOf(m: ModelInfo): { key: MessageKey; badge: string } {
  if (m.installed)
    return m.source === 'import'
      ? { key: 'models.state.imported', badge: 'badge-ok' }
      : { key: 'models.state.installed', badge: 'badge-ok' };
  return m.downloadable
    ? { key: 'models.state.available', badge: 'badge-warn' }
    : { key: 'models.state.importOnly', badge: 'badge-muted' };
}

/** What core says of a model it has no catalogue entry for (one the user imported). */
const CORE_IMPORTED_SUMMARY = 'A model you imported.';

/** The catalogue's summary in the studio's language; core's own sentence for models without a translation. */
function summaryOf(m: ModelInfo, t: I18n['t']): string {
  const key = `models.summary.${m.id}`;
  if (Object.hasOwn(en, key)) return t(key as MessageKey);
  if (m.summary === CORE_IMPORTED_SUMMARY) return t('models.summary.imported');
  return m.summary;
}

function providerText(provider: string, t: I18n['t']): string {
  const key = PROVIDER_KEYS[provider];
  return key ? t(key) : provider.toUpperCase();
}

type UploadAnswer = { ok?: boolean; value?: { path?: unknown }; error?: { message?: unknown } };

function parseAnswer(text: string): UploadAnswer | null {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null ? (body as UploadAnswer) : null;
  } catch {
    return null;
  }
}

function newBatchId(): string {
  return `model-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Hands a file from the browser to the server the way the library does (`PUT /upload`, the file as
 * the body, `{ok, value: {path}}` back), with upload progress; resolves to the server-side path.
 */
function uploadFile(
  file: File,
  t: I18n['t'],
  onProgress: (fraction: number | null) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const fail = (reason: string) =>
      reject(new Error(t('models.import.uploadFailed', { name: file.name, reason })));
    xhr.open('PUT', `/upload?batch=${newBatchId()}&path=${encodeURIComponent(file.name)}`);
    xhr.upload.onprogress = (e) => onProgress(e.lengthComputable && e.total > 0 ? e.loaded / e.total : null);
    xhr.onerror = () => fail(t('models.import.unreachable'));
    xhr.onabort = () => fail(t('models.import.unreachable'));
    xhr.onload = () => {
      const body = parseAnswer(xhr.responseText);
      if (body?.ok && typeof body.value?.path === 'string') resolve(body.value.path);
      else
        fail(
          typeof body?.error?.message === 'string'
            ? body.error.message
            : t('models.import.answered', { status: String(xhr.status) }),
        );
    };
    xhr.send(file);
  });
}

/** Installed and available models as cards: download with progress, import a file, remove, provider in use. */
export function ModelsPanel() {
  const { t } = useI18n();
  const { online, reconnects } = useConnection();
  const { models, error, refresh } = useModels();
  const [message, setMessage] = useState<Message>(null);
  const [progress, setProgress] = useState<Record<string, Progress>>({});
  const [converting, setConverting] = useState<Record<string, number>>({});
  const [working, setWorking] = useState<ReadonlySet<string>>(() => new Set());
  const [importing, setImporting] = useState<ImportState | null>(null);

  useEffect(
    () =>
      api.on('models.downloadProgress', (p) =>
        setProgress((s) => ({ ...s, [p.id]: { received: p.received, total: p.total } })),
      ),
    [],
  );
  // A checkpoint is converted after its download or import, or at its first use by a job.
  useEffect(
    () =>
      api.on('models.convertProgress', (p) => {
        setConverting((s) => {
          const next = { ...s, [p.id]: p.fraction };
          if (p.fraction >= 1) delete next[p.id];
          return next;
        });
        if (p.fraction >= 1) refresh();
      }),
    [refresh],
  );
  // Events were missed while the connection was down: read the list again.
  useEffect(() => {
    if (reconnects > 0) refresh();
  }, [reconnects, refresh]);

  /** Runs a change and says how it went; the list is read again either way. */
  const run = useCallback(
    async (fn: () => Promise<string>): Promise<void> => {
      setMessage(null);
      try {
        setMessage({ kind: 'ok', text: await fn() });
      } catch (e) {
        setMessage({ kind: 'error', problem: problemOf(e, t('error.fields')) });
      } finally {
        refresh();
      }
    },
    [refresh, t],
  );

  const withWorking = async (id: string, fn: () => Promise<string>) => {
    setWorking((s) => new Set(s).add(id));
    try {
      await run(fn);
    } finally {
      setWorking((s) => {
        const next = new Set(s);
        next.delete(id);
        return next;
      });
      setProgress((s) => {
        const next = { ...s };
        delete next[id];
        return next;
      });
    }
  };

  const download = (m: ModelInfo) =>
    withWorking(m.id, async () => {
      const info = await api.models.download({ id: m.id });
      return t('models.downloaded', { name: info.name });
    });
  const remove = (m: ModelInfo) =>
    withWorking(m.id, async () => {
      await api.models.remove({ id: m.id });
      return t('models.removed', { name: m.name });
    });

  const importFile = (file: File) =>
    run(async () => {
      try {
        if (!/\.(onnx|pth|safetensors)$/i.test(file.name))
          throw new Error(t('models.import.notOnnx', { name: file.name }));
        const shell = window.pixelsmithShell;
        let path: string;
        if (shell) {
          path = shell.pathForFile(file);
          if (!path) throw new Error(t('models.import.noPath', { name: file.name }));
        } else {
          setImporting({ name: file.name, phase: 'uploading', fraction: 0 });
          path = await uploadFile(file, t, (fraction) =>
            setImporting({ name: file.name, phase: 'uploading', fraction }),
          );
        }
        setImporting({ name: file.name, phase: 'reading' });
        try {
          const info = await api.models.import({ path });
          return t('models.imported', { name: info.name });
        } catch (e) {
          // The server names the copy it received; the user knows the file by its own name.
          if (!shell && e instanceof Error && e.message.includes(path)) {
            throw new Error(e.message.split(path).join(file.name), { cause: e });
          }
          throw e;
        }
      } finally {
        setImporting(null);
      }
    });

  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    // Cleared so that choosing the same file again (after fixing it) fires again.
    event.target.value = '';
    if (file) void importFile(file);
  };

  return (
    <div className="models-panel">
      <p className="muted models-intro">{t('models.intro')}</p>
      <StatusLine message={message} />
      {error ? (
        <p role="alert" className="error-message">
          {t('models.loadFailed', { error })}
        </p>
      ) : !models ? (
        <p className="muted">{t('models.loading')}</p>
      ) : models.length === 0 ? (
        <p className="muted">{t('models.empty')}</p>
      ) : (
        <ul className="models-list" aria-label={t('models.list')}>
          {models.map((m) => (
            <ModelCard
              key={m.id}
              model={m}
              progress={progress[m.id]}
              converting={converting[m.id]}
              working={working.has(m.id)}
              online={online}
              onDownload={() => void download(m)}
              onRemove={() => void remove(m)}
            />
          ))}
        </ul>
      )}
      <ImportSection online={online} importing={importing} onPick={onPick} />
    </div>
  );
}

function ModelCard({
  model: m,
  progress,
  converting,
  working,
  online,
  onDownload,
  onRemove,
}: {
  model: ModelInfo;
  progress: Progress | undefined;
  converting: number | undefined;
  working: boolean;
  online: boolean;
  onDownload(): void;
  onRemove(): void;
}) {
  const { t, bytes, percent } = useI18n();
  const state = stateOf(m);
  const canDownload = !m.installed && m.downloadable;
  const canRemove = m.installed && m.source !== 'folder' && m.source !== 'bundled';
  const showProgress =
    converting === undefined && !m.installed && (progress !== undefined || (working && canDownload));
  return (
    <li className="card models-card" aria-label={m.name}>
      <div className="models-card-head">
        <h2 className="models-name">{m.name}</h2>
        <span className={`badge ${state.badge}`}>{t(state.key)}</span>
      </div>
      <p className="models-facts">
        <span>{taskText(m, t)}</span>
        <span>{m.bytes !== null ? bytes(m.bytes) : t('models.sizeUnknown')}</span>
      </p>
      {m.installed && (
        <p className={m.provider ? 'models-provider' : 'models-provider muted'}>
          {m.provider ? t('models.runsOn', { provider: providerText(m.provider, t) }) : t('models.notLoaded')}
        </p>
      )}
      <p className="models-summary">{summaryOf(m, t)}</p>
      {m.source === 'folder' && <p className="small muted">{t('models.folderNote')}</p>}
      {m.source === 'bundled' && <p className="small muted">{t('models.bundledNote')}</p>}
      {converting !== undefined && (
        <div className="models-progress">
          <progress max={1} value={converting} aria-label={t('models.convertProgress', { name: m.name })} />
          <span className="small muted">
            {t('models.converting', { name: m.name })} {percent(converting)}
          </span>
        </div>
      )}
      {!m.installed && !m.downloadable && <p className="small muted">{t('models.importOnlyNote')}</p>}
      {showProgress && (
        <div className="models-progress">
          <progress
            max={progress?.total ?? undefined}
            value={progress && progress.total ? progress.received : undefined}
            aria-label={t('models.downloadProgress', { name: m.name })}
          />
          <span className="small muted">
            {progress
              ? progress.total
                ? t('models.downloadReceived', {
                    received: bytes(progress.received),
                    total: bytes(progress.total),
                  })
                : t('models.downloadReceivedUnknown', { received: bytes(progress.received) })
              : t('models.downloading', { name: m.name })}
          </span>
        </div>
      )}
      {(canDownload || canRemove) && (
        <div className="models-actions">
          {canDownload && (
            <button
              type="button"
              className="button primary"
              aria-label={t('models.downloadNamed', { name: m.name })}
              disabled={!online || working}
              onClick={onDownload}
            >
              {t('models.download')}
            </button>
          )}
          {canRemove && (
            <button
              type="button"
              className="button danger"
              aria-label={t('models.removeNamed', { name: m.name })}
              disabled={!online || working}
              onClick={onRemove}
            >
              {t('models.remove')}
            </button>
          )}
        </div>
      )}
      <details className="models-details">
        <summary>{t('models.details')}</summary>
        <dl>
          <dt>{t('models.details.id')}</dt>
          <dd className="mono">{m.id}</dd>
          {m.source && (
            <>
              <dt>{t('models.details.source')}</dt>
              <dd>{t(SOURCE_KEYS[m.source])}</dd>
            </>
          )}
          {m.path && (
            <>
              <dt>{t('models.details.file')}</dt>
              <dd className="mono">{m.path}</dd>
            </>
          )}
          {m.sha256 && (
            <>
              <dt>{t('models.details.sha256')}</dt>
              <dd>
                <span className="mono">{m.sha256}</span>{' '}
                <span className="small muted">
                  (
                  {m.sha256Source
                    ? t('models.details.sha256Published', { source: m.sha256Source })
                    : t('models.details.sha256Recorded')}
                  )
                </span>
              </dd>
            </>
          )}
          <dt>{t('models.details.licence')}</dt>
          <dd>{m.licence}</dd>
          {m.notes && (
            <>
              <dt>{t('models.details.notes')}</dt>
              <dd>{m.notes}</dd>
            </>
          )}
        </dl>
      </details>
    </li>
  );
}

function ImportSection({
  online,
  importing,
  onPick,
}: {
  online: boolean;
  importing: ImportState | null;
  onPick(event: ChangeEvent<HTMLInputElement>): void;
}) {
  const { t, percent } = useI18n();
  const headingId = useId();
  const hintId = useId();
  const disabled = !online || importing !== null;
  return (
    <section className="models-import" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('models.import.title')}</h2>
      <p id={hintId} className="hint">
        {t('models.import.hint')}
      </p>
      <label className={`button${disabled ? ' is-disabled' : ''}`}>
        {t('models.import.button')}
        <input
          type="file"
          accept=".pth,.safetensors,.onnx"
          className="visually-hidden"
          aria-describedby={hintId}
          disabled={disabled}
          onChange={onPick}
        />
      </label>
      {importing && (
        <div className="models-progress">
          <span role="status" className="small">
            {importing.phase === 'uploading'
              ? t('models.import.uploading', { name: importing.name })
              : t('models.import.reading', { name: importing.name })}
          </span>
          {importing.phase === 'uploading' && (
            <>
              <progress
                max={1}
                value={importing.fraction ?? undefined}
                aria-label={t('models.import.uploadProgress', { name: importing.name })}
              />
              {importing.fraction !== null && (
                <span className="small muted" aria-hidden="true">
                  {percent(importing.fraction)}
                </span>
              )}
            </>
          )}
        </div>
      )}
    </section>
  );
}
