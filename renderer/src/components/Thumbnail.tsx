import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';

interface Props {
  refId: string;
  alt: string;
}

/** Loads its thumbnail only once scrolled near the viewport, so big folders stay light. */
export function Thumbnail({ refId, alt }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let live = true;
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        observer.disconnect();
        api.files.thumbnail({ ref: refId }).then(
          (t) => live && setSrc(`data:${t.mime};base64,${t.data}`),
          (error: unknown) => live && setFailed(error instanceof Error ? error.message : String(error)),
        );
      },
      { rootMargin: '400px' },
    );
    observer.observe(el);
    return () => {
      live = false;
      observer.disconnect();
    };
  }, [refId]);

  return (
    <div className="thumb" ref={box}>
      {src && <img src={src} alt={alt} draggable={false} />}
      {failed && (
        <span className="thumb-failed" title={failed}>
          No preview
        </span>
      )}
    </div>
  );
}
