import type { Database } from 'better-sqlite3';
import type { LibraryPhoto } from '../../contract/files.js';

interface RawPhoto {
  path: string;
  seq: number;
  rel_dir: string;
  shown_path: string;
  size: number;
  width: number;
  height: number;
  format: LibraryPhoto['format'];
  has_alpha: number;
  problem: string | null;
  thumb_ref: string;
  added_at: number;
}

const toPhoto = (r: RawPhoto): LibraryPhoto => ({
  path: r.path,
  name: r.path.split(/[/\\]/).pop() ?? r.path,
  relDir: r.rel_dir,
  shownPath: r.shown_path,
  size: r.size,
  width: r.width,
  height: r.height,
  format: r.format,
  hasAlpha: r.has_alpha === 1,
  problem: r.problem,
  thumbRef: r.thumb_ref,
  addedAt: r.added_at,
});

export interface LibraryRepo {
  /** Adds photos in the order given (a photo already there keeps its place, with fresh facts). */
  upsertMany(photos: readonly Omit<LibraryPhoto, 'addedAt' | 'name'>[], now: number): { added: number };
  list(): LibraryPhoto[];
  remove(paths: readonly string[]): number;
  clear(): number;
  count(): number;
}

/** The `library_photos` table. */
export function createLibraryRepo(db: Database): LibraryRepo {
  const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM library_photos WHERE path = ?');
  const nextSeq = db.prepare<[], { seq: number }>(
    'SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM library_photos',
  );
  const insert = db.prepare(`
    INSERT INTO library_photos (path, seq, rel_dir, shown_path, size, width, height, format, has_alpha,
      problem, thumb_ref, added_at)
    VALUES (@path, @seq, @relDir, @shownPath, @size, @width, @height, @format, @hasAlpha, @problem,
      @thumbRef, @now)
    ON CONFLICT (path) DO UPDATE SET size = excluded.size, width = excluded.width,
      height = excluded.height, format = excluded.format, has_alpha = excluded.has_alpha,
      problem = excluded.problem, thumb_ref = excluded.thumb_ref`);
  const list = db.prepare<[], RawPhoto>('SELECT * FROM library_photos ORDER BY seq');
  const remove = db.prepare<[string]>(
    'DELETE FROM library_photos WHERE path IN (SELECT value FROM json_each(?))',
  );
  const clear = db.prepare('DELETE FROM library_photos');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM library_photos');
  const upsertAll = db.transaction((photos: Parameters<LibraryRepo['upsertMany']>[0], now: number) => {
    let added = 0;
    let seq = nextSeq.get()?.seq ?? 1;
    for (const p of photos) {
      if (!exists.get(p.path)) added += 1;
      insert.run({ ...p, hasAlpha: p.hasAlpha ? 1 : 0, seq, now });
      seq += 1;
    }
    return { added };
  });
  return {
    upsertMany: (photos, now) => upsertAll.immediate(photos, now),
    list: () => list.all().map(toPhoto),
    remove: (paths) => remove.run(JSON.stringify(paths)).changes,
    clear: () => clear.run().changes,
    count: () => count.get()?.n ?? 0,
  };
}
