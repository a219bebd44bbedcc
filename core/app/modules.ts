import type { Migration } from '../db/migration.js';
import { CORE_MIGRATIONS } from '../db/migrations/index.js';
import { appModule } from '../features/app/module.js';
import { convertModule } from '../features/convert/module.js';
import { enhanceModule } from '../features/enhance/module.js';
import { filesModule } from '../features/files/module.js';
import { jobsModule } from '../features/jobs/module.js';
import { keysModule } from '../features/keys/module.js';
import { restyleModule } from '../features/restyle/module.js';
import type { FeatureModule } from '../features/module.js';

/**
 * Every feature Pixelsmith ships, in the order they are set up (a module may use the services of
 * those before it) and their commands are listed in `pixelsmith --help`. Adding a feature adds
 * its module here and its contract slice to `core/contract/methods.ts`; no shell changes.
 */
export const SHIPPED_MODULES: readonly FeatureModule[] = [
  appModule,
  filesModule,
  convertModule,
  enhanceModule,
  jobsModule,
  keysModule,
  restyleModule,
];

/** The core's own migrations and every module's, in version order (one schema version line). */
export function migrationsOf(modules: readonly FeatureModule[]): Migration[] {
  return [...CORE_MIGRATIONS, ...modules.flatMap((m) => m.migrations ?? [])].sort(
    (a, b) => a.version - b.version,
  );
}

/** The shipped schema: what a database opened by this Pixelsmith is migrated to. */
export const MIGRATIONS: readonly Migration[] = migrationsOf(SHIPPED_MODULES);
