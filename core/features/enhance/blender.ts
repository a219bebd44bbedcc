import { rampWeight, type Tile, type TilePlan } from './tiles.js';

/** Integer pixel store for the upscaled image: 8- or 16-bit, interleaved channels. */
export type Canvas = Uint8Array | Uint16Array;

/**
 * Where finished rows go. `canvas` holds rows from `start` on; once every row above `upTo` is
 * final, `flush` is called, and may hand the rows on and start the canvas over from `upTo`
 * (returning the new first row), or keep them (returning `start`).
 */
export interface RowTarget {
  canvas: Canvas;
  flush(start: number, upTo: number): number;
}

/** The whole image in one canvas: nothing is ever flushed. */
export const wholeCanvas = (canvas: Canvas): RowTarget => ({ canvas, flush: (start) => start });

/** Rows a band must hold for a plan: the tallest tile core, scaled. */
export const bandRows = (plan: TilePlan, scale: number): number =>
  Math.max(...plan.tiles.map((t) => t.h)) * scale;

/**
 * Cross-fades model outputs of overlapping tiles into an integer canvas, holding in float only
 * what is still to be blended: the horizontal overlap strip above the current tile row and the
 * one below it (full width, `overlap` rows each), and the vertical overlap strip between the
 * current tile and the next one. Every other pixel is written to the canvas as it arrives.
 * Overlaps are uniform, so the two ramps over an overlap add up to 1 and no weight sums are
 * kept or divided by. After each tile row the rows above its lower overlap are final and go to
 * the target, so the canvas may be a band of one tile row (`bandRows`) rather than the image.
 */
export class StripBlender {
  private above: Float32Array;
  private below: Float32Array;
  private readonly side: Float32Array;
  private readonly ov: number;
  private readonly maxValue: number;
  /** The image row the canvas's first row is. */
  private start = 0;

  constructor(
    private readonly plan: TilePlan,
    private readonly scale: number,
    private readonly target: RowTarget,
    /** 3 for colour, 1 for gray or alpha (the model saw the value in all three channels). */
    private readonly channels: number,
    /** The image's width and height (the input's × scale). */
    private readonly width: number,
    private readonly height: number,
  ) {
    this.ov = plan.overlap * scale;
    const strip = plan.rows > 1 ? this.ov * width * 3 : 0;
    this.above = new Float32Array(strip);
    this.below = new Float32Array(strip);
    this.side = new Float32Array(plan.cols > 1 ? this.ov * bandRows(plan, scale) * 3 : 0);
    this.maxValue = target.canvas instanceof Uint16Array ? 65535 : 255;
  }

  /** Adds one tile's model output (planar, 0..1, covering the tile's context region), in plan order. */
  add(tile: Tile, output: Float32Array): void {
    const s = this.scale;
    const ov = this.ov;
    const ctxW = tile.cw * s;
    const plane = ctxW * tile.ch * s;
    const offX = (tile.x - tile.cx) * s;
    const offY = (tile.y - tile.cy) * s;
    const x0 = tile.x * s;
    const y0 = tile.y * s;
    const w = Math.min(tile.w * s, this.width - x0);
    const h = Math.min(tile.h * s, this.height - y0);
    const left = tile.col > 0 ? ov : 0;
    const right = tile.col < this.plan.cols - 1 ? ov : 0;
    const top = tile.row > 0 ? ov : 0;
    const bottom = tile.row < this.plan.rows - 1 ? ov : 0;
    const wx = new Float32Array(w);
    for (let u = 0; u < w; u += 1) wx[u] = rampWeight(u, w, left, right);
    const W = this.width;
    const put = this.putter();
    const side = this.side;
    const clamp = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
    for (let v = 0; v < h; v += 1) {
      const src = (offY + v) * ctxW + offX;
      const inTop = v < top;
      const inBottom = v >= h - bottom;
      if (inTop || inBottom) {
        // Overlap rows: blended in a strip, written when the tile row below has added its part.
        const wy = rampWeight(v, h, top, bottom);
        const strip = inTop ? this.above : this.below;
        const row = (inTop ? v : v - (h - bottom)) * W;
        for (let u = 0; u < w; u += 1) {
          const k = wy * wx[u]!;
          const i = src + u;
          const o = (row + x0 + u) * 3;
          strip[o]! += clamp(output[i]!) * k;
          strip[o + 1]! += clamp(output[plane + i]!) * k;
          strip[o + 2]! += clamp(output[2 * plane + i]!) * k;
        }
        continue;
      }
      const sideRow = (v - top) * ov * 3;
      const outRow = (y0 + v - this.start) * W;
      // Left overlap: the previous tile's part is in the side strip; now complete.
      for (let u = 0; u < left; u += 1) {
        const k = wx[u]!;
        const i = src + u;
        const o = sideRow + u * 3;
        put(
          outRow + x0 + u,
          side[o]! + clamp(output[i]!) * k,
          side[o + 1]! + clamp(output[plane + i]!) * k,
          side[o + 2]! + clamp(output[2 * plane + i]!) * k,
        );
      }
      // The middle is this tile's alone.
      for (let u = left; u < w - right; u += 1) {
        const i = src + u;
        put(outRow + x0 + u, clamp(output[i]!), clamp(output[plane + i]!), clamp(output[2 * plane + i]!));
      }
      // Right overlap: kept for the next tile in the row.
      for (let u = w - right; u < w; u += 1) {
        const k = wx[u]!;
        const i = src + u;
        const o = sideRow + (u - (w - right)) * 3;
        side[o] = clamp(output[i]!) * k;
        side[o + 1] = clamp(output[plane + i]!) * k;
        side[o + 2] = clamp(output[2 * plane + i]!) * k;
      }
    }
    if (tile.col === this.plan.cols - 1) this.endRow(tile, top);
  }

  /**
   * After a tile row: the strip above it is complete, and with it every row above the strip
   * below (the next tile row's upper overlap), which go to the target. The lower strip becomes
   * the next row's upper one.
   */
  private endRow(tile: Tile, top: number): void {
    const y0 = tile.y * this.scale;
    if (top > 0) {
      const put = this.putter();
      const strip = this.above;
      for (let v = 0; v < top; v += 1) {
        const row = v * this.width;
        const outRow = (y0 + v - this.start) * this.width;
        for (let x = 0; x < this.width; x += 1) {
          const o = (row + x) * 3;
          put(outRow + x, strip[o]!, strip[o + 1]!, strip[o + 2]!);
        }
      }
    }
    const last = tile.row === this.plan.rows - 1;
    const upTo = last ? this.height : Math.min(this.height, y0 + tile.h * this.scale - this.ov);
    this.start = this.target.flush(this.start, upTo);
    const done = this.above;
    this.above = this.below;
    this.below = done;
    this.below.fill(0);
  }

  /**
   * Writes one pixel (0..1 values, rounded to the canvas's depth) at a canvas pixel index.
   * Blended sums can pass 1 by a rounding error, and 65536 would wrap to 0 in a Uint16Array:
   * values are capped at 1. For values in [0, 1], truncating v·max + 0.5 is Math.round.
   */
  private putter(): (pixel: number, r: number, g: number, b: number) => void {
    const canvas = this.target.canvas;
    const max = this.maxValue;
    if (this.channels === 1) {
      const third = max / 3;
      return (pixel, r, g, b) => {
        const m = (r + g + b) * third;
        canvas[pixel] = (m > max ? max : m) + 0.5;
      };
    }
    return (pixel, r, g, b) => {
      const o = pixel * 3;
      canvas[o] = (r > 1 ? max : r * max) + 0.5;
      canvas[o + 1] = (g > 1 ? max : g * max) + 0.5;
      canvas[o + 2] = (b > 1 ? max : b * max) + 0.5;
    };
  }
}
