import { z } from 'zod';
import { jobMethods } from './jobs.js';
import { keyMethods } from './keys.js';
import { modelMethods } from './models.js';
import {
  appInfoSchema,
  scanEntryErrorSchema,
  scannedImageSchema,
  settingsPatchSchema,
  settingsSchema,
  thumbRefSchema,
} from './schemas.js';

/** Input of methods that take none: `undefined` or `{}`. */
const noInput = z.strictObject({}).optional();

/**
 * Every RPC method, `namespace.verb` → input and output schemas. This object is the only list of
 * what crosses a process boundary: the Electron IPC handlers, the preload bridge, the HTTP routes
 * and the typed client are all derived from it.
 */
export const methods = {
  'app.info': { input: noInput, output: appInfoSchema },
  'settings.get': { input: noInput, output: settingsSchema },
  'settings.set': { input: settingsPatchSchema, output: settingsSchema },
  'files.scan': {
    input: z.strictObject({
      paths: z.array(z.string().min(1)).min(1, 'give at least one path').max(10_000),
      /** Echoed in `files.scanProgress` events so a caller can follow its own scan. */
      scanId: z.string().max(64).optional(),
    }),
    output: z.object({
      images: z.array(scannedImageSchema),
      errors: z.array(scanEntryErrorSchema),
      /** Hidden and system files passed over (`.DS_Store`, `Thumbs.db`, dot-files). */
      skipped: z.number().int().nonnegative(),
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
  ...jobMethods,
  ...modelMethods,
  ...keyMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
