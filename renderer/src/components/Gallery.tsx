import { useVirtualizer } from '@tanstack/react-virtual';
import {
  memo,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
} from 'react';
import type { LibraryPhoto } from '../../../core/contract/files.js';
import type { JobItem } from '../../../core/contract/jobs.js';
import { useI18n } from '../i18n/index.js';
import type { Selection } from '../state/useSelection.js';
import { Thumbnail } from './Thumbnail.js';

const CARD_MIN = 148;
const GAP = 10;
/** Thumbnail square plus the two caption lines. */
const captionHeight = 44;

interface Props {
  photos: readonly LibraryPhoto[];
  selection: Selection;
  /** The newest result per input path (a badge, and Enter/double-click compares). */
  results: ReadonlyMap<string, JobItem>;
  onCompare(photo: LibraryPhoto): void;
  onRemove(paths: string[]): void;
}

/**
 * The library as a virtualised grid: only the rows on screen exist, so 5,000 photos cost what
 * 30 do. A listbox with checkable options: click or Space checks, Shift extends a range, Ctrl+A
 * checks all, Delete removes from the library, Enter compares, arrows move.
 */
export function Gallery({ photos, selection, results, onCompare, onRemove }: Props) {
  const { t } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const baseId = useId();

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    setWidth(el.clientWidth);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width - GAP) / (CARD_MIN + GAP)));
  const cardWidth = width > 0 ? Math.floor((width - GAP * (columns + 1)) / columns) : CARD_MIN;
  const rowHeight = cardWidth + captionHeight + GAP;
  const rows = Math.ceil(photos.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 3,
    // Scrolling re-renders in the next frame rather than synchronously in the scroll event.
    useFlushSync: false,
  });
  useEffect(() => virtualizer.measure(), [rowHeight, virtualizer]);

  const focusIndex = selection.focus === null ? -1 : photos.findIndex((p) => p.path === selection.focus);
  const optionId = (i: number) => `${baseId}-photo-${i}`;

  const moveTo = useCallback(
    (i: number, extend: boolean) => {
      const next = Math.max(0, Math.min(photos.length - 1, i));
      const photo = photos[next];
      if (!photo) return;
      selection.setFocus(photo.path);
      if (extend) selection.click(photo.path, true);
      virtualizer.scrollToIndex(Math.floor(next / columns), { align: 'auto' });
    },
    [photos, selection, virtualizer, columns],
  );

  const onCardClick = useCallback(
    (path: string, range: boolean) => {
      selection.click(path, range);
      scroller.current?.focus({ preventScroll: true });
    },
    [selection],
  );
  const onCardOpen = useCallback(
    (path: string) => {
      const p = photos.find((x) => x.path === path);
      if (p && results.has(path)) onCompare(p);
    },
    [photos, results, onCompare],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const at = focusIndex < 0 ? 0 : focusIndex;
    const current = photos[at];
    const key = e.key;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && key.toLowerCase() === 'a') {
      e.preventDefault();
      selection.selectAll();
    } else if (key === 'ArrowRight') moveTo(at + (focusIndex < 0 ? 0 : 1), e.shiftKey);
    else if (key === 'ArrowLeft') moveTo(at - 1, e.shiftKey);
    else if (key === 'ArrowDown') moveTo(at + (focusIndex < 0 ? 0 : columns), e.shiftKey);
    else if (key === 'ArrowUp') moveTo(at - columns, e.shiftKey);
    else if (key === 'Home') moveTo(0, e.shiftKey);
    else if (key === 'End') moveTo(photos.length - 1, e.shiftKey);
    else if (key === 'PageDown') moveTo(at + columns * 4, e.shiftKey);
    else if (key === 'PageUp') moveTo(at - columns * 4, e.shiftKey);
    else if (key === ' ' && current) {
      selection.click(current.path, e.shiftKey);
    } else if (key === 'Enter' && current) {
      if (results.has(current.path)) onCompare(current);
    } else if ((key === 'Delete' || key === 'Backspace') && photos.length > 0) {
      const paths = selection.selected.size > 0 ? [...selection.selected] : current ? [current.path] : [];
      if (paths.length > 0) onRemove(paths);
    } else if (key === 'Escape') selection.clear();
    else return;
    e.preventDefault();
  };

  return (
    <div
      ref={scroller}
      className="gallery"
      role="listbox"
      aria-label={t('library.label')}
      aria-multiselectable="true"
      aria-activedescendant={focusIndex >= 0 ? optionId(focusIndex) : undefined}
      aria-describedby={`${baseId}-keys`}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (selection.focus === null && photos[0]) selection.setFocus(photos[0].path);
      }}
      data-columns={columns}
    >
      <span id={`${baseId}-keys`} className="visually-hidden">
        {t('library.keys')}
      </span>
      <div className="gallery-inner" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div
            key={row.key}
            role="presentation"
            className="gallery-row"
            style={{
              transform: `translateY(${row.start}px)`,
              height: rowHeight,
              gap: GAP,
              padding: `0 ${GAP}px`,
            }}
          >
            {photos.slice(row.index * columns, row.index * columns + columns).map((photo, col) => {
              const i = row.index * columns + col;
              return (
                <PhotoCard
                  key={photo.path}
                  id={optionId(i)}
                  photo={photo}
                  width={cardWidth}
                  selected={selection.selected.has(photo.path)}
                  focused={i === focusIndex}
                  hasResult={results.has(photo.path)}
                  onClick={onCardClick}
                  onOpen={onCardOpen}
                />
              );
            })}
          </div>
        ))}
      </div>
    </div>
  );
}

interface CardProps {
  id: string;
  photo: LibraryPhoto;
  width: number;
  selected: boolean;
  focused: boolean;
  hasResult: boolean;
  onClick(path: string, range: boolean): void;
  onOpen(path: string): void;
}

/** One photo; memoised, so scrolling renders only the cards that come into view. */
const PhotoCard = memo(function PhotoCard({
  id,
  photo,
  width,
  selected,
  focused,
  hasResult,
  onClick,
  onOpen,
}: CardProps) {
  const { t } = useI18n();
  const dims = { width: String(photo.width), height: String(photo.height) };
  const label = [
    t('library.photo', { name: photo.name, ...dims }),
    photo.problem ? t('library.damaged') : null,
    hasResult ? t('library.result') : null,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <div
      id={id}
      role="option"
      aria-selected={selected}
      aria-label={label}
      className={`photo-card${selected ? ' selected' : ''}${focused ? ' focused' : ''}${photo.problem ? ' damaged' : ''}`}
      style={{ width }}
      title={photo.problem ? t('library.damagedReason', { reason: photo.problem }) : photo.shownPath}
      onClick={(e) => onClick(photo.path, e.shiftKey)}
      onDoubleClick={() => onOpen(photo.path)}
    >
      <div className="photo-thumb" style={{ height: width }}>
        <Thumbnail refId={photo.thumbRef} alt="" />
        <span className="check" aria-hidden="true">
          {selected ? '✓' : ''}
        </span>
        <span className="photo-badges">
          {photo.problem && <span className="badge badge-danger">{t('library.damaged')}</span>}
          {hasResult && <span className="badge badge-ok">{t('library.result')}</span>}
        </span>
      </div>
      <div className="photo-name">{photo.name}</div>
      <div className="photo-meta muted">
        {photo.problem ? (
          <span className="damaged-reason">{photo.problem}</span>
        ) : (
          t('common.dimensions', dims)
        )}
      </div>
    </div>
  );
});
