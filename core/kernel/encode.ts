import type { Sharp } from 'sharp';
import { assertNever } from '../contract/errors.js';

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
