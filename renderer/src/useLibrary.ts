import { useCallback, useState } from 'react';
import type { ScanEntryError, ScannedImage } from '../../core/contract/schemas.js';
import { api } from './api/client.js';
import { resolvePick, type PickedFile } from './api/fileSource.js';

export interface LibraryError extends ScanEntryError {
  /** The path as the user knows it. */
  shownPath: string;
}
export interface LibraryImage extends ScannedImage {
  shownPath: string;
}

export type LibraryStatus =
  | { kind: 'idle' }
  | { kind: 'uploading'; done: number; total: number }
  | { kind: 'scanning' }
  | { kind: 'failed'; message: string };

export interface Library {
  images: LibraryImage[];
  errors: LibraryError[];
  status: LibraryStatus;
  add(files: PickedFile[]): Promise<void>;
  clear(): void;
}

/** The current selection of photos: picks are resolved, scanned, and merged (no duplicates). */
export function useLibrary(): Library {
  const [images, setImages] = useState<LibraryImage[]>([]);
  const [errors, setErrors] = useState<LibraryError[]>([]);
  const [status, setStatus] = useState<LibraryStatus>({ kind: 'idle' });

  const add = useCallback(async (files: PickedFile[]) => {
    if (files.length === 0) return;
    try {
      setStatus({ kind: 'uploading', done: 0, total: files.length });
      const pick = await resolvePick(files, (done, total) => setStatus({ kind: 'uploading', done, total }));
      setStatus({ kind: 'scanning' });
      const result = await api.files.scan({ paths: pick.roots });
      const show = (path: string): string =>
        pick.displayPrefix && path.startsWith(pick.displayPrefix.from) ? path.slice(pick.displayPrefix.from.length) : path;
      setImages((prev) => {
        const known = new Set(prev.map((i) => i.path));
        return [...prev, ...result.images.filter((i) => !known.has(i.path)).map((i) => ({ ...i, shownPath: show(i.path) }))];
      });
      setErrors((prev) => [
        ...prev,
        ...result.errors.map((e) => ({
          ...e,
          shownPath: show(e.path),
          message: pick.displayPrefix ? e.message.split(pick.displayPrefix.from).join('') : e.message,
        })),
      ]);
      setStatus({ kind: 'idle' });
    } catch (error) {
      setStatus({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }, []);

  const clear = useCallback(() => {
    setImages([]);
    setErrors([]);
    setStatus({ kind: 'idle' });
  }, []);

  return { images, errors, status, add, clear };
}
