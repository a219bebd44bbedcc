import type { Message } from './message.js';
import { faceEn } from './sections/face.en.js';
import { keysEn } from './sections/keys.en.js';
import { modelsEn } from './sections/models.en.js';
import { queueEn } from './sections/queue.en.js';
import { restyleEn } from './sections/restyle.en.js';
import { settingsEn } from './sections/settings.en.js';
import { shellEn } from './sections/shell.en.js';

/** Everything the studio says, in English: the reference every other catalogue is checked against. */
export const en = {
  ...shellEn,
  ...queueEn,
  ...keysEn,
  ...modelsEn,
  ...settingsEn,
  ...faceEn,
  ...restyleEn,
} as const;

export type MessageKey = keyof typeof en;
export type Catalogue = { readonly [K in MessageKey]: Message };
