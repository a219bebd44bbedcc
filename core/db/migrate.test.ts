import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import DatabaseCtor from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/fixtures.js';
import { RpcError } from '../contract/errors.js';
import { checkMigrationList, latestVersion, migrate, userVersion } from './migrate.js';
import type { Migration } from './migration.js';
import { MIGRATIONS } from '../app/modules.js';
import { openDb } from './openDb.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function dbFile(): string {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  return join(dir.path, 'test.db');
}
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const tables = (db: DatabaseCtor.Database): string[] =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
    .all()
    .map((r) => r.name);

describe('migrations', () => {
  it('the index lists every NNNN-name.ts file (core/db and each feature), in order, with matching names', () => {
    const core = join(dirname(fileURLToPath(import.meta.url)), '..');
    const files = readdirSync(core, { recursive: true, encoding: 'utf8' })
      .filter((f) => /(^|\/)migrations\/\d{4}-.+\.ts$/.test(f) && !f.endsWith('.test.ts'))
      .map((f) => f.split('/').pop() ?? f)
      .sort();
    expect(files.length).toBeGreaterThan(0);
    expect(MIGRATIONS.map((m) => `${String(m.version).padStart(4, '0')}-${m.name}.ts`)).toEqual(files);
    expect(() => checkMigrationList(MIGRATIONS)).not.toThrow();
  });

  it('brings an empty database to the latest version with WAL, foreign keys and STRICT tables', () => {
    const file = dbFile();
    const db = openDb(file, { migrations: MIGRATIONS });
    expect(userVersion(db)).toBe(latestVersion(MIGRATIONS));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(tables(db)).toEqual(expect.arrayContaining(['settings', 'thumb_refs']));
    const sql = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name='settings'").get();
    expect(sql?.sql).toMatch(/STRICT/);
    db.close();
  });

  it('is idempotent: reopening applies nothing', () => {
    const file = dbFile();
    openDb(file, { migrations: MIGRATIONS }).close();
    const db = new DatabaseCtor(file);
    expect(migrate(db, MIGRATIONS)).toEqual([]);
    db.close();
  });

  it('applies only the pending migrations of an older database', () => {
    const file = dbFile();
    const first = MIGRATIONS.slice(0, 1);
    openDb(file, { migrations: first }).close();
    const db = new DatabaseCtor(file);
    expect(userVersion(db)).toBe(first[0]?.version);
    expect(migrate(db, MIGRATIONS)).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
    expect(userVersion(db)).toBe(latestVersion(MIGRATIONS));
    db.close();
  });

  it('refuses a database from a newer version with DB_TOO_NEW and leaves the file byte-for-byte untouched', () => {
    const file = dbFile();
    const raw = new DatabaseCtor(file);
    raw.exec('CREATE TABLE future (x INTEGER) STRICT');
    raw.pragma('user_version = 9990');
    raw.close();
    const before = sha(file);
    let caught: unknown;
    try {
      openDb(file, { migrations: MIGRATIONS });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RpcError);
    expect((caught as RpcError).code).toBe('DB_TOO_NEW');
    expect((caught as RpcError).message).toMatch(/9990.*newer Pixelsmith/);
    expect(sha(file)).toBe(before);
  });

  it('rolls back every pending migration when one fails, leaving the version unchanged', () => {
    const file = dbFile();
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: 9000, name: 'adds-table', up: (db) => db.exec('CREATE TABLE half (x INTEGER) STRICT') },
      { version: 9010, name: 'fails', up: (db) => db.exec('CREATE TABLE oops (') },
    ];
    const db = new DatabaseCtor(file);
    expect(() => migrate(db, broken)).toThrow();
    expect(userVersion(db)).toBe(0);
    expect(tables(db)).toEqual([]);
    db.close();
  });

  it('rejects badly numbered migration lists at once', () => {
    const up = (): void => undefined;
    expect(() => checkMigrationList([{ version: 15, name: 'odd', up }])).toThrow(/multiple of 10/);
    expect(() =>
      checkMigrationList([
        { version: 20, name: 'b', up },
        { version: 10, name: 'a', up },
      ]),
    ).toThrow(/out of order/);
    expect(() => checkMigrationList([{ version: 10, name: 'Bad Name', up }])).toThrow(/kebab-case/);
  });
});
