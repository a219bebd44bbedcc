import { closeSync, openSync, writeSync } from 'node:fs';
import type { Canvas } from './blender.js';

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

/** Writes a plane's rows in order; `close()` checks that every row arrived. */
export class SpillWriter {
  private readonly fd: number;
  private rows = 0;
  readonly plane: SpilledPlane;

  constructor(file: string, width: number, height: number, channels: 1 | 3, depth: 8 | 16) {
    this.plane = { file, width, height, channels, depth };
    this.fd = openSync(file, 'w');
    writeSync(this.fd, tiffHeader(this.plane));
  }

  /** Appends `count` rows from the start of `band` (the next rows of the plane). */
  append(band: Canvas, count: number): void {
    const values = count * this.plane.width * this.plane.channels;
    const bytes = new Uint8Array(band.buffer, band.byteOffset, values * band.BYTES_PER_ELEMENT);
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at, bytes.length - at);
    this.rows += count;
  }

  close(): SpilledPlane {
    closeSync(this.fd);
    if (this.rows !== this.plane.height)
      throw new Error(`spilled ${this.rows} of ${this.plane.height} rows of ${this.plane.file}`);
    return this.plane;
  }

  /** Closes the file after a failure (the caller removes it). */
  abandon(): void {
    closeSync(this.fd);
  }
}
