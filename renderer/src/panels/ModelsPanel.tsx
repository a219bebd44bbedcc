import { useEffect, useState, type FormEvent } from 'react';
import { formatBytes } from '../../../core/contract/format.js';
import type { ModelInfo } from '../../../core/contract/enhance.js';
import { api } from '../api/client.js';
import { StatusLine, useAction } from '../components/StatusLine.js';
import { useModels } from '../useModels.js';

function state(m: ModelInfo): string {
  if (m.installed)
    return m.source === 'folder'
      ? 'Installed (models folder)'
      : m.source === 'import'
        ? 'Imported'
        : 'Downloaded';
  return m.downloadable ? 'Available' : 'Import only';
}

/** Installed and available models: download with progress, import a file, remove, provider in use. */
export function ModelsPanel() {
  const { models, error, refresh } = useModels();
  const [progress, setProgress] = useState<Record<string, { received: number; total: number | null }>>({});
  const { message, act } = useAction(refresh);
  const [importPath, setImportPath] = useState('');

  useEffect(
    () =>
      api.on('models.downloadProgress', (p) =>
        setProgress((s) => ({ ...s, [p.id]: { received: p.received, total: p.total } })),
      ),
    [],
  );

  const importFile = (event: FormEvent) => {
    event.preventDefault();
    act(() => api.models.import({ path: importPath.trim() }), `Imported ${importPath.trim()}.`);
  };

  if (error) return <p className="error-message">{error}</p>;
  if (!models) return <p>Loading models…</p>;
  return (
    <section className="models">
      <StatusLine message={message} />
      <table aria-label="Models">
        <thead>
          <tr>
            <th>Model</th>
            <th>Task</th>
            <th>Status</th>
            <th>Size</th>
            <th>Runs on</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {models.map((m) => {
            const p = progress[m.id];
            return (
              <tr key={m.id} aria-label={m.name}>
                <td>
                  <strong>{m.name}</strong>
                  <div className="muted small">{m.notes}</div>
                </td>
                <td>
                  {m.task} ×{m.scale}
                </td>
                <td>{state(m)}</td>
                <td>{m.bytes ? formatBytes(m.bytes) : '—'}</td>
                <td>{m.provider ? m.provider.toUpperCase() : m.installed ? 'not loaded yet' : '—'}</td>
                <td>
                  {!m.installed && m.downloadable && (
                    <button
                      type="button"
                      className="button"
                      onClick={() => act(() => api.models.download({ id: m.id }), `Installed ${m.name}.`)}
                    >
                      Download
                    </button>
                  )}
                  {p && !m.installed && (
                    <progress max={p.total ?? 1} value={p.received} aria-label={`${m.name} download`} />
                  )}
                  {m.installed && m.source !== 'folder' && (
                    <button
                      type="button"
                      className="button danger"
                      onClick={() => act(() => api.models.remove({ id: m.id }), `Removed ${m.name}.`)}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <form className="convert-bar" aria-label="Import a model" onSubmit={importFile}>
        <label className="grow">
          ONNX file on this machine
          <input
            value={importPath}
            placeholder="/path/to/model.onnx"
            onChange={(e) => setImportPath(e.target.value)}
          />
        </label>
        <button type="submit" className="button" disabled={importPath.trim() === ''}>
          Import
        </button>
      </form>
    </section>
  );
}
