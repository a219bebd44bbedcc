import type { Database } from 'better-sqlite3';

export interface ResultRow {
  outputPath: string;
  /** The input file it was made from (null for rows written before 0080: any input). */
  inputPath: string | null;
  inputSha256: string;
  opHash: string;
  size: number;
  mtimeMs: number;
}

export interface ResultsCacheRepo {
  get(outputPath: string): ResultRow | undefined;
  put(row: ResultRow): void;
  /** Every output made from this input with this operation hash, in the order they were written. */
  madeFrom(inputPath: string, inputSha256: string, opHash: string): ResultRow[];
}

type Raw = {
  output_path: string;
  input_path: string | null;
  input_sha256: string;
  op_hash: string;
  size: number;
  mtime_ms: number;
};

const toRow = (r: Raw): ResultRow => ({
  outputPath: r.output_path,
  inputPath: r.input_path,
  inputSha256: r.input_sha256,
  opHash: r.op_hash,
  size: r.size,
  mtimeMs: r.mtime_ms,
});

/** The `results_cache` table. */
export function createResultsCacheRepo(db: Database): ResultsCacheRepo {
  const get = db.prepare<[string], Raw>('SELECT * FROM results_cache WHERE output_path = ?');
  const madeFrom = db.prepare<[string, string, string], Raw>(
    'SELECT * FROM results_cache WHERE input_path = ? AND input_sha256 = ? AND op_hash = ? ORDER BY rowid',
  );
  const put = db.prepare(
    'INSERT INTO results_cache (output_path, input_path, input_sha256, op_hash, size, mtime_ms, created_at) ' +
      'VALUES (@outputPath, @inputPath, @inputSha256, @opHash, @size, @mtimeMs, @createdAt) ' +
      'ON CONFLICT (output_path) DO UPDATE SET input_path = excluded.input_path, ' +
      'input_sha256 = excluded.input_sha256, op_hash = excluded.op_hash, ' +
      'size = excluded.size, mtime_ms = excluded.mtime_ms, created_at = excluded.created_at',
  );
  return {
    get(outputPath) {
      const r = get.get(outputPath);
      return r && toRow(r);
    },
    madeFrom: (inputPath, sha, opHash) => madeFrom.all(inputPath, sha, opHash).map(toRow),
    put: (row) => put.run({ ...row, mtimeMs: Math.trunc(row.mtimeMs), createdAt: Date.now() }),
  };
}
