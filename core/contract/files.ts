import { z } from 'zod';
import { defineSlice } from './define.js';
import { absolutePath, scanEntryErrorSchema, scannedImageSchema, thumbRefSchema } from './schemas.js';

/** The library: what is in the folders a user adds, and their thumbnails. */
export const filesSlice = defineSlice({
  methods: {
    'files.scan': {
      input: z.strictObject({
        paths: z.array(absolutePath).min(1, 'give at least one path').max(10_000),
        /** Echoed in `files.scanProgress` events so a caller can follow its own scan. */
        scanId: z.string().max(64).optional(),
      }),
      output: z.object({
        images: z.array(scannedImageSchema),
        errors: z.array(scanEntryErrorSchema),
        /** Hidden and system files passed over (`.DS_Store`, `Thumbs.db`, dot-files). */
        skipped: z.number().int().nonnegative(),
        /** The scan stopped at its size limit; `errors` says where. */
        truncated: z.boolean(),
      }),
    },
    'files.thumbnail': {
      input: z.strictObject({
        ref: thumbRefSchema,
        /** Longest side; default the thumbnail size setting. Larger previews serve compare views. */
        size: z.number().int().min(32).max(2048).optional(),
      }),
      output: z.object({
        ref: z.string(),
        mime: z.literal('image/webp'),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        /** Base64 image bytes. */
        data: z.string(),
      }),
    },
  },
  events: {
    'files.scanProgress': z.object({
      scanId: z.string().nullable(),
      /** Entries looked at so far (files and folders). */
      visited: z.number().int().nonnegative(),
      images: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      done: z.boolean(),
    }),
  },
});
