import { rampWeight, type Tile, type TilePlan } from './tiles.js';

/** Integer pixel store for the upscaled image: 8- or 16-bit, interleaved channels. */
export type Canvas = Uint8Array | Uint16Array;

/** Where a region's pixels are written: a canvas, the image pixel its index 0 is, and its row stride. */
export interface RegionBuffer {
  canvas: Canvas;
  x: number;
  y: number;
  stride: number;
}

/**
 * Where finished pixels go. The blender opens the region [x, x + w) × [y, y + h) it is about
 * to complete, writes it, and commits it: every pixel of the image is in exactly one committed
 * region, and a committed region is final.
 */
export interface PixelTarget {
  open(x: number, y: number, w: number, h: number): RegionBuffer;
  commit(x: number, y: number, w: number, h: number): void;
}

/** The whole image in one canvas: regions are written in place. */
export function wholeCanvas(canvas: Canvas, width: number): PixelTarget {
  const buffer = { canvas, x: 0, y: 0, stride: width };
  return { open: () => buffer, commit: () => undefined };
}

/** The largest region a plan's blender opens, in pixels: a tile's core, or an overlap's rows. */
export const largestRegion = (plan: TilePlan, scale: number, width: number): number =>
  Math.max(
    ...plan.tiles.map((t) => t.w * t.h * scale * scale),
    plan.rows > 1 ? plan.overlap * scale * width : 0,
  );

/**
 * Cross-fades model outputs of overlapping tiles into an integer canvas, holding in float only
 * what is still to be blended: the horizontal overlap strip above the current tile row and the
 * one below it (full width, `overlap` rows each), and the vertical overlap strip between the
 * current tile and the next one. Every other pixel is written to the canvas as it arrives.
 * Overlaps are uniform, so the two ramps over an overlap add up to 1 and no weight sums are
 * kept or divided by. Each tile completes its core but the right and lower overlaps (the next
 * tiles' to finish), and each tile row completes the overlap rows above it: those regions go to
 * the target as they complete, so the target may be a file and memory one tile's worth.
 */
export class StripBlender {
  private above: Float32Array;
  private below: Float32Array;
  private readonly side: Float32Array;
  private readonly ov: number;
  private readonly maxValue: number;

  constructor(
    private readonly plan: TilePlan,
    private readonly scale: number,
    private readonly target: PixelTarget,
    /** 3 for colour, 1 for gray or alpha (the model saw the value in all three channels). */
    private readonly channels: number,
    /** The image's width and height (the input's × scale). */
    private readonly width: number,
    private readonly height: number,
    depth: 8 | 16,
  ) {
    this.ov = plan.overlap * scale;
    const strip = plan.rows > 1 ? this.ov * width * 3 : 0;
    this.above = new Float32Array(strip);
    this.below = new Float32Array(strip);
    const tallest = Math.max(...plan.tiles.map((t) => t.h)) * scale;
    this.side = new Float32Array(plan.cols > 1 ? this.ov * tallest * 3 : 0);
    this.maxValue = depth === 16 ? 65535 : 255;
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
    // This tile completes its core but the right and lower overlaps.
    const [rx, ry, rw, rh] = [x0, y0 + top, w - right, h - top - bottom];
    const region = this.target.open(rx, ry, rw, rh);
    const put = this.putter(region.canvas);
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
      const outRow = (y0 + v - region.y) * region.stride - region.x;
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
    this.target.commit(rx, ry, rw, rh);
    if (tile.col === this.plan.cols - 1) this.endRow(tile, top);
  }

  /** After a tile row: the strip above it is complete; the one below becomes the next row's. */
  private endRow(tile: Tile, top: number): void {
    if (top > 0) {
      const y0 = tile.y * this.scale;
      const region = this.target.open(0, y0, this.width, top);
      const put = this.putter(region.canvas);
      const strip = this.above;
      for (let v = 0; v < top; v += 1) {
        const row = v * this.width;
        const outRow = (y0 + v - region.y) * region.stride - region.x;
        for (let x = 0; x < this.width; x += 1) {
          const o = (row + x) * 3;
          put(outRow + x, strip[o]!, strip[o + 1]!, strip[o + 2]!);
        }
      }
      this.target.commit(0, y0, this.width, top);
    }
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
  private putter(canvas: Canvas): (pixel: number, r: number, g: number, b: number) => void {
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
