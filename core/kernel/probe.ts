import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { RpcError } from '../contract/errors.js';
import { IMAGE_FORMATS, type ScannedImage } from '../contract/schemas.js';
import { fileHead, fileProblem, sniffFormat } from './integrity.js';

export interface ProbeLimits {
  maxInputBytes: number;
  maxInputPixels: number;
}

export type ProbedImage = Omit<ScannedImage, 'thumbRef' | 'relDir' | 'name' | 'problem'> & {
  mtimeMs: number;
  /** Bands in the file, alpha included (1–2: gray). */
  channels: number;
  /** 16 bits per sample (PNG, TIFF). */
  depth16: boolean;
  /** Frames (animated GIF/WebP) or pages (TIFF); 1 for a still image. */
  pages: number;
};

const ACCEPTED = new Set<string>(IMAGE_FORMATS);

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Turns a filesystem error into a coded error that names the file. */
export function fsError(path: string, error: unknown): RpcError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new RpcError('FILE_NOT_FOUND', `${path} does not exist (it may have been moved or deleted).`);
    case 'EACCES':
    case 'EPERM':
      return new RpcError(
        'UNREADABLE',
        `${path} cannot be read: permission denied. Check the file's permissions.`,
      );
    case 'ELOOP':
      return new RpcError('UNREADABLE', `${path} is a symbolic link that points back to itself; skipped.`);
    default:
      return new RpcError(
        'UNREADABLE',
        `${path} cannot be read: ${(error as Error | undefined)?.message ?? String(error)}`,
      );
  }
}

/** Stat-level checks: exists, a regular file (never a pipe: reading one would block), not empty, not too big. */
export async function checkFile(path: string, limits: Pick<ProbeLimits, 'maxInputBytes'>): Promise<Stats> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw fsError(path, error);
  }
  if (!info.isFile()) {
    throw new RpcError('UNREADABLE', `${path} is not a regular file (a device, pipe or socket); skipped.`);
  }
  if (info.size === 0) throw new RpcError('NOT_AN_IMAGE', `${path} is empty (0 bytes).`);
  if (info.size > limits.maxInputBytes) {
    throw new RpcError(
      'IMAGE_TOO_LARGE',
      `${path} is ${mb(info.size)}, over the ${mb(limits.maxInputBytes)} limit (Settings → Maximum file size).`,
    );
  }
  return info;
}

/**
 * Reads an image's header (never its pixels) and checks it against the limits. The format is
 * detected from the bytes, so a PNG named `.jpg` is a PNG and a text file named `.jpg` is refused.
 */
export async function probeImage(
  path: string,
  limits: ProbeLimits,
): Promise<ProbedImage & { problem: string | null }> {
  const info = await checkFile(path, limits);
  const probed = await probeHeader(path, path, info.size, info.mtimeMs, limits);
  return { ...probed, problem: await fileProblem(path, probed.format, info.size) };
}

/** The same checks on bytes already in memory (a job item reads its input once). */
export async function probeBuffer(path: string, data: Buffer, limits: ProbeLimits): Promise<ProbedImage> {
  if (data.length === 0) throw new RpcError('NOT_AN_IMAGE', `${path} is empty (0 bytes).`);
  return probeHeader(path, data, data.length, 0, limits);
}

async function probeHeader(
  path: string,
  source: string | Buffer,
  size: number,
  mtimeMs: number,
  limits: ProbeLimits,
): Promise<ProbedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(source, { limitInputPixels: false }).metadata();
  } catch (error) {
    const message = (error as Error).message;
    if (/unsupported image format/i.test(message)) {
      throw new RpcError('NOT_AN_IMAGE', `${path} is not an image Pixelsmith can read.`);
    }
    if ((error as NodeJS.ErrnoException).code !== undefined) throw fsError(path, error);
    // A file that starts like a PNG (a WebP…) but will not parse is a damaged photo, not a stray file.
    const looksLike = sniffFormat(
      typeof source === 'string'
        ? await fileHead(source).catch(() => Buffer.alloc(0))
        : source.subarray(0, 12),
    );
    if (looksLike) {
      throw new RpcError('CORRUPT_IMAGE', `${path} starts as a ${looksLike} file but is damaged: ${message}`);
    }
    throw new RpcError('NOT_AN_IMAGE', `${path} could not be read as an image: ${message}`);
  }
  const format: string = meta.format;
  if (!ACCEPTED.has(format)) {
    throw new RpcError(
      'UNSUPPORTED_FORMAT',
      `${path} is ${format.toUpperCase()}, which Pixelsmith does not process (accepted: JPEG, PNG, WebP, GIF, AVIF, TIFF, HEIF).`,
    );
  }
  const { width, height } = meta;
  if (!width || !height) throw new RpcError('NOT_AN_IMAGE', `${path} has no readable dimensions.`);
  if (width * height > limits.maxInputPixels) {
    throw new RpcError(
      'IMAGE_TOO_LARGE',
      `${path} is ${width}×${height} (${((width * height) / 1e6).toFixed(0)} MP), over the ${(limits.maxInputPixels / 1e6).toFixed(0)} MP limit (Settings → Maximum pixels).`,
    );
  }
  // EXIF orientations 5–8 rotate by 90°: report the size the user will see.
  const swap = (meta.orientation ?? 1) >= 5;
  return {
    path,
    size,
    mtimeMs,
    width: swap ? height : width,
    height: swap ? width : height,
    format: format as ProbedImage['format'],
    hasAlpha: meta.hasAlpha,
    channels: meta.channels,
    depth16: meta.depth === 'ushort',
    pages: meta.pages ?? 1,
  };
}
