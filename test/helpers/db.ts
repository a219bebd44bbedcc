import type { Database } from 'better-sqlite3';
import { MIGRATIONS } from '../../core/app/modules.js';
import { openDb } from '../../core/db/openDb.js';

/** A real SQLite file at the shipped schema, as the app opens it. */
export function openTestDb(file: string): Database {
  return openDb(file, { migrations: MIGRATIONS });
}
