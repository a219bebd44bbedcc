import { useEffect, useRef, useState } from 'react';
import type { MethodOutput } from '../../../core/contract/methods.js';
import { api } from '../api/client.js';
import { useI18n } from '../i18n/index.js';
import { problemOf } from './forms.js';

type Listing = MethodOutput<'files.folders'>;

/**
 * Chooses a folder on the server, for the browser studio where no native picker can name one:
 * it walks the folders under the roots the server allows (`pixelsmith serve --root`).
 */
export function FolderChooser({
  start,
  onChoose,
  onClose,
}: {
  start: string | null;
  onChoose(path: string): void;
  onClose(): void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = (path: string | null) => {
    setError(null);
    api.files.folders(path ? { path } : {}).then(setListing, (e: unknown) => {
      setError(problemOf(e, '').message);
      if (path) api.files.folders({}).then(setListing, () => undefined);
    });
  };
  /** The start folder, or the nearest folder above it that exists (a default not yet made). */
  const openNearest = (path: string | null) => {
    if (!path) return open(null);
    api.files.folders({ path }).then(setListing, () => {
      const parent = path.replace(/[\\/][^\\/]*$/, '');
      if (parent && parent !== path) openNearest(parent);
      else open(null);
    });
  };
  useEffect(() => {
    ref.current?.showModal();
    openNearest(start);
    // Opened once, at `start`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <dialog ref={ref} className="dialog folder-chooser" aria-labelledby="folders-title" onClose={onClose}>
      <h2 id="folders-title">{t('folders.title')}</h2>
      {error && (
        <p role="alert" className="error-message">
          {error}
        </p>
      )}
      {!listing && !error && <p className="muted">{t('common.loading')}</p>}
      {listing && (
        <>
          <p className="mono small">{listing.path ?? t('folders.roots')}</p>
          <ul className="folder-list" aria-label={listing.path ?? t('folders.roots')}>
            {listing.path !== null && (
              <li>
                <button type="button" className="link" onClick={() => open(listing.parent)}>
                  <span aria-hidden="true">↑ </span>
                  {t('folders.up')}
                </button>
              </li>
            )}
            {listing.folders.map((f) => (
              <li key={f.path}>
                <button type="button" className="link" onClick={() => open(f.path)}>
                  <span aria-hidden="true">📁 </span>
                  {f.name}
                </button>
              </li>
            ))}
            {listing.folders.length === 0 && <li className="muted">{t('folders.empty')}</li>}
          </ul>
        </>
      )}
      <div className="form-actions">
        <button
          type="button"
          className="button primary"
          disabled={!listing?.path}
          onClick={() => {
            if (listing?.path) onChoose(listing.path);
            ref.current?.close();
          }}
        >
          {t('folders.choose')}
        </button>
        <button type="button" className="button" onClick={() => ref.current?.close()}>
          {t('common.cancel')}
        </button>
      </div>
    </dialog>
  );
}
