import { z } from 'zod';
import { defineSlice } from './define.js';

/** Output formats of `convert`; `same` keeps the input file's own type (by its extension). */
export const CONVERT_FORMATS = ['same', 'jpg', 'png', 'webp', 'avif', 'tiff'] as const;

export const convertOptionsSchema = z
  .strictObject({
    format: z.enum(CONVERT_FORMATS).default('same'),
    /** 1–100 for JPEG, WebP, AVIF and TIFF; PNG is lossless. */
    quality: z.number().int().min(1).max(100).default(85),
    /** Longest side in pixels; smaller images are never enlarged. */
    maxSize: z.number().int().min(16).max(100_000).optional(),
    /** Scale factor (e.g. 0.5); exclusive with maxSize. */
    scale: z.number().positive().max(16).optional(),
  })
  .refine((o) => o.maxSize === undefined || o.scale === undefined, 'give either maxSize or scale, not both');
export type ConvertOptions = z.output<typeof convertOptionsSchema>;

/** The convert feature: one job kind, no methods of its own. */
export const convertSlice = defineSlice({ jobKinds: { convert: convertOptionsSchema } });
