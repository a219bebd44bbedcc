import type { Migration } from '../migration.js';
import { migration as m0010 } from './0010-settings.js';
import { migration as m0020 } from './0020-thumb-refs.js';

/** Every migration in order. Append only; `migrations.test.ts` checks this list against the files. */
export const MIGRATIONS: readonly Migration[] = [m0010, m0020];
