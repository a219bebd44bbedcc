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
  /** The files and folders the user added, as core paths (what a job is made from). */
  roots: string[];
  images: LibraryImage[];
  errors: LibraryError[];
  status: LibraryStatus;
  add(files: PickedFile[]): Promise<void>;
  clear(): void;
}

/** The current selection of photos: picks are resolved, scanned, and merged (no duplicates). */
export function useLibrary(): Library {
  const [roots, setRoots] = useState<string[]>([]);
  const [images, setImages] = useState<LibraryImage[]>([]);
  const [errors, setErrors] = useState<LibraryError[]>([]);
  const [status, setStatus] = useState<LibraryStatus>({ kind: 'idle' });

  const add = useCallback(async (files: PickedFile[]) => {
    if (files.length === 0) return;
    try {
      setStatus({ kind: 'uploading', done: 0, total: files.length });
      const pick = await resolvePick(files, (done, total) => setStatus({ kind: 'uploading', done, total }));
      setStatus({ kind: 'scanning' });
      const uploadErrors: LibraryError[] = pick.failed.map((f) => ({
        path: f.relativePath,
        shownPath: f.relativePath,
        code: 'TRANSPORT',
        message: f.message,
      }));
      const result =
        pick.roots.length > 0
          ? await api.files.scan({ paths: pick.roots })
          : { images: [], errors: [], skipped: 0 };
      setRoots((prev) => [...new Set([...prev, ...pick.roots])]);
      const show = (path: string): string =>
        pick.displayPrefix && path.startsWith(pick.displayPrefix.from)
          ? path.slice(pick.displayPrefix.from.length)
          : path;
      setImages((prev) => {
        const known = new Set(prev.map((i) => i.path));
        return [
          ...prev,
          ...result.images.filter((i) => !known.has(i.path)).map((i) => ({ ...i, shownPath: show(i.path) })),
        ];
      });
      setErrors((prev) => [
        ...prev,
        ...uploadErrors,
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
    setRoots([]);
    setImages([]);
    setErrors([]);
    setStatus({ kind: 'idle' });
  }, []);

  return { roots, images, errors, status, add, clear };
}
