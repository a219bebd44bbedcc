import { open } from 'node:fs/promises';

/** How much of a file's end is read to see whether it is complete. */
const TAIL_BYTES = 64 * 1024;

/**
 * Whether an image file is complete, from its last bytes alone (a header can be intact while
 * the rest is missing: a partial download, a copy cut short). PNG ends with its IEND chunk, JPEG
 * with an EOI marker (cameras may append a trailer after it), GIF with its trailer, WebP's RIFF
 * header states the file's length. Returns why it looks damaged, or null.
 */
export function tailProblem(format: string, tail: Buffer, size: number, head?: Buffer): string | null {
  switch (format) {
    case 'png':
      return tail.includes(Buffer.from('IEND', 'latin1'))
        ? null
        : 'it ends before its last PNG chunk (IEND): the file is cut short.';
    case 'jpeg':
      return tail.includes(Buffer.from([0xff, 0xd9]))
        ? null
        : 'it ends before the JPEG end marker: the file is cut short.';
    case 'gif':
      return tail.at(-1) === 0x3b ? null : 'it ends before the GIF trailer: the file is cut short.';
    case 'webp': {
      const declared = head && head.length >= 8 ? head.readUInt32LE(4) + 8 : null;
      return declared !== null && declared > size
        ? `its header says ${declared} bytes but the file has ${size}: it is cut short.`
        : null;
    }
    default:
      return null;
  }
}

/** The image type a file's first 12 bytes announce, or null (sharp decides; this names damage). */
export function sniffFormat(head: Buffer): string | null {
  const ascii = (from: number, to: number): string => head.subarray(from, to).toString('latin1');
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47) return 'PNG';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'JPEG';
  if (ascii(0, 4) === 'GIF8') return 'GIF';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'WebP';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'TIFF';
  if (ascii(4, 8) === 'ftyp') return /avi[fs]/.test(ascii(8, 12)) ? 'AVIF' : 'HEIF';
  return null;
}

/** A file's first bytes, for `sniffFormat`. */
export async function fileHead(path: string, length = 12): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** `tailProblem` for a file on disk: reads its first 12 and last 64 KiB bytes. */
export async function fileProblem(path: string, format: string, size: number): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const length = Math.min(TAIL_BYTES, size);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    const head = Buffer.alloc(Math.min(12, size));
    await handle.read(head, 0, head.length, 0);
    return tailProblem(format, tail, size, head);
  } finally {
    await handle.close();
  }
}

/** `tailProblem` for bytes in memory (a job item reads its input once). */
export function bufferProblem(data: Buffer, format: string): string | null {
  return tailProblem(
    format,
    data.subarray(Math.max(0, data.length - TAIL_BYTES)),
    data.length,
    data.subarray(0, 12),
  );
}
