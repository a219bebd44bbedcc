/** One tile: the core region it owns and the context region fed to the model (input pixels). */
export interface Tile {
  /** Core: [x, x + w) × [y, y + h); neighbouring cores overlap by `overlap`. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Context region: the core grown by the pad, clipped to the image. */
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
  /** y of each tile row's cores, for knowing when output rows are final. */
  rowStarts: number[];
}

function starts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const step = size - overlap;
  const out: number[] = [];
  for (let s = 0; s + size < length; s += step) out.push(s);
  out.push(length - size);
  return out;
}

/**
 * Covers a width × height image with tiles of `size` whose cores overlap by `overlap` (blended)
 * and which see `pad` extra pixels of context on each side (cropped away after inference), so
 * a model's receptive field never reaches a tile's artificial border inside its core.
 */
export function planTiles(
  width: number,
  height: number,
  size: number,
  overlap: number,
  pad: number,
): TilePlan {
  if (size < 8) throw new Error(`Tile size must be at least 8, got ${size}`);
  if (overlap < 0 || overlap >= size) throw new Error(`Overlap must be in [0, ${size}), got ${overlap}`);
  const xs = starts(width, size, overlap);
  const ys = starts(height, size, overlap);
  const tiles: Tile[] = [];
  ys.forEach((y, row) => {
    const h = Math.min(size, height - y);
    xs.forEach((x, col) => {
      const w = Math.min(size, width - x);
      const cx = Math.max(0, x - pad);
      const cy = Math.max(0, y - pad);
      tiles.push({
        x,
        y,
        w,
        h,
        cx,
        cy,
        cw: Math.min(width, x + w + pad) - cx,
        ch: Math.min(height, y + h + pad) - cy,
        row,
        col,
      });
    });
  });
  return { tiles, rows: ys.length, cols: xs.length, rowStarts: ys };
}

/**
 * Weight of output offset `u` (0 ≤ u < len) along one axis of a tile: a linear ramp over the
 * overlap on each side that has a neighbour, 1 elsewhere, so overlapping tiles cross-fade.
 */
export function rampWeight(u: number, len: number, rampBefore: number, rampAfter: number): number {
  let w = 1;
  if (rampBefore > 0 && u < rampBefore) w = Math.min(w, (u + 0.5) / rampBefore);
  if (rampAfter > 0 && u >= len - rampAfter) w = Math.min(w, (len - u - 0.5) / rampAfter);
  return w;
}
