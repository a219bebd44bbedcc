import type { Database } from 'better-sqlite3';

export interface ThumbRefRow {
  ref: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ThumbRefsRepo {
  /** Records refs handed out by a scan (one transaction for the whole batch). */
  upsertMany(rows: readonly ThumbRefRow[]): void;
  find(ref: string): ThumbRefRow | undefined;
}

/** The `thumb_refs` table. */
export function createThumbRefsRepo(db: Database): ThumbRefsRepo {
  const upsert = db.prepare<[string, string, number, number, number]>(
    'INSERT INTO thumb_refs (ref, path, size, mtime_ms, last_seen_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (ref) DO UPDATE SET last_seen_at = excluded.last_seen_at',
  );
  const select = db.prepare<[string], { ref: string; path: string; size: number; mtime_ms: number }>(
    'SELECT ref, path, size, mtime_ms FROM thumb_refs WHERE ref = ?',
  );
  const upsertAll = db.transaction((rows: readonly ThumbRefRow[]) => {
    const now = Date.now();
    for (const r of rows) upsert.run(r.ref, r.path, r.size, Math.trunc(r.mtimeMs), now);
  });
  return {
    upsertMany: (rows) => upsertAll.immediate(rows),
    find(ref) {
      const row = select.get(ref);
      return row && { ref: row.ref, path: row.path, size: row.size, mtimeMs: row.mtime_ms };
    },
  };
}
