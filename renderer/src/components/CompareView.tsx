import { useEffect, useState, type KeyboardEvent } from 'react';
import type { ScannedImage } from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';

interface Props {
  before: ScannedImage;
  after: ScannedImage;
}

const PREVIEW = 1024;
const ZOOMS = [
  ['fit', 'Fit'],
  ['1', '100%'],
  ['2', '200%'],
] as const;

function usePreview(ref: string): string | null {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.files.thumbnail({ ref, size: PREVIEW }).then(
      (t) => live && setSrc(`data:${t.mime};base64,${t.data}`),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [ref]);
  return src;
}

/**
 * Before ▏after: both images drawn at the after image's size (the before one upsampled with
 * square pixels, so the difference is honest), the after one clipped at the slider. Space shows
 * the whole before or after image; arrows move the slider.
 */
export function CompareView({ before, after }: Props) {
  const beforeSrc = usePreview(before.thumbRef);
  const afterSrc = usePreview(after.thumbRef);
  const [split, setSplit] = useState(50);
  const [zoom, setZoom] = useState<(typeof ZOOMS)[number][0]>('fit');
  const [solo, setSolo] = useState<'before' | 'after' | null>(null);
  const shown = solo === 'before' ? 100 : solo === 'after' ? 0 : split;
  const scale = zoom === 'fit' ? null : Number(zoom);
  const previewScale = Math.min(1, PREVIEW / Math.max(after.width, after.height));
  const stageStyle =
    scale === null
      ? { aspectRatio: `${after.width} / ${after.height}` }
      : { width: after.width * previewScale * scale, height: after.height * previewScale * scale };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === ' ') {
      e.preventDefault();
      setSolo((s) => (s === 'after' ? 'before' : 'after'));
    }
  };

  return (
    <figure className="compare" aria-label={`Compare ${before.name}`}>
      <div className="compare-tools">
        <div role="group" aria-label="Zoom">
          {ZOOMS.map(([value, label]) => (
            <button
              key={value}
              type="button"
              className="button"
              aria-pressed={zoom === value}
              onClick={() => setZoom(value)}
            >
              {label}
            </button>
          ))}
        </div>
        <span className="muted">
          {before.width} × {before.height} → {after.width} × {after.height}
        </span>
      </div>
      <div
        className="compare-viewport"
        tabIndex={0}
        onKeyDown={onKey}
        aria-label="Before and after; Space toggles"
      >
        <div className="compare-stage" style={stageStyle}>
          {beforeSrc && (
            <img className="compare-before" src={beforeSrc} alt={`${before.name} before`} draggable={false} />
          )}
          {afterSrc && (
            <img
              className="compare-after"
              src={afterSrc}
              alt={`${before.name} after`}
              draggable={false}
              style={{ clipPath: `inset(0 0 0 ${shown}%)` }}
            />
          )}
          <div className="compare-line" style={{ left: `${shown}%` }} aria-hidden="true" />
        </div>
      </div>
      <input
        type="range"
        min={0}
        max={100}
        value={split}
        aria-label="Before/after position"
        onChange={(e) => {
          setSolo(null);
          setSplit(Number(e.target.value));
        }}
      />
      <figcaption className="muted">
        Before ▏after. Drag the slider, or focus the image and press Space to flip between them.
      </figcaption>
    </figure>
  );
}
