import { rampWeight, type Tile, type TilePlan } from './tiles.js';

/** Integer pixel store for the upscaled image: 8- or 16-bit, interleaved channels. */
export type Canvas = Uint8Array | Uint16Array;

/**
 * Cross-fades model outputs of overlapping tiles into an integer canvas. Only one band of tile
 * rows is held in float (values and weights); rows are converted to integers as soon as no later
 * tile can touch them, so the full float32 output never exists.
 */
export class RowBlender {
  private bandTop = 0;
  private readonly bandRows: number;
  private values: Float32Array;
  private weights: Float32Array;
  private readonly outWidth: number;
  private readonly maxValue: number;

  constructor(
    private readonly plan: TilePlan,
    private readonly scale: number,
    private readonly overlap: number,
    /** Channels the model produces: always 3 (RGB). */
    private readonly modelChannels: 3,
    private readonly canvas: Canvas,
    private readonly canvasChannels: number,
    width: number,
    /** The canvas's own width (can be smaller than width × scale when pre-padding is cropped). */
    private readonly canvasWidth: number,
    private readonly canvasHeight: number,
    tileSize: number,
  ) {
    this.outWidth = width * scale;
    this.bandRows = tileSize * scale;
    this.values = new Float32Array(this.bandRows * this.outWidth * this.modelChannels);
    this.weights = new Float32Array(this.bandRows * this.outWidth);
    this.maxValue = canvas instanceof Uint16Array ? 65535 : 255;
  }

  /** Adds one tile's model output (planar, covering the tile's context region). */
  add(tile: Tile, output: Float32Array): void {
    const s = this.scale;
    const ctxW = tile.cw * s;
    const plane = ctxW * tile.ch * s;
    const offX = (tile.x - tile.cx) * s;
    const offY = (tile.y - tile.cy) * s;
    const w = tile.w * s;
    const h = tile.h * s;
    const ramp = this.overlap * s;
    const left = tile.col > 0 ? ramp : 0;
    const right = tile.col < this.plan.cols - 1 ? ramp : 0;
    const top = tile.row > 0 ? ramp : 0;
    const bottom = tile.row < this.plan.rows - 1 ? ramp : 0;
    const wx = new Float32Array(w);
    for (let u = 0; u < w; u += 1) wx[u] = rampWeight(u, w, left, right);
    const values = this.values;
    const weights = this.weights;
    // Hot loop: plain indexed typed-array access (the `!` only silences noUncheckedIndexedAccess).
    for (let v = 0; v < h; v += 1) {
      const wy = rampWeight(v, h, top, bottom);
      const bandRow = tile.y * s + v - this.bandTop;
      if (bandRow < 0 || bandRow >= this.bandRows)
        throw new Error(`Tile row ${tile.y * s + v} is outside the blending band`);
      const src = (offY + v) * ctxW + offX;
      const dst = bandRow * this.outWidth + tile.x * s;
      for (let u = 0; u < w; u += 1) {
        const weight = wy * wx[u]!;
        weights[dst + u]! += weight;
        const base = (dst + u) * 3;
        const i = src + u;
        const r = output[i]!;
        const g = output[plane + i]!;
        const b = output[2 * plane + i]!;
        values[base]! += (r < 0 ? 0 : r > 1 ? 1 : r) * weight;
        values[base + 1]! += (g < 0 ? 0 : g > 1 ? 1 : g) * weight;
        values[base + 2]! += (b < 0 ? 0 : b > 1 ? 1 : b) * weight;
      }
    }
  }

  /** Writes rows before output row `until` to the canvas and slides the band down. */
  flush(until: number): void {
    const rows = Math.min(until, this.bandTop + this.bandRows) - this.bandTop;
    if (rows <= 0) return;
    const K = this.canvasChannels;
    const max = this.maxValue;
    const values = this.values;
    const weights = this.weights;
    const canvas = this.canvas;
    for (let r = 0; r < rows; r += 1) {
      const y = this.bandTop + r;
      if (y >= this.canvasHeight) continue;
      const rowBase = r * this.outWidth;
      const outRow = y * this.canvasWidth * K;
      for (let x = 0; x < this.canvasWidth; x += 1) {
        const i = rowBase + x;
        const scaleBy = max / (weights[i] || 1);
        const vi = i * 3;
        const out = outRow + x * K;
        if (K === 3) {
          canvas[out] = Math.round(values[vi]! * scaleBy);
          canvas[out + 1] = Math.round(values[vi + 1]! * scaleBy);
          canvas[out + 2] = Math.round(values[vi + 2]! * scaleBy);
        } else {
          // Grayscale in, grayscale out: the model saw the gray value in all three channels.
          canvas[out] = Math.round(((values[vi]! + values[vi + 1]! + values[vi + 2]!) / 3) * scaleBy);
        }
      }
    }
    const C = 3;
    const keep = this.bandRows - rows;
    this.values.copyWithin(0, rows * this.outWidth * C, this.bandRows * this.outWidth * C);
    this.values.fill(0, keep * this.outWidth * C);
    this.weights.copyWithin(0, rows * this.outWidth, this.bandRows * this.outWidth);
    this.weights.fill(0, keep * this.outWidth);
    this.bandTop += rows;
  }
}
