import { z } from 'zod';
import { ERROR_CODES } from './errors.js';

/** Raster formats Pixelsmith accepts as input, detected by content, never by extension. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff', 'heif'] as const;
export const imageFormat = z.enum(IMAGE_FORMATS);

export const errorCode = z.enum(ERROR_CODES);

/**
 * A path on the machine that runs core, absolute (`/…`, `C:\…`, `\\server\share`): a relative
 * one would be resolved against the server's own working folder, which no caller means. Shells
 * resolve what a user typed (the CLI against its own folder) before calling.
 */
export const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(
    /^(\/|[A-Za-z]:[\\/]|\\\\)/,
    'must be an absolute path (a relative one would be resolved on the server)',
  )
  // eslint-disable-next-line no-control-regex
  .refine((p) => !/[\x00]/.test(p), 'must not contain a NUL character');

/**
 * User settings, one schema per field. Defaults live apart in `DEFAULT_SETTINGS` (zod 4 keeps
 * `.default()` inside `.partial()`, which would make every patch reset the fields it omits).
 * Stored one row per key; a stored value that no longer validates falls back to its default.
 */
const settingsFields = {
  /** Colour theme; `system` follows the OS. */
  theme: z.enum(['system', 'light', 'dark']),
  /** The studio's language; `system` follows the browser or OS (English where it has no catalogue). */
  language: z.enum(['system', 'en', 'de']),
  /** Name of the output folder created next to the inputs. */
  outputFolderName: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^/\\:*?"<>|]+$/, 'must be a plain folder name (no slashes or reserved characters)')
    .refine((v) => v !== '.' && v !== '..', 'must not be "." or ".."'),
  /** Longest side of gallery thumbnails, in pixels. */
  thumbnailSize: z.number().int().min(64).max(1024),
  /** Inputs with more pixels than this are refused before decoding (decompression bombs). */
  maxInputPixels: z.number().int().min(1_000_000).max(1_000_000_000),
  /** Inputs larger than this many bytes are refused. */
  maxInputBytes: z.number().int().min(1_000_000).max(2_000_000_000),
  /** ONNX Runtime intra-op threads; 0 lets the runtime decide. */
  onnxThreads: z.number().int().min(0).max(256),
  /** Tries per item before it fails for good (crashes and retryable errors both count). */
  maxAttempts: z.number().int().min(1).max(10),
  /** Jobs replace files already at their output paths (off: outputs take a free name). */
  overwriteOutputs: z.boolean(),
  /** Enhanced images larger than this many pixels are refused before any work. */
  maxOutputPixels: z.number().int().min(1_000_000).max(4_000_000_000),
  /** A photo still running after this many minutes is stopped and fails; longer ones are refused up front. */
  itemTimeLimitMinutes: z.number().int().min(1).max(10_080),
  /**
   * Gemini spend allowed per day (midnight Pacific, when Google's quotas reset), in US dollars:
   * a call that would cross it is not made. 0 allows no paid calls.
   */
  dailyCostCapUsd: z.number().min(0).max(100_000),
  /** Share of each published Gemini rate limit Pixelsmith uses (the rest is left for other clients of the project). */
  quotaMarginPercent: z.number().int().min(50).max(100),
  /** A Gemini call that has not answered after this many seconds is abandoned and tried again. */
  geminiTimeoutSeconds: z.number().int().min(5).max(900),
};
export const settingsSchema = z.object(settingsFields);
export type Settings = z.output<typeof settingsSchema>;
export const settingsPatchSchema = z.strictObject(settingsFields).partial();
export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  theme: 'system',
  language: 'system',
  outputFolderName: 'pixelsmith',
  thumbnailSize: 320,
  // sharp's own default limit (0x3FFF²): about 268 MP.
  maxInputPixels: 268_402_689,
  maxInputBytes: 50 * 1024 * 1024,
  onnxThreads: 0,
  maxAttempts: 3,
  overwriteOutputs: false,
  maxOutputPixels: 400_000_000,
  itemTimeLimitMinutes: 60,
  dailyCostCapUsd: 10,
  quotaMarginPercent: 90,
  geminiTimeoutSeconds: 180,
});

export const executionProviderSchema = z.object({
  name: z.string(),
  /** True when this build of onnxruntime-node ships the provider. */
  bundled: z.boolean(),
  /** How a user can enable it, or why it may not load. */
  note: z.string(),
});

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
  shell: z.enum(['electron', 'web', 'cli']),
  dataDir: z.string(),
  dbPath: z.string(),
  schemaVersion: z.number().int(),
  /** Where API keys are encrypted at rest, and why there when it is not the OS keychain. */
  secretStorage: z.object({ kind: z.string(), notice: z.string().nullable() }),
  onnxruntime: z.object({
    version: z.string().nullable(),
    executionProviders: z.array(executionProviderSchema),
    error: z.string().nullable(),
  }),
});
export type AppInfo = z.output<typeof appInfoSchema>;

export const scannedImageSchema = z.object({
  path: z.string(),
  name: z.string(),
  /** Folder of the file relative to the scanned root ('' for files given directly). */
  relDir: z.string(),
  size: z.number().int().nonnegative(),
  /** Display dimensions, after EXIF orientation. */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: imageFormat,
  hasAlpha: z.boolean(),
  /**
   * Why this file looks damaged (cut short, …), or null. A damaged file is shown with its reason
   * and never queued.
   */
  problem: z.string().nullable(),
  /** Opaque reference for `files.thumbnail`. */
  thumbRef: z.string(),
});
export type ScannedImage = z.output<typeof scannedImageSchema>;

export const scanEntryErrorSchema = z.object({
  path: z.string(),
  code: errorCode,
  message: z.string(),
});
export type ScanEntryError = z.output<typeof scanEntryErrorSchema>;

export const thumbRefSchema = z
  .string()
  .regex(/^[0-9a-f]{40}$/, 'must be a thumbnail reference from files.scan');
