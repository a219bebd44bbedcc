import { useState, type DragEvent, type ReactNode } from 'react';
import { filesFromDrop, filesFromInput } from '../api/fileSource.js';
import type { Library as LibraryState } from '../useLibrary.js';
import { assertNever } from '../../../core/contract/errors.js';
import { formatBytes } from '../../../core/contract/format.js';
import { ConvertBar } from './ConvertBar.js';
import { Thumbnail } from './Thumbnail.js';

interface Props {
  library: LibraryState;
  onJobStarted(jobId: string): void;
  /** The panel's own actions for the selection (shown above Convert). */
  actions?: ReactNode;
}

function statusText(status: LibraryState['status']): string {
  switch (status.kind) {
    case 'idle':
      return '';
    case 'uploading':
      return `Sending ${status.done} of ${status.total} file(s) to Pixelsmith…`;
    case 'scanning':
      return 'Reading images…';
    case 'failed':
      return `Could not add those files: ${status.message}`;
    default:
      return assertNever(status);
  }
}

/** Drop zone, the gallery of the current selection, and the files that could not be used. */
export function Library({ library, onJobStarted, actions }: Props) {
  const [dragging, setDragging] = useState(false);
  const busy = library.status.kind === 'uploading' || library.status.kind === 'scanning';

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void filesFromDrop(event.dataTransfer.items).then(library.add);
  };

  return (
    <section className="library">
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        aria-busy={busy}
      >
        <p className="drop-title">Drop photos or folders here</p>
        <p className="drop-hint">
          JPEG, PNG, WebP, GIF, AVIF, TIFF and HEIF; folders are searched all the way down.
        </p>
        <div className="drop-actions">
          <label className="button primary">
            Add photos
            <input
              type="file"
              multiple
              accept="image/*,.heic,.heif,.avif,.tif,.tiff"
              className="visually-hidden"
              onChange={(e) => {
                void library.add(filesFromInput(e.currentTarget.files));
                e.currentTarget.value = '';
              }}
            />
          </label>
          <label className="button">
            Add folder
            <input
              type="file"
              multiple
              // Non-standard attribute every current browser and Electron honour for folder picks.
              {...{ webkitdirectory: '' }}
              className="visually-hidden"
              onChange={(e) => {
                void library.add(filesFromInput(e.currentTarget.files));
                e.currentTarget.value = '';
              }}
            />
          </label>
          {library.images.length + library.errors.length > 0 && (
            <button type="button" className="button" onClick={library.clear}>
              Clear
            </button>
          )}
        </div>
        <p className="status" role="status" aria-live="polite">
          {statusText(library.status)}
        </p>
      </div>

      {library.images.length > 0 && actions}
      {library.images.length > 0 && (
        <ConvertBar roots={library.roots} count={library.images.length} onStarted={onJobStarted} />
      )}
      {library.images.length > 0 && (
        <p className="summary">
          {library.images.length} photo{library.images.length === 1 ? '' : 's'},{' '}
          {formatBytes(library.images.reduce((sum, i) => sum + i.size, 0))}
        </p>
      )}
      <ul className="gallery" aria-label="Photos">
        {library.images.map((img) => (
          <li key={img.path} className="card" aria-label={img.name} title={img.shownPath}>
            <Thumbnail refId={img.thumbRef} alt={img.name} />
            <div className="card-meta">
              <span className="card-name">{img.name}</span>
              <span className="card-dims">
                {img.width} × {img.height}
              </span>
              <span className="card-size">
                {img.format.toUpperCase()} · {formatBytes(img.size)}
              </span>
            </div>
          </li>
        ))}
      </ul>

      {library.errors.length > 0 && (
        <section className="errors" aria-label="Files that could not be added">
          <h2>
            {library.errors.length} file{library.errors.length === 1 ? '' : 's'} could not be added
          </h2>
          <ul>
            {library.errors.map((e) => (
              <li key={`${e.path}:${e.code}`} className="error-row">
                <span className="error-file">{e.shownPath.split(/[/\\]/).pop()}</span>
                <span className="error-message">{e.message}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
