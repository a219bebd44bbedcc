import PQueue from 'p-queue';
import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { useI18n } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';

/**
 * Thumbnails already fetched this session, by reference and size (an object URL each), and the
 * reads in flight: scrolling back never asks again, and a gallery of thousands asks for at most
 * a few at a time (the rest wait in the queue and are dropped when scrolled away).
 */
const cache = new Map<string, string>();
const queue = new PQueue({ concurrency: 6 });
const MAX_CACHED = 4000;

function toObjectUrl(base64: string, mime: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: mime }));
}

async function load(refId: string, size: number | undefined, signal: AbortSignal): Promise<string> {
  const key = `${refId}@${size ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  return queue.add(
    async () => {
      const again = cache.get(key);
      if (again) return again;
      const t = await api.files.thumbnail({ ref: refId, ...(size !== undefined && { size }) });
      const url = toObjectUrl(t.data, t.mime);
      if (cache.size >= MAX_CACHED) {
        const [oldest] = cache;
        if (oldest) {
          URL.revokeObjectURL(oldest[1]);
          cache.delete(oldest[0]);
        }
      }
      cache.set(key, url);
      return url;
    },
    { signal },
  );
}

interface Props {
  refId: string;
  alt: string;
  /** Longest side asked for; default the thumbnail size setting. */
  size?: number;
}

/**
 * A photo's thumbnail. Mounted only while on screen (the gallery is virtualised), so it simply
 * loads when it mounts; a failure while the server is away is tried again when it is back.
 */
export function Thumbnail({ refId, alt, size }: Props) {
  const { t } = useI18n();
  const { reconnects, online } = useConnection();
  const [src, setSrc] = useState<string | null>(() => cache.get(`${refId}@${size ?? ''}`) ?? null);
  const [failure, setFailure] = useState<{ key: string; message: string } | null>(null);
  const key = `${refId}@${size ?? ''}@${reconnects}`;
  const failed = failure?.key === key ? failure.message : null;

  useEffect(() => {
    const controller = new AbortController();
    load(refId, size, controller.signal).then(
      (url) => !controller.signal.aborted && setSrc(url),
      (error: unknown) => {
        if (!controller.signal.aborted)
          setFailure({ key, message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => controller.abort();
  }, [refId, size, key]);

  return (
    <div className="thumb">
      {src && <img src={src} alt={alt} draggable={false} />}
      {!src && failed && (
        <span className="thumb-failed" title={failed}>
          {online ? t('thumb.none') : t('thumb.retry')}
        </span>
      )}
    </div>
  );
}

/** The thumbnail of a finished item's output. */
export function OutputThumbnail({ itemId, alt, size }: { itemId: number; alt: string; size?: number }) {
  const [ref, setRef] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.files.outputRef({ itemId }).then(
      (r) => live && setRef(r.ref),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [itemId]);
  return ref ? (
    <Thumbnail refId={ref} alt={alt} {...(size !== undefined && { size })} />
  ) : (
    <div className="thumb" />
  );
}
