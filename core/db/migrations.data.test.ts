import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import DatabaseCtor, { type Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/fixtures.js';
import { MIGRATIONS } from '../app/modules.js';
import { migrate, userVersion } from './migrate.js';
import SHIPPED from './shipped-migrations.json' with { type: 'json' };

const CORE = join(dirname(fileURLToPath(import.meta.url)), '..');
const NOW = Date.UTC(2026, 10, 30, 12);

/** Every migration file, wherever a module keeps it: name → path. */
function migrationFiles(): Map<string, string> {
  const files = readdirSync(CORE, { recursive: true, encoding: 'utf8' }).filter(
    (f) => /(^|\/)migrations\/\d{4}-.+\.ts$/.test(f) && !f.endsWith('.test.ts'),
  );
  return new Map(files.map((f) => [f.split('/').pop() ?? f, join(CORE, f)]));
}
const sha256 = (path: string): string =>
  createHash('sha256').update(readFileSync(path, 'utf8').replace(/\r\n/g, '\n')).digest('hex');

/**
 * Rows each schema version can hold, inserted right after migrating to that version. Every later
 * migration must keep all of them (the test below checks each one), whatever it rebuilds.
 */
const SEEDS: Record<number, (db: Database) => void> = {
  10: (db) =>
    db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('theme', '\"dark\"', ?)").run(NOW),
  20: (db) =>
    db
      .prepare(
        "INSERT INTO thumb_refs (ref, path, size, mtime_ms, last_seen_at) VALUES (?, '/p/a.jpg', 10, 1, ?)",
      )
      .run('a'.repeat(40), NOW),
  30: (db) => {
    db.prepare(
      "INSERT INTO jobs (id, kind, options, priority, status, out_dir, created_at) VALUES ('j1', 'convert', '{\"format\":\"webp\"}', 1, 'running', '/out', ?)",
    ).run(NOW);
    const item = db.prepare(
      'INSERT INTO items (job_id, seq, resource, input_path, rel_dir, status, attempts, owner, outputs, error_code, error_message) ' +
        "VALUES ('j1', ?, 'cpu', ?, '', ?, ?, ?, ?, ?, ?)",
    );
    item.run(0, '/p/a.jpg', 'done', 1, null, '["/out/a.webp"]', null, null);
    item.run(1, '/p/b.jpg', 'failed', 2, null, '[]', 'CORRUPT_IMAGE', 'broken');
    item.run(2, '/p/c.jpg', 'running', 1, 'host|1|x', '[]', null, null);
    item.run(3, '/p/d.jpg', 'queued', 0, null, '[]', null, null);
  },
  40: (db) =>
    db
      .prepare(
        "INSERT INTO results_cache (output_path, input_sha256, op_hash, size, mtime_ms, created_at) VALUES ('/out/a.webp', 'i', 'o', 5, 1, ?)",
      )
      .run(NOW),
  50: (db) =>
    db
      .prepare(
        "INSERT INTO models (id, name, task, scale, convention, file, bytes, sha256, source, installed_at) VALUES ('m', 'M', 'upscale', 4, '{}', '/m.onnx', 1, 's', 'import', ?)",
      )
      .run(NOW),
  60: (db) => {
    const key = db.prepare(
      'INSERT INTO api_keys (id, label, project, tier, secret, last4, created_at) VALUES (?, ?, ?, ?, zeroblob(40), ?, ?)',
    );
    key.run('k1', 'Work', 'p1', 'free', 'WXYZ', NOW);
    // What the old CLI let through: an unknown tier, an empty label, a label twice.
    key.run('k2', 'work', 'p1', 'gold', 'WXYZ', NOW + 1);
    key.run('k3', '', 'p1', 'free', 'WXYZ', NOW + 2);
    db.prepare(
      "INSERT INTO key_usage (key_id, project, model, at, status) VALUES ('k1', 'p1', 'gemini-2.5-flash-image', ?, 'ok')",
    ).run(NOW);
    db.prepare(
      "INSERT INTO key_cooldowns (project, model, until, reason) VALUES ('p1', 'gemini-2.5-flash-image', ?, '429')",
    ).run(NOW);
  },
  70: (db) => {
    db.prepare(
      "INSERT INTO job_log (job_id, item_id, at, level, message) VALUES ('j1', NULL, ?, 'warn', 'retrying')",
    ).run(NOW);
    db.prepare(
      "INSERT INTO items (job_id, seq, resource, input_path, rel_dir, status, not_before, wait_for, state) VALUES ('j1', 4, 'gemini:x', '/p/e.jpg', '', 'awaiting', ?, 'batch:1', '{\"n\":1}')",
    ).run(NOW);
  },
  80: (db) => {
    db.prepare(
      "INSERT INTO results_cache (output_path, input_path, input_sha256, op_hash, size, mtime_ms, created_at) VALUES ('/out/b.webp', '/p/b.jpg', 'i', 'o', 5, 1, ?)",
    ).run(NOW);
    db.prepare(
      "INSERT INTO jobs (id, kind, options, priority, status, out_dir, overwrite, created_at) VALUES ('j2', 'convert', '{}', 0, 'queued', NULL, 1, ?)",
    ).run(NOW);
  },
  90: (db) => {
    db.prepare(
      "INSERT INTO api_keys (id, label, project, tier, secret, last4, created_at) VALUES ('k9', 'Home', 'p2', 'tier1', zeroblob(40), 'ABCD', ?)",
    ).run(NOW);
  },
  100: (db) => {
    db.prepare(
      "INSERT INTO jobs (id, kind, options, priority, status, out_dir, overwrite, created_at, source) VALUES ('j3', 'enhance', '{}', 1, 'done', NULL, 0, ?, '/p')",
    ).run(NOW);
    db.prepare(
      "INSERT INTO items (job_id, seq, resource, input_path, rel_dir, status, pixels, duration_ms, finished_at) VALUES ('j3', 0, 'cpu', '/p/f.jpg', '', 'done', 12000000, 900, ?)",
    ).run(NOW);
  },
  110: (db) => {
    db.prepare(
      "INSERT INTO library_photos (path, seq, rel_dir, shown_path, size, width, height, format, has_alpha, problem, thumb_ref, added_at) VALUES ('/p/a.jpg', 1, 'p', '/p/a.jpg', 10, 4, 3, 'jpeg', 0, NULL, ?, ?)",
    ).run('a'.repeat(40), NOW);
  },
  120: (db) => {
    db.prepare(
      "UPDATE api_keys SET checked_at = ?, check_ok = 0, check_message = 'API key not valid' WHERE id = 'k9'",
    ).run(NOW);
  },
  130: (db) => {
    db.prepare(
      "INSERT INTO cost_ledger (at, day, model, image_size, status, usd, prompt_tokens, output_tokens, total_tokens, job_id, label) VALUES (?, '2026-06-01', 'gemini-2.5-flash-image', '1K', 'ok', 0.039, 263, 1290, 1553, 'j1', 'a.jpg · ink_wash')",
    ).run(NOW);
    db.prepare(
      "INSERT INTO gemini_prices (model, image_size, usd_per_image, input_usd_per_million, updated_at) VALUES ('gemini-2.5-flash-image', '*', 0.05, 0.3, ?)",
    ).run(NOW);
    db.prepare(
      "INSERT INTO cost_alerts (day, threshold, at, spent_usd, cap_usd) VALUES ('2026-06-01', 50, ?, 5.1, 10)",
    ).run(NOW);
  },
  160: () => undefined,
  150: (db) => {
    db.prepare(
      "UPDATE items SET status = 'awaiting', wait_for = 'restyle:cost-cap', wait_reason = 'cap reached', not_before = ? WHERE seq = 3",
    ).run(NOW + 1000);
  },
  140: (db) => {
    db.prepare(
      "INSERT INTO styles (id, name, prompt, model, aspect_ratio, image_size, created_at, updated_at) VALUES ('pastel', 'Pastel', 'Restyle this photo as a soft pastel drawing.', 'gemini-2.5-flash-image', '4:5', '1K', ?, ?)",
    ).run(NOW, NOW);
    db.prepare(
      "INSERT INTO restyle_cache (key, file, mime_type, size, style_id, model, usd, job_id, item_id, created_at, used_at) VALUES (?, 'k.png', 'image/png', 10, 'ink_wash', 'gemini-2.5-flash-image', 0.039, 'j1', 1, ?, ?)",
    ).run('c'.repeat(64), NOW, NOW);
  },
};

/** Columns a migration is meant to change (it mends rows); every other value must stay as it was. */
const MENDS: Record<number, Record<string, string[]>> = { 90: { api_keys: ['label', 'tier'] } };

/** Every row of every table, for comparing before and after a migration. */
function snapshot(db: Database): Record<string, unknown[]> {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((t) => t.name);
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all()]));
}

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('shipped migrations', () => {
  it('never change once shipped, and every file is in the list of shipped hashes', () => {
    const files = migrationFiles();
    const shipped = SHIPPED as Record<string, string>;
    for (const [name, hash] of Object.entries(shipped)) {
      const path = files.get(name);
      expect(path, `${name} was shipped and must stay (add a new migration instead)`).toBeDefined();
      expect(sha256(path ?? ''), `${name} was shipped: never edit it, add a new migration`).toBe(hash);
    }
    for (const name of files.keys()) {
      expect(
        shipped[name],
        `${name} is new: add its sha256 to core/db/shipped-migrations.json`,
      ).toBeDefined();
    }
  });

  it('has seed rows for every version, so each migration below runs on a database holding data', () => {
    expect(Object.keys(SEEDS).map(Number)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  for (const [i, m] of MIGRATIONS.entries()) {
    it(`${String(m.version).padStart(4, '0')}-${m.name} keeps every row of the schema before it`, () => {
      const dir = tempDir();
      cleanups.push(dir.cleanup);
      const db = new DatabaseCtor(join(dir.path, 'p.db'));
      db.pragma('foreign_keys = ON');
      cleanups.unshift(() => db.close());
      // Build the previous schema step by step, with the rows each version could hold.
      for (const earlier of MIGRATIONS.slice(0, i)) {
        migrate(
          db,
          MIGRATIONS.filter((x) => x.version <= earlier.version),
        );
        SEEDS[earlier.version]?.(db);
      }
      const before = snapshot(db);
      migrate(db, MIGRATIONS.slice(0, i + 1));
      expect(userVersion(db)).toBe(m.version);
      const after = snapshot(db);
      for (const [table, rows] of Object.entries(before)) {
        expect(after[table], `${table} lost rows`).toHaveLength(rows.length);
        const mended = MENDS[m.version]?.[table] ?? [];
        const kept = (row: unknown): object =>
          Object.fromEntries(Object.entries(row as object).filter(([column]) => !mended.includes(column)));
        for (const [n, row] of rows.entries()) expect(after[table]?.[n]).toMatchObject(kept(row));
      }
      expect(db.pragma('foreign_key_check')).toEqual([]);
      SEEDS[m.version]?.(db);
    });
  }

  it('0070 keeps item statuses and attempts, and the rebuilt items table serves the claim query', () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const db = new DatabaseCtor(join(dir.path, 'p.db'));
    cleanups.unshift(() => db.close());
    for (const m of MIGRATIONS.filter((x) => x.version < 70)) {
      migrate(
        db,
        MIGRATIONS.filter((x) => x.version <= m.version),
      );
      SEEDS[m.version]?.(db);
    }
    migrate(
      db,
      MIGRATIONS.filter((x) => x.version <= 70),
    );
    const items = db
      .prepare('SELECT seq, status, attempts, not_before, wait_for, state FROM items ORDER BY seq')
      .all();
    expect(items).toEqual([
      { seq: 0, status: 'done', attempts: 1, not_before: null, wait_for: null, state: null },
      { seq: 1, status: 'failed', attempts: 2, not_before: null, wait_for: null, state: null },
      { seq: 2, status: 'running', attempts: 1, not_before: null, wait_for: null, state: null },
      { seq: 3, status: 'queued', attempts: 0, not_before: null, wait_for: null, state: null },
    ]);
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id FROM items WHERE status = 'queued' AND resource = 'cpu' AND job_id = 'j1'",
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX items_claim/);
    expect(() => db.prepare("UPDATE items SET status = 'awaiting' WHERE seq = 3").run()).not.toThrow();
    expect(() => db.prepare("UPDATE items SET status = 'lost' WHERE seq = 3").run()).toThrow(/CHECK/);
  });

  it('0090 mends keys the old CLI stored past the contract, then refuses such rows', () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const db = new DatabaseCtor(join(dir.path, 'p.db'));
    cleanups.unshift(() => db.close());
    for (const m of MIGRATIONS.filter((x) => x.version < 90)) {
      migrate(
        db,
        MIGRATIONS.filter((x) => x.version <= m.version),
      );
      SEEDS[m.version]?.(db);
    }
    migrate(
      db,
      MIGRATIONS.filter((x) => x.version <= 90),
    );
    expect(
      db.prepare("SELECT id, label, tier FROM api_keys WHERE id IN ('k1', 'k2', 'k3') ORDER BY id").all(),
    ).toEqual([
      { id: 'k1', label: 'Work', tier: 'free' },
      { id: 'k2', label: 'work (2)', tier: 'free' },
      { id: 'k3', label: 'key k3', tier: 'free' },
    ]);
    const insert = db.prepare(
      "INSERT INTO api_keys (id, label, project, tier, secret, last4, created_at) VALUES (?, ?, 'p', ?, zeroblob(40), 'WXYZ', 0)",
    );
    expect(() => insert.run('x1', 'WORK', 'free')).toThrow(/UNIQUE/);
    expect(() => insert.run('x2', '  ', 'free')).toThrow(/empty label/);
    expect(() => insert.run('x3', 'Other', 'gold')).toThrow(/unknown tier/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM key_usage').get()).toEqual({ n: 1 });
  });
});
