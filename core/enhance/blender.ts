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
    /** Channels the model produces (3) and that are written to the canvas (1 for grayscale). */
    private readonly modelChannels: number,
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
    this.values = new Float32Array(this.bandRows * this.outWidth * modelChannels);
    this.weights = new Float32Array(this.bandRows * this.outWidth);
    this.maxValue = canvas instanceof Uint16Array ? 65535 : 255;
  }

  /** Adds one tile's model output (planar, covering the tile's context region). */
  add(tile: Tile, output: Float32Array): void {
    const s = this.scale;
    const ctxW = tile.cw * s;
    const ctxH = tile.ch * s;
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
    const plane = ctxW * ctxH;
    const C = this.modelChannels;
    for (let v = 0; v < h; v += 1) {
      const wy = rampWeight(v, h, top, bottom);
      const bandRow = tile.y * s + v - this.bandTop;
      if (bandRow < 0 || bandRow >= this.bandRows) throw new Error(`Tile row ${tile.y * s + v} is outside the blending band`);
      const src = (offY + v) * ctxW + offX;
      const dst = bandRow * this.outWidth + tile.x * s;
      for (let u = 0; u < w; u += 1) {
        const weight = wy * (wx[u] ?? 0);
        this.weights[dst + u] = (this.weights[dst + u] ?? 0) + weight;
        const base = (dst + u) * C;
        for (let c = 0; c < C; c += 1) {
          let value = output[c * plane + src + u] ?? 0;
          value = value < 0 ? 0 : value > 1 ? 1 : value;
          this.values[base + c] = (this.values[base + c] ?? 0) + value * weight;
        }
      }
    }
  }

  /** Writes rows before output row `until` to the canvas and slides the band down. */
  flush(until: number): void {
    const rows = Math.min(until, this.bandTop + this.bandRows) - this.bandTop;
    if (rows <= 0) return;
    const C = this.modelChannels;
    const K = this.canvasChannels;
    for (let r = 0; r < rows; r += 1) {
      const y = this.bandTop + r;
      if (y >= this.canvasHeight) continue;
      for (let x = 0; x < this.canvasWidth; x += 1) {
        const i = r * this.outWidth + x;
        const wsum = this.weights[i] || 1;
        const out = (y * this.canvasWidth + x) * K;
        if (K === C) {
          for (let c = 0; c < C; c += 1) this.canvas[out + c] = Math.round(((this.values[i * C + c] ?? 0) / wsum) * this.maxValue);
        } else {
          // Grayscale in, grayscale out: the model saw the gray value in all three channels.
          let sum = 0;
          for (let c = 0; c < C; c += 1) sum += this.values[i * C + c] ?? 0;
          this.canvas[out] = Math.round((sum / C / wsum) * this.maxValue);
        }
      }
    }
    const keep = this.bandRows - rows;
    this.values.copyWithin(0, rows * this.outWidth * C, this.bandRows * this.outWidth * C);
    this.values.fill(0, keep * this.outWidth * C);
    this.weights.copyWithin(0, rows * this.outWidth, this.bandRows * this.outWidth);
    this.weights.fill(0, keep * this.outWidth);
    this.bandTop += rows;
  }
}
