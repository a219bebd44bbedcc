import type { Database } from 'better-sqlite3';
import { RpcError } from '../contract/errors.js';
import type { Migration } from './migration.js';

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/** Throws at once when the list is not strictly ascending multiples of 10 with names. */
export function checkMigrationList(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= 0 || m.version % 10 !== 0) {
      throw new Error(
        `Migration "${m.name}": expected a positive multiple of 10 as version, got ${m.version}`,
      );
    }
    if (m.version <= previous) {
      throw new Error(`Migration "${m.name}" (${m.version}) is out of order: it follows version ${previous}`);
    }
    if (!/^[a-z0-9-]+$/.test(m.name)) {
      throw new Error(`Migration ${m.version}: expected a kebab-case name, got "${m.name}"`);
    }
    previous = m.version;
  }
}

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Refuses a database written by a newer Pixelsmith, before anything touches it. */
export function assertNotNewer(db: Database, migrations: readonly Migration[]): void {
  const current = userVersion(db);
  const latest = latestVersion(migrations);
  if (current > latest) {
    throw new RpcError(
      'DB_TOO_NEW',
      `The database ${db.name} has schema version ${current}, but this Pixelsmith knows only up to ${latest}. ` +
        'It was written by a newer Pixelsmith; update the app, or point --data-dir at another folder. The file was left untouched.',
      { schemaVersion: current, supported: latest },
    );
  }
}

/**
 * Applies every pending migration in ONE transaction and records the new `user_version`, so the
 * database is either fully at the new version or untouched. Returns the versions applied.
 */
export function migrate(db: Database, migrations: readonly Migration[]): number[] {
  checkMigrationList(migrations);
  assertNotNewer(db, migrations);
  const pending = migrations.filter((m) => m.version > userVersion(db));
  if (pending.length === 0) return [];
  db.transaction(() => {
    for (const m of pending) m.up(db);
    // PRAGMA takes no bound parameters; the value is a checked integer.
    db.pragma(`user_version = ${latestVersion(pending)}`);
  }).immediate();
  return pending.map((m) => m.version);
}
