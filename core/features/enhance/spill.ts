import { closeSync, openSync, writeSync } from 'node:fs';
import type { Canvas, PixelTarget } from './blender.js';

/**
 * An upscaled plane written to disk row by row as the tiles complete it, as an uncompressed
 * baseline TIFF, which sharp opens as a file and reads strip by strip. A 12000×8000 RGB canvas is
 * 288 MB: on disk it leaves memory to the model's run. (libvips's own `.v` format would be
 * simpler, but libvips maps such a file whole, and mapped pages count as the process's memory:
 * encoding a 288 MB `.v` peaked at 360 MB, the same pixels as this TIFF at 106 MB.)
 */
export interface SpilledPlane {
  file: string;
  width: number;
  height: number;
  /** 1 (gray or alpha) or 3 (RGB), interleaved. */
  channels: 1 | 3;
  depth: 8 | 16;
}

/** A plane's pixels: in memory, or spilled to a file. */
export type Plane = Canvas | SpilledPlane;

export const isSpilled = (plane: Plane): plane is SpilledPlane => 'file' in plane;

const ROWS_PER_STRIP = 16;
const SHORT = 3;
const LONG = 4;
const STRIP_OFFSETS = 273;

type Entry = { tag: number; type: typeof SHORT | typeof LONG; values: number[] };

/**
 * The TIFF header and its one IFD (TIFF 6.0, little-endian) for pixels that follow it
 * contiguously, in strips of ROWS_PER_STRIP rows: all of it is known before the first row.
 */
export function tiffHeader(plane: Omit<SpilledPlane, 'file'>): Buffer {
  const { width, height, channels, depth } = plane;
  const rowBytes = width * channels * (depth / 8);
  const strips = Math.ceil(height / ROWS_PER_STRIP);
  const stripRows = (i: number) => Math.min(ROWS_PER_STRIP, height - i * ROWS_PER_STRIP);
  const entries: Entry[] = [
    { tag: 256, type: LONG, values: [width] },
    { tag: 257, type: LONG, values: [height] },
    { tag: 258, type: SHORT, values: Array<number>(channels).fill(depth) },
    { tag: 259, type: SHORT, values: [1] }, // no compression
    { tag: 262, type: SHORT, values: [channels === 1 ? 1 : 2] }, // BlackIsZero or RGB
    { tag: STRIP_OFFSETS, type: LONG, values: Array<number>(strips).fill(0) },
    { tag: 277, type: SHORT, values: [channels] },
    { tag: 278, type: LONG, values: [ROWS_PER_STRIP] },
    { tag: 279, type: LONG, values: Array.from({ length: strips }, (_, i) => stripRows(i) * rowBytes) },
    { tag: 284, type: SHORT, values: [1] }, // interleaved
  ];
  const bytesOf = (e: Entry) => (e.type === SHORT ? 2 : 4) * e.values.length;
  const ifdBytes = 2 + entries.length * 12 + 4;
  // Arrays longer than an entry's 4 bytes go after the IFD; then the pixels.
  const outside = entries.reduce((n, e) => n + (bytesOf(e) > 4 ? bytesOf(e) : 0), 0);
  const dataStart = 8 + ifdBytes + outside;
  entries[5]!.values = entries[5]!.values.map((_, i) => dataStart + i * ROWS_PER_STRIP * rowBytes);
  const h = Buffer.alloc(dataStart);
  h.write('II', 0, 'latin1');
  h.writeUInt16LE(42, 2);
  h.writeUInt32LE(8, 4);
  h.writeUInt16LE(entries.length, 8);
  let next = 8 + ifdBytes;
  entries.forEach((e, i) => {
    const at = 10 + i * 12;
    h.writeUInt16LE(e.tag, at);
    h.writeUInt16LE(e.type, at + 2);
    h.writeUInt32LE(e.values.length, at + 4);
    let to = at + 8;
    if (bytesOf(e) > 4) {
      h.writeUInt32LE(next, at + 8);
      to = next;
      next += bytesOf(e);
    }
    for (const v of e.values) to = e.type === SHORT ? h.writeUInt16LE(v, to) : h.writeUInt32LE(v, to);
  });
  h.writeUInt32LE(0, 8 + ifdBytes - 4); // no further IFD
  return h;
}

/**
 * Writes a plane's pixels region by region, wherever they are in the image (each row of a region
 * goes to its place in the file), from one scratch buffer of `scratchPixels` reused for every
 * region; `close()` checks that every pixel arrived.
 */
export class SpillWriter implements PixelTarget {
  private readonly fd: number;
  private readonly dataStart: number;
  private readonly scratch: Canvas;
  private written = 0;
  readonly plane: SpilledPlane;

  constructor(
    file: string,
    width: number,
    height: number,
    channels: 1 | 3,
    depth: 8 | 16,
    scratchPixels: number,
  ) {
    this.plane = { file, width, height, channels, depth };
    this.fd = openSync(file, 'w');
    const header = tiffHeader(this.plane);
    writeSync(this.fd, header);
    this.dataStart = header.length;
    const values = scratchPixels * channels;
    this.scratch = depth === 16 ? new Uint16Array(values) : new Uint8Array(values);
  }

  open(x: number, y: number, w: number) {
    return { canvas: this.scratch, x, y, stride: w };
  }

  commit(x: number, y: number, w: number, h: number): void {
    const { width, channels } = this.plane;
    const bpe = this.scratch.BYTES_PER_ELEMENT;
    const rowBytes = w * channels * bpe;
    const bytes = new Uint8Array(this.scratch.buffer, this.scratch.byteOffset, h * rowBytes);
    for (let j = 0; j < h; j += 1) {
      const position = this.dataStart + ((y + j) * width + x) * channels * bpe;
      for (let at = 0; at < rowBytes;)
        at += writeSync(this.fd, bytes, j * rowBytes + at, rowBytes - at, position + at);
    }
    this.written += w * h;
  }

  close(): SpilledPlane {
    closeSync(this.fd);
    const { width, height, file } = this.plane;
    if (this.written !== width * height)
      throw new Error(`spilled ${this.written} of ${width * height} pixels of ${file}`);
    return this.plane;
  }

  /** Closes the file after a failure (the caller removes it). */
  abandon(): void {
    closeSync(this.fd);
  }
}
