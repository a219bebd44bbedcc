import type { Catalogue } from './en.js';
import { faceDe } from './sections/face.de.js';
import { keysDe } from './sections/keys.de.js';
import { modelsDe } from './sections/models.de.js';
import { queueDe } from './sections/queue.de.js';
import { restyleDe } from './sections/restyle.de.js';
import { settingsDe } from './sections/settings.de.js';
import { shellDe } from './sections/shell.de.js';

/** German; the compiler checks every English key has a translation. */
export const de: Catalogue = {
  ...shellDe,
  ...queueDe,
  ...keysDe,
  ...modelsDe,
  ...settingsDe,
  ...faceDe,
  ...restyleDe,
};
