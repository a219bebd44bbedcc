import type { Database } from 'better-sqlite3';

/**
 * One schema step. Files are append-only and named `NNNN-name.ts` with `NNNN` = version,
 * numbered by 10 so a fix can slot in between without renumbering.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
