import type { Migration } from '../migration.js';
import { migration as m0010 } from './0010-settings.js';
import { migration as m0030 } from './0030-jobs.js';
import { migration as m0040 } from './0040-results-cache.js';
import { migration as m0070 } from './0070-items-awaiting-job-log.js';
import { migration as m0080 } from './0080-output-ownership.js';
import { migration as m0100 } from './0100-job-source-pixels.js';
import { migration as m0150 } from './0150-item-wait-reason.js';
import { migration as m0160 } from './0160-results-by-input.js';

/**
 * Migrations of the tables the core itself owns (settings, jobs and items, the results cache).
 * Features keep theirs beside their code; `core/app/modules.ts` merges all into one ordered list.
 */
export const CORE_MIGRATIONS: readonly Migration[] = [m0010, m0030, m0040, m0070, m0080, m0100, m0150, m0160];
