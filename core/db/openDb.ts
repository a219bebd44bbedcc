import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import DatabaseCtor, { type Database } from 'better-sqlite3';
import { assertNotNewer, migrate } from './migrate.js';
import type { Migration } from './migration.js';

export interface OpenDbOptions {
  /** The schema to migrate to: the core's and every module's migrations (`core/app/modules.ts`). */
  migrations: readonly Migration[];
  /** ms to wait for another process's write lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the SQLite file with WAL, foreign keys and a busy timeout, then
 * migrates it. A database from a newer app version is refused before any pragma writes to it.
 */
export function openDb(file: string, options: OpenDbOptions): Database {
  const { migrations } = options;
  if (file !== ':memory:') {
    // Only its owner may read it (keys, paths, prompts): the folder 0700, the file 0600, which
    // SQLite gives its WAL and shared-memory files too.
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
  }
  const db = new DatabaseCtor(file);
  try {
    assertNotNewer(db, migrations);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
