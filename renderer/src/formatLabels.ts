import type { CONVERT_FORMATS } from '../../core/contract/convert.js';
import type { ENHANCE_FORMATS } from '../../core/contract/enhance.js';

type Format = (typeof CONVERT_FORMATS)[number] | (typeof ENHANCE_FORMATS)[number];

/** How each output format the contract offers is named in the UI (the compiler checks it is complete). */
export const FORMAT_LABELS: Readonly<Record<Format, string>> = {
  same: 'Same as original',
  jpg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  avif: 'AVIF',
  tiff: 'TIFF',
};
