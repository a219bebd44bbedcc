/** One tile: the core region it owns and the context region fed to the model (input pixels). */
export interface Tile {
  /** Core: [x, x + w) × [y, y + h) of the image; neighbouring cores overlap by the plan's `overlap`. */
  x: number;
  y: number;
  w: number;
  h: number;
  /**
   * Context region: the core grown by the pad, clipped to the image on the left and top and to
   * the image plus its reflected pre-pad on the right and bottom (cropped off after inference).
   */
  cx: number;
  cy: number;
  cw: number;
  ch: number;
  row: number;
  col: number;
}

export interface TilePlan {
  tiles: Tile[];
  rows: number;
  cols: number;
  /** Every pair of neighbouring cores overlaps by exactly this many input pixels. */
  overlap: number;
  /** Pixels the model is given in all (every tile's context), for the waste ratio. */
  modelPixels: number;
}

interface Span {
  start: number;
  length: number;
}

/**
 * Splits [0, length) into the fewest cores of at most `size` that overlap by exactly `overlap`:
 * n = ⌈(L − overlap) / (size − overlap)⌉, all of one step but the last (which ends at the
 * edge). When the whole length plus its pre-pad fits (`length + prePad ≤ size`), or the length
 * fits at all, that is one core.
 */
export function splitAxis(length: number, size: number, overlap: number): Span[] {
  if (length <= size) return [{ start: 0, length }];
  const wanted = Math.ceil((length - overlap) / (size - overlap));
  const step = Math.ceil((length - overlap) / wanted);
  // With the step rounded up, fewer cores may reach the end: every core before the last then
  // ends inside the image, and the last is longer than the overlap.
  const count = Math.ceil((length - overlap) / step);
  const spans: Span[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = i * step;
    spans.push({ start, length: Math.min(step + overlap, length - start) });
  }
  return spans;
}

/**
 * Covers a width × height image with tiles whose cores are at most `size` and overlap by
 * `overlap` (cross-faded), and which see `pad` extra pixels of context on each side. The
 * reflect pre-pad (`prePad`, right and bottom, as Real-ESRGAN adds before running the model) is
 * part of the edge tiles' context, not of the tiled length: an image that fits one tile is one
 * run on exactly image + pre-pad.
 */
export function planTiles(
  width: number,
  height: number,
  size: number,
  overlap: number,
  pad: number,
  prePad = 0,
): TilePlan {
  if (size < 8) throw new Error(`Tile size must be at least 8, got ${size}`);
  if (overlap < 0 || overlap * 2 >= size)
    throw new Error(`Overlap must be in [0, ${size / 2}), got ${overlap}`);
  const fits = (length: number) => length + prePad <= size;
  const xs = fits(width) ? [{ start: 0, length: width }] : splitAxis(width, size, overlap);
  const ys = fits(height) ? [{ start: 0, length: height }] : splitAxis(height, size, overlap);
  const tiles: Tile[] = [];
  let modelPixels = 0;
  // Context ends `pad` past the core, or at the pre-pad past the image for edge tiles.
  const contextEnd = (span: Span, length: number) =>
    span.start + span.length === length
      ? length + prePad
      : Math.min(length + prePad, span.start + span.length + pad);
  ys.forEach((ySpan, row) => {
    xs.forEach((xSpan, col) => {
      const cx = Math.max(0, xSpan.start - pad);
      const cy = Math.max(0, ySpan.start - pad);
      const cw = contextEnd(xSpan, width) - cx;
      const ch = contextEnd(ySpan, height) - cy;
      modelPixels += cw * ch;
      tiles.push({
        x: xSpan.start,
        y: ySpan.start,
        w: xSpan.length,
        h: ySpan.length,
        cx,
        cy,
        cw,
        ch,
        row,
        col,
      });
    });
  });
  return { tiles, rows: ys.length, cols: xs.length, overlap, modelPixels };
}

/**
 * Weight of output offset `u` (0 ≤ u < len) along one axis of a tile: a linear ramp over the
 * overlap on each side that has a neighbour, 1 elsewhere. Overlaps are uniform, so the two
 * ramps over one overlap add up to exactly 1 and no weight sums are kept.
 */
export function rampWeight(u: number, len: number, rampBefore: number, rampAfter: number): number {
  if (rampBefore > 0 && u < rampBefore) return (u + 0.5) / rampBefore;
  if (rampAfter > 0 && u >= len - rampAfter) return (len - u - 0.5) / rampAfter;
  return 1;
}
