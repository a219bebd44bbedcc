import { z } from 'zod';
import { defineSlice } from './define.js';
import { absolutePath, scanEntryErrorSchema, scannedImageSchema, thumbRefSchema } from './schemas.js';

/** A photo in the library: what the scan found, as the user knows its path, and when it was added. */
export const libraryPhotoSchema = scannedImageSchema.extend({
  /** The path as the user knows it (an upload by the name it had). */
  shownPath: z.string(),
  addedAt: z.number(),
});
export type LibraryPhoto = z.output<typeof libraryPhotoSchema>;

/** A file that was not added, with the path as the user knows it. */
export const libraryRefusalSchema = scanEntryErrorSchema.extend({ shownPath: z.string() });

const imageRegion = {
  ref: thumbRefSchema,
  left: z.number().int().min(0),
  top: z.number().int().min(0),
  width: z.number().int().min(1).max(4096),
  height: z.number().int().min(1).max(4096),
};

/** The library: what is in the folders a user adds, and their thumbnails. */
export const filesSlice = defineSlice({
  methods: {
    /**
     * Scans files and folders and adds their photos to the library, kept in core (a reload or a
     * second window sees the same set). Not-images are left out and counted; a damaged photo is
     * added with its `problem` and never queued.
     */
    'library.add': {
      input: z.strictObject({
        paths: z.array(absolutePath).min(1, 'give at least one path').max(10_000),
        scanId: z.string().max(64).optional(),
      }),
      output: z.object({
        /** Photos new to the library / already in it. */
        added: z.number().int(),
        already: z.number().int(),
        /** Added photos that look damaged, and files that start like an image but do not parse. */
        damaged: z.number().int(),
        /** Files that are not images at all (left out). */
        notImages: z.number().int(),
        /** Hidden and system files passed over. */
        hidden: z.number().int(),
        /** Every file that was not added, and why. */
        refused: z.array(libraryRefusalSchema),
        truncated: z.boolean(),
        /** Photos in the library now. */
        total: z.number().int(),
      }),
    },
    'library.list': {
      input: z.strictObject({}).optional(),
      output: z.object({ photos: z.array(libraryPhotoSchema) }),
    },
    /** Takes photos out of the library (their files stay where they are). */
    'library.remove': {
      input: z.strictObject({ paths: z.array(z.string().min(1).max(4096)).min(1).max(100_000) }),
      output: z.object({ removed: z.number().int(), total: z.number().int() }),
    },
    'library.clear': {
      input: z.strictObject({}).optional(),
      output: z.object({ removed: z.number().int() }),
    },
    /**
     * A reference to a finished item's output, for thumbnails, regions and downloads (the
     * renderer never names a file on the server).
     */
    'files.outputRef': {
      input: z.strictObject({
        itemId: z.number().int().positive(),
        index: z.number().int().min(0).default(0),
      }),
      output: z.object({
        ref: z.string(),
        path: z.string(),
        name: z.string(),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        size: z.number().int().nonnegative(),
      }),
    },
    /**
     * Pixels of a rectangle of an image, losslessly (PNG), at the image's own resolution after
     * EXIF orientation: what a compare view shows at 100 % and beyond.
     */
    'files.region': {
      input: z.strictObject(imageRegion),
      output: z.object({
        mime: z.literal('image/png'),
        left: z.number().int(),
        top: z.number().int(),
        width: z.number().int(),
        height: z.number().int(),
        /** The whole image's size (the rectangle is clipped to it). */
        imageWidth: z.number().int(),
        imageHeight: z.number().int(),
        data: z.string(),
      }),
    },
    /**
     * Folders under the roots this core lets a browser choose from (the server's `--root`s),
     * for choosing an output folder where no native picker exists.
     */
    'files.folders': {
      input: z.strictObject({ path: absolutePath.optional() }).optional(),
      output: z.object({
        roots: z.array(z.string()),
        /** The folder listed, or null for the list of roots. */
        path: z.string().nullable(),
        parent: z.string().nullable(),
        folders: z.array(z.object({ name: z.string(), path: z.string() })),
      }),
    },
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
    'library.changed': z.object({ total: z.number().int() }),
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
