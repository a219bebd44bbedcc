import { useI18n } from '../i18n/index.js';

/** A face's box in output pixels. */
export interface FaceBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The boxes of an item's `details.faceBoxes` ("x,y,w,h;x,y,w,h", output pixels); [] when none. */
export function parseFaceBoxes(value: unknown): FaceBox[] {
  if (typeof value !== 'string' || value.trim() === '') return [];
  const boxes: FaceBox[] = [];
  for (const group of value.split(';')) {
    const parts = group.split(',').map((p) => Number(p.trim()));
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) continue;
    const [x, y, w, h] = parts as [number, number, number, number];
    if (w > 0 && h > 0) boxes.push({ x, y, w, h });
  }
  return boxes;
}

/** The square around a face a crop shows: the box with some margin, kept inside the image. */
export function faceCrop(box: FaceBox, width: number, height: number): FaceBox {
  const side = Math.min(Math.max(box.w, box.h) * 1.3, width, height);
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const x = Math.max(0, Math.min(width - side, cx - side / 2));
  const y = Math.max(0, Math.min(height - side, cy - side / 2));
  return { x, y, w: side, h: side };
}

const CROP = 64;

/**
 * One side's crop of a face: the image the compare view already loaded (a preview of either
 * side, both laid out at the output size), moved and scaled so the face fills the square.
 */
function Crop({
  src,
  crop,
  width,
  height,
  side,
}: {
  src: string | null;
  crop: FaceBox;
  width: number;
  height: number;
  side: 'before' | 'after';
}) {
  const { t } = useI18n();
  const s = CROP / crop.w;
  return (
    <span
      className={`face-crop ${side}`}
      style={{ width: CROP, height: CROP }}
      data-side={side}
      title={t(side === 'before' ? 'compare.before' : 'compare.after')}
    >
      {src && (
        <img
          src={src}
          alt=""
          draggable={false}
          style={{ left: -crop.x * s, top: -crop.y * s, width: width * s, height: height * s }}
        />
      )}
    </span>
  );
}

interface Props {
  boxes: readonly FaceBox[];
  /** The output's size: the boxes' coordinate space, and the size both sides are laid out at. */
  width: number;
  height: number;
  before: string | null;
  after: string | null;
  /** The faces' index shown as selected (the one last zoomed to). */
  current: number | null;
  onPick(index: number): void;
}

/** One entry per face: before and after crops, "Face N"; picking one zooms the compare view to it. */
export function FaceStrip({ boxes, width, height, before, after, current, onPick }: Props) {
  const { t } = useI18n();
  return (
    <ul className="face-strip" aria-label={t('face.strip')}>
      {boxes.map((box, i) => {
        const crop = faceCrop(box, width, height);
        const label = t('face.entry', { n: String(i + 1) });
        return (
          <li key={`${box.x},${box.y},${box.w},${box.h}`} className="face-entry">
            <button
              type="button"
              className="face-button"
              aria-current={current === i ? 'true' : undefined}
              onClick={() => onPick(i)}
            >
              <span className="face-crops" aria-hidden="true">
                <Crop src={before} crop={crop} width={width} height={height} side="before" />
                <Crop src={after} crop={crop} width={width} height={height} side="after" />
              </span>
              <span className="face-name">{label}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
