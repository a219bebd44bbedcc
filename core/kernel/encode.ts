import type { Sharp } from 'sharp';
import { assertNever, RpcError } from '../contract/errors.js';

export const OUTPUT_FORMATS = ['jpg', 'png', 'webp', 'avif', 'tiff'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const BY_EXTENSION: Record<string, OutputFormat> = {
  '.jpg': 'jpg',
  '.jpeg': 'jpg',
  '.jpe': 'jpg',
  '.png': 'png',
  '.webp': 'webp',
  '.avif': 'avif',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

/**
 * The largest side each format can hold (libjpeg 65,535; WebP 16,383; AV1 in AVIF 65,536; PNG
 * and TIFF far more). Checked before encoding, so a 16× JPEG fails saying which limit it hit,
 * not blaming the input as "damaged".
 */
export const MAX_SIDE: Readonly<Record<OutputFormat, number>> = {
  jpg: 65_535,
  webp: 16_383,
  avif: 65_536,
  png: 2_147_483_647,
  tiff: 4_294_967_295,
};
const FORMAT_NAMES: Readonly<Record<OutputFormat, string>> = {
  jpg: 'JPEG',
  webp: 'WebP',
  avif: 'AVIF',
  png: 'PNG',
  tiff: 'TIFF',
};

/** Refuses, with the limit named, an output its format cannot hold. */
export function checkEncodable(format: OutputFormat, width: number, height: number, path: string): void {
  const max = MAX_SIDE[format];
  if (width <= max && height <= max) return;
  throw new RpcError(
    'IMAGE_TOO_LARGE',
    `${path}: the output would be ${width.toLocaleString('en')}×${height.toLocaleString('en')}, but ` +
      `${FORMAT_NAMES[format]} holds at most ${max.toLocaleString('en')} pixels per side; choose PNG or TIFF, or a smaller scale.`,
  );
}

/**
 * Decodes strictly first (a decoder warning aborts), so damage never passes silently; a file
 * that only warns is then decoded leniently, and `onDamage` gets the decoder's words. Clean
 * files decode once; only damaged ones twice.
 */
export async function decodeStrictThenLenient<T>(
  run: (failOn: 'warning' | 'error') => Promise<T>,
  onDamage: (warning: string) => void,
): Promise<T> {
  try {
    return await run('warning');
  } catch (strict) {
    const result = await run('error');
    onDamage(
      (strict as Error).message
        .split('\n')[0]
        ?.replace(/^Vips\w+: /, '')
        .trim() ?? 'unknown',
    );
    return result;
  }
}

/** The format a file name says it is (for "same as input"); null for GIF, HEIF and the unknown. */
export function formatOfPath(path: string): OutputFormat | null {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? null : (BY_EXTENSION[path.slice(dot).toLowerCase()] ?? null);
}

/**
 * Sets the encoder for `format`; shared by every operation that writes images. `pngLevel`
 * trades PNG size for speed (zlib 0–9); large upscales use a faster level.
 */
export function encodeAs(
  img: Sharp,
  format: OutputFormat,
  quality: number,
  hasAlpha: boolean,
  pngLevel = 6,
): Sharp {
  switch (format) {
    case 'jpg':
      // JPEG has no alpha: composite on white rather than let transparent pixels turn black.
      return (hasAlpha ? img.flatten({ background: '#ffffff' }) : img).jpeg({ quality, mozjpeg: true });
    case 'png':
      return img.png({ compressionLevel: pngLevel, adaptiveFiltering: pngLevel >= 6 });
    case 'webp':
      return img.webp({ quality, effort: 4 });
    case 'avif':
      return img.avif({ quality, effort: 4 });
    case 'tiff':
      return img.tiff({ quality, compression: hasAlpha ? 'lzw' : 'jpeg' });
    default:
      return assertNever(format);
  }
}
