import type { Migration } from '../migration.js';
import { migration as m0010 } from './0010-settings.js';
import { migration as m0020 } from '../../features/files/migrations/0020-thumb-refs.js';
import { migration as m0030 } from './0030-jobs.js';
import { migration as m0040 } from './0040-results-cache.js';
import { migration as m0050 } from '../../features/enhance/migrations/0050-models.js';
import { migration as m0060 } from '../../features/keys/migrations/0060-keys.js';

/** Every migration in order. Append only; `migrations.test.ts` checks this list against the files. */
export const MIGRATIONS: readonly Migration[] = [m0010, m0020, m0030, m0040, m0050, m0060];
