import { useCallback, useEffect, useRef, useState } from 'react';
import type { LibraryPhoto } from '../../../core/contract/files.js';
import type { MethodOutput } from '../../../core/contract/methods.js';
import { api } from '../api/client.js';
import { resolvePick, type PickedFile } from '../api/fileSource.js';
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export type AddSummary = MethodOutput<'library.add'> & {
  /** Files the browser could not hand to the server. */
  notSent: { relativePath: string; message: string }[];
};

export type LibraryStatus =
  | { kind: 'idle' }
  | { kind: 'uploading'; done: number; total: number }
  | { kind: 'scanning' }
  | { kind: 'failed'; message: string };

export interface Library {
  /** null until the first read. */
  photos: LibraryPhoto[] | null;
  status: LibraryStatus;
  /** What the last add did, for the line near the drop zone. */
  last: AddSummary | null;
  add(files: PickedFile[]): Promise<void>;
  remove(paths: string[]): Promise<void>;
  clear(): Promise<void>;
}

/**
 * The library as core keeps it: read on mount, again on `library.changed` (another window, the
 * CLI) and whenever the connection comes back. Adding sends the files (uploads in a browser),
 * then core scans and stores them.
 */
export function useLibrary(reconnects: number): Library {
  const [photos, setPhotos] = useState<LibraryPhoto[] | null>(null);
  const [status, setStatus] = useState<LibraryStatus>({ kind: 'idle' });
  const [last, setLast] = useState<AddSummary | null>(null);
  const reads = useRef(0);

  const read = useCallback(() => {
    const n = ++reads.current;
    api.library.list().then(
      (r) => n === reads.current && setPhotos(r.photos),
      () => undefined,
    );
  }, []);

  useEffect(() => {
    let pending: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('library.changed', () => {
      pending ??= setTimeout(() => {
        pending = null;
        read();
      }, 100);
    });
    read();
    return () => {
      off();
      if (pending) clearTimeout(pending);
    };
  }, [read, reconnects]);

  const add = useCallback(
    async (files: PickedFile[]) => {
      if (files.length === 0) return;
      try {
        setStatus({ kind: 'uploading', done: 0, total: files.length });
        const pick = await resolvePick(files, (done, total) => setStatus({ kind: 'uploading', done, total }));
        setStatus({ kind: 'scanning' });
        const result: MethodOutput<'library.add'> =
          pick.roots.length > 0
            ? await api.library.add({ paths: pick.roots })
            : {
                added: 0,
                already: 0,
                damaged: 0,
                notImages: 0,
                hidden: 0,
                refused: [],
                truncated: false,
                total: photos?.length ?? 0,
              };
        setLast({ ...result, notSent: pick.failed });
        setStatus({ kind: 'idle' });
        read();
      } catch (error) {
        setStatus({ kind: 'failed', message: messageOf(error) });
      }
    },
    [photos, read],
  );

  const remove = useCallback(
    async (paths: string[]) => {
      if (paths.length === 0) return;
      // Shown at once; core confirms with library.changed.
      const gone = new Set(paths);
      setPhotos((prev) => prev?.filter((p) => !gone.has(p.path)) ?? prev);
      await api.library
        .remove({ paths })
        .catch((e: unknown) => setStatus({ kind: 'failed', message: messageOf(e) }));
      read();
    },
    [read],
  );

  const clear = useCallback(async () => {
    setPhotos([]);
    setLast(null);
    await api.library.clear().catch((e: unknown) => setStatus({ kind: 'failed', message: messageOf(e) }));
    read();
  }, [read]);

  return { photos, status, last, add, remove, clear };
}
