import {
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
} from 'react';
import type { JobItem } from '../../../core/contract/jobs.js';
import { api } from '../api/client.js';
import { useI18n } from '../i18n/index.js';
import './FaceStrip.css';
import { FaceStrip, parseFaceBoxes, type FaceBox } from './FaceStrip.js';

/** One side of a compare: an image core can serve regions of, and its full size. */
export interface CompareImage {
  ref: string;
  width: number;
  height: number;
}

export type CompareMode = 'split' | 'after' | 'before';
const MODES: readonly CompareMode[] = ['split', 'after', 'before'];

/** Region tiles are this many image pixels square. */
const TILE = 512;
/** The preview both sides start from (longest side), before tiles arrive. */
const PREVIEW = 2048;
const MAX_TILES = 400;

interface View {
  /** CSS pixels per after-image pixel. */
  scale: number;
  /** Where the after image's top-left corner sits, in CSS pixels of the stage. */
  x: number;
  y: number;
}

const tileCache = new Map<string, string>();

function dataUrl(mime: string, base64: string): string {
  return `data:${mime};base64,${base64}`;
}

/**
 * Loads the tiles of `image` that the stage shows at this view, at the image's own resolution,
 * once the preview is too coarse for it. `k` maps this image's pixels to the after image's.
 */
function useTiles(
  image: CompareImage,
  k: number,
  view: View,
  stage: { w: number; h: number },
  dpr: number,
  previewWidth: number,
) {
  const [, setTick] = useState(0);
  const devicePerImagePixel = view.scale * k * dpr;
  // The preview is a lossy thumbnail: wherever it would be shown at or beyond its own
  // resolution, the lossless full-resolution regions replace it.
  const needed = previewWidth > 0 && devicePerImagePixel >= (previewWidth / image.width) * 0.99;
  const tiles: { key: string; left: number; top: number; width: number; height: number }[] = [];
  if (needed && stage.w > 0) {
    const s = view.scale * k;
    const x0 = Math.max(0, Math.floor(-view.x / s / TILE));
    const y0 = Math.max(0, Math.floor(-view.y / s / TILE));
    const x1 = Math.min(Math.ceil(image.width / TILE), Math.ceil((stage.w - view.x) / s / TILE));
    const y1 = Math.min(Math.ceil(image.height / TILE), Math.ceil((stage.h - view.y) / s / TILE));
    for (let ty = y0; ty < y1; ty++)
      for (let tx = x0; tx < x1; tx++) {
        const left = tx * TILE;
        const top = ty * TILE;
        tiles.push({
          key: `${image.ref}:${left}:${top}`,
          left,
          top,
          width: Math.min(TILE, image.width - left),
          height: Math.min(TILE, image.height - top),
        });
        if (tiles.length >= MAX_TILES) break;
      }
  }
  const wanted = tiles.map((t) => t.key).join(',');
  useEffect(() => {
    let live = true;
    for (const tile of tiles) {
      if (tileCache.has(tile.key)) continue;
      api.files
        .region({ ref: image.ref, left: tile.left, top: tile.top, width: tile.width, height: tile.height })
        .then(
          (r) => {
            tileCache.set(tile.key, dataUrl(r.mime, r.data));
            if (live) setTick((n) => n + 1);
          },
          () => undefined,
        );
    }
    return () => {
      live = false;
    };
    // `wanted` names the tiles.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wanted, image.ref]);
  return tiles
    .filter((t) => tileCache.has(t.key))
    .map((t) => ({ ...t, src: tileCache.get(t.key) as string }));
}

function usePreview(image: CompareImage): { src: string; width: number } | null {
  const [preview, setPreview] = useState<{ src: string; width: number } | null>(null);
  useEffect(() => {
    let live = true;
    api.files.thumbnail({ ref: image.ref, size: PREVIEW }).then(
      (t) => live && setPreview({ src: dataUrl(t.mime, t.data), width: t.width }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [image.ref]);
  return preview;
}

/** One side drawn at the view: the preview stretched, then full-resolution tiles over it. */
function Layer({
  image,
  k,
  view,
  stage,
  dpr,
  side,
  clip,
  preview,
}: {
  image: CompareImage;
  k: number;
  view: View;
  stage: { w: number; h: number };
  dpr: number;
  side: 'before' | 'after';
  clip: string | undefined;
  preview: { src: string; width: number } | null;
}) {
  const tiles = useTiles(image, k, view, stage, dpr, preview?.width ?? 0);
  const s = view.scale * k;
  // Tile edges on whole device pixels, so 100 % is one image pixel per screen pixel exactly.
  const snap = (v: number) => Math.round(v * dpr) / dpr;
  const pixelated = view.scale * k * dpr > 1.01;
  return (
    <div className={`compare-layer ${side}`} style={clip ? { clipPath: clip } : undefined} data-side={side}>
      {preview && (
        <img
          className="compare-preview"
          src={preview.src}
          alt=""
          draggable={false}
          style={{
            left: snap(view.x),
            top: snap(view.y),
            width: snap(view.x + image.width * s) - snap(view.x),
            height: snap(view.y + image.height * s) - snap(view.y),
          }}
        />
      )}
      {tiles.map((tile) => {
        const left = snap(view.x + tile.left * s);
        const top = snap(view.y + tile.top * s);
        return (
          <img
            key={tile.key}
            className="compare-tile"
            src={tile.src}
            alt=""
            draggable={false}
            data-tile={`${tile.left},${tile.top}`}
            style={{
              left,
              top,
              width: snap(view.x + (tile.left + tile.width) * s) - left,
              height: snap(view.y + (tile.top + tile.height) * s) - top,
              imageRendering: pixelated ? 'pixelated' : 'auto',
            }}
          />
        );
      })}
    </div>
  );
}

type Details = JobItem['details'];

/** An item with several outputs (restyle: one per style × variation): which one is compared. */
export interface CompareChoices {
  options: readonly { index: number; label: string }[];
  value: number;
  onChange(index: number): void;
}

interface Props {
  name: string;
  before: CompareImage;
  after: CompareImage;
  /** The compared item's details (face boxes, counts). */
  details: Details;
  /** Several outputs to pick the compared one from. */
  choices?: CompareChoices | undefined;
  /** A line about the result (calls, cache hits, cost), under the toolbar. */
  summary?: string | undefined;
  onClose(): void;
}

/** A face zoomed to fills this fraction of the stage's width or height, less. */
const FACE_ROOM = 1.25;

/**
 * Before and after, locked together: fit, 100 % (one output pixel per screen pixel, from
 * full-resolution regions), wheel zoom at the pointer, drag to pan, pinch on touch, a handle on
 * the image to move the split, and Space to go split → after → before → split.
 */
export function CompareView({ name, before, after, details, choices, summary, onClose }: Props) {
  const { t, percent, duration } = useI18n();
  const choiceId = useId();
  const faceBoxes: FaceBox[] = parseFaceBoxes(details?.faceBoxes);
  const [showFaces, setShowFaces] = useState(false);
  // The face last zoomed to, for this result only.
  const [picked, setPicked] = useState<{ ref: string; index: number } | null>(null);
  const pickedFace = picked?.ref === after.ref ? picked.index : null;
  const beforePreview = usePreview(before);
  const afterPreview = usePreview(after);
  const stageRef = useRef<HTMLDivElement>(null);
  const [stage, setStage] = useState({ w: 0, h: 0 });
  // null: fit (kept fitting as the stage resizes) until the user zooms or pans; per image.
  const [viewOf, setViewOf] = useState<{ ref: string; view: View } | null>(null);
  const view = viewOf?.ref === after.ref ? viewOf.view : null;
  const setView = useCallback((next: View) => setViewOf({ ref: after.ref, view: next }), [after.ref]);
  const [mode, setMode] = useState<CompareMode>('split');
  const [split, setSplit] = useState(0.5);
  const dpr = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const drag = useRef<{ kind: 'pan' | 'handle'; x: number; y: number; view: View } | null>(null);
  const pinch = useRef<{ distance: number; view: View } | null>(null);

  const fit = useCallback((): View => {
    const scale = Math.min(stage.w / after.width, stage.h / after.height);
    return { scale, x: (stage.w - after.width * scale) / 2, y: (stage.h - after.height * scale) / 2 };
  }, [stage, after.width, after.height]);

  useLayoutEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setStage({ w: el.clientWidth, h: el.clientHeight }));
    observer.observe(el);
    setStage({ w: el.clientWidth, h: el.clientHeight });
    return () => observer.disconnect();
  }, []);

  const current = view ?? fit();
  const minScale = Math.min(fit().scale, 1 / dpr) / 2;
  const maxScale = 32 / dpr;

  /** Zooms to `scale`, keeping the image point under (cx, cy) where it is. */
  const zoomAt = useCallback(
    (scale: number, cx: number, cy: number, from: View = current) => {
      const next = Math.max(minScale, Math.min(maxScale, scale));
      const r = next / from.scale;
      setView({ scale: next, x: cx - (cx - from.x) * r, y: cy - (cy - from.y) * r });
    },
    [current, minScale, maxScale, setView],
  );
  const actual = () => {
    const scale = 1 / dpr;
    // Keep the centre of what is shown at the centre.
    const cx = stage.w / 2;
    const cy = stage.h / 2;
    const r = scale / current.scale;
    setView({
      scale,
      x: Math.round((cx - (cx - current.x) * r) * dpr) / dpr,
      y: Math.round((cy - (cy - current.y) * r) * dpr) / dpr,
    });
  };

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = el.getBoundingClientRect();
      zoomAt(current.scale * Math.exp(-e.deltaY * 0.002), e.clientX - box.left, e.clientY - box.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [zoomAt, current.scale]);

  const local = (e: PointerEvent) => {
    const box = stageRef.current?.getBoundingClientRect();
    return { x: e.clientX - (box?.left ?? 0), y: e.clientY - (box?.top ?? 0) };
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    const p = local(e);
    pointers.current.set(e.pointerId, p);
    (e.target as Element).setPointerCapture?.(e.pointerId);
    if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()] as [{ x: number; y: number }, { x: number; y: number }];
      pinch.current = { distance: Math.hypot(a.x - b.x, a.y - b.y), view: current };
      drag.current = null;
      return;
    }
    const onHandle = (e.target as Element).closest?.('.compare-handle') !== null;
    drag.current = { kind: onHandle ? 'handle' : 'pan', x: p.x, y: p.y, view: current };
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!pointers.current.has(e.pointerId)) return;
    const p = local(e);
    pointers.current.set(e.pointerId, p);
    if (pinch.current && pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()] as [{ x: number; y: number }, { x: number; y: number }];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      const from = pinch.current.view;
      zoomAt(from.scale * (distance / pinch.current.distance), (a.x + b.x) / 2, (a.y + b.y) / 2, from);
      return;
    }
    const d = drag.current;
    if (!d) return;
    if (d.kind === 'handle') setSplit(Math.max(0, Math.min(1, p.x / Math.max(1, stage.w))));
    else setView({ ...d.view, x: d.view.x + p.x - d.x, y: d.view.y + p.y - d.y });
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    pointers.current.delete(e.pointerId);
    if (pointers.current.size < 2) pinch.current = null;
    if (pointers.current.size === 0) drag.current = null;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const onHandle = (e.target as Element).closest?.('.compare-handle') !== null;
    if (e.key === ' ') {
      setMode((m) => MODES[(MODES.indexOf(m) + 1) % MODES.length] ?? 'split');
    } else if (onHandle && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      setSplit((s) => Math.max(0, Math.min(1, s + (e.key === 'ArrowLeft' ? -0.05 : 0.05))));
    } else if (onHandle && (e.key === 'Home' || e.key === 'End')) {
      setSplit(e.key === 'Home' ? 0 : 1);
    } else if (e.key === '+' || e.key === '=') zoomAt(current.scale * 1.25, stage.w / 2, stage.h / 2);
    else if (e.key === '-') zoomAt(current.scale / 1.25, stage.w / 2, stage.h / 2);
    else if (e.key === '0') setView(fit());
    else if (e.key === '1') actual();
    else if (e.key === 'ArrowLeft') setView({ ...current, x: current.x + 40 });
    else if (e.key === 'ArrowRight') setView({ ...current, x: current.x - 40 });
    else if (e.key === 'ArrowUp') setView({ ...current, y: current.y + 40 });
    else if (e.key === 'ArrowDown') setView({ ...current, y: current.y - 40 });
    else if (e.key === 'Escape') onClose();
    else return;
    e.preventDefault();
  };

  /** Zooms and pans so face `i` (with room around it) fills the middle of the stage. */
  const zoomToFace = (i: number) => {
    const box = faceBoxes[i];
    if (!box) return;
    setPicked({ ref: after.ref, index: i });
    setShowFaces(true);
    const scale = Math.max(
      minScale,
      Math.min(maxScale, Math.min(stage.w / (box.w * FACE_ROOM), stage.h / (box.h * FACE_ROOM))),
    );
    setView({
      scale,
      x: stage.w / 2 - (box.x + box.w / 2) * scale,
      y: stage.h / 2 - (box.y + box.h / 2) * scale,
    });
  };
  const faceCount = typeof details?.faces === 'number' ? details.faces : null;
  const msPerFace = typeof details?.msPerFace === 'number' ? details.msPerFace : null;

  const splitX = Math.round(split * stage.w);
  const kBefore = after.width / before.width;
  const zoomPercent = current.scale * dpr;

  return (
    <section className="compare" aria-label={t('compare.label', { name })}>
      <div className="compare-toolbar" role="toolbar" aria-label={t('compare.label', { name })}>
        <button type="button" className="button" onClick={onClose}>
          ← {t('compare.close')}
        </button>
        {choices && choices.options.length > 1 && (
          <span className="compare-output">
            <label htmlFor={choiceId}>{t('restyle.compare.output')}</label>
            <select
              id={choiceId}
              value={choices.value}
              onChange={(e) => choices.onChange(Number(e.target.value))}
            >
              {choices.options.map((o) => (
                <option key={o.index} value={o.index}>
                  {o.label}
                </option>
              ))}
            </select>
          </span>
        )}
        <div className="segmented" role="group" aria-label={t('compare.mode')}>
          {MODES.map((m) => (
            <button
              key={m}
              type="button"
              className="button"
              aria-pressed={mode === m}
              onClick={() => setMode(m)}
            >
              {t(`compare.mode.${m}`)}
            </button>
          ))}
        </div>
        <div
          className="segmented"
          role="group"
          aria-label={t('compare.zoom', { percent: percent(zoomPercent) })}
        >
          <button type="button" className="button" onClick={() => setView(fit())}>
            {t('compare.fit')}
          </button>
          <button type="button" className="button" onClick={actual}>
            {t('compare.actual')}
          </button>
          <button
            type="button"
            className="button"
            aria-label={t('compare.zoomOut')}
            onClick={() => zoomAt(current.scale / 1.25, stage.w / 2, stage.h / 2)}
          >
            −
          </button>
          <output className="zoom-readout" aria-live="polite">
            {percent(zoomPercent)}
          </output>
          <button
            type="button"
            className="button"
            aria-label={t('compare.zoomIn')}
            onClick={() => zoomAt(current.scale * 1.25, stage.w / 2, stage.h / 2)}
          >
            +
          </button>
        </div>
        {faceBoxes.length > 0 && (
          <button
            type="button"
            className="button"
            aria-pressed={showFaces}
            onClick={() => setShowFaces((v) => !v)}
          >
            {t('face.show')}
          </button>
        )}
        {faceCount === 0 && (
          <span className="badge badge-muted" role="status">
            {t('face.none')}
          </span>
        )}
      </div>
      {summary && (
        <p className="compare-summary muted" role="status">
          {summary}
        </p>
      )}
      <div
        ref={stageRef}
        className={`compare-stage mode-${mode}`}
        tabIndex={0}
        aria-label={t('compare.help')}
        role="application"
        data-mode={mode}
        data-scale={current.scale}
        data-x={current.x}
        data-y={current.y}
        data-split={splitX}
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      >
        {mode !== 'after' && (
          <Layer
            image={before}
            k={kBefore}
            view={current}
            stage={stage}
            dpr={dpr}
            side="before"
            clip={mode === 'split' ? `inset(0 ${stage.w - splitX}px 0 0)` : undefined}
            preview={beforePreview}
          />
        )}
        {mode !== 'before' && (
          <Layer
            image={after}
            k={1}
            view={current}
            stage={stage}
            dpr={dpr}
            side="after"
            clip={mode === 'split' ? `inset(0 0 0 ${splitX}px)` : undefined}
            preview={afterPreview}
          />
        )}
        {showFaces && faceBoxes.length > 0 && (
          // Both sides are laid out at the output size, so one set of boxes marks both.
          <div className="face-boxes" aria-hidden="true" data-faces={faceBoxes.length}>
            {faceBoxes.map((box, i) => (
              <div
                key={`${box.x},${box.y},${box.w},${box.h}`}
                className={`face-box${pickedFace === i ? ' picked' : ''}`}
                data-face={i + 1}
                style={{
                  left: current.x + box.x * current.scale,
                  top: current.y + box.y * current.scale,
                  width: box.w * current.scale,
                  height: box.h * current.scale,
                }}
              >
                <span className="face-box-number">{i + 1}</span>
              </div>
            ))}
          </div>
        )}
        {mode !== 'after' && <span className="compare-label before">{t('compare.before')}</span>}
        {mode !== 'before' && <span className="compare-label after">{t('compare.after')}</span>}
        {mode === 'split' && (
          <div
            className="compare-handle"
            style={{ left: splitX }}
            role="slider"
            tabIndex={0}
            aria-label={t('compare.handle')}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(split * 100)}
            aria-valuetext={percent(split)}
            aria-orientation="horizontal"
          >
            <span className="compare-grip" aria-hidden="true">
              ⟷
            </span>
          </div>
        )}
      </div>
      {faceBoxes.length > 0 && (
        <div className="face-panel">
          <p className="face-summary small">
            {t('face.restored', { count: faceCount ?? faceBoxes.length })}
            {msPerFace !== null && (
              <span className="muted"> · {t('face.perFace', { duration: duration(msPerFace) })}</span>
            )}
          </p>
          <FaceStrip
            boxes={faceBoxes}
            width={after.width}
            height={after.height}
            before={beforePreview?.src ?? null}
            after={afterPreview?.src ?? null}
            current={pickedFace}
            onPick={zoomToFace}
          />
        </div>
      )}
    </section>
  );
}
