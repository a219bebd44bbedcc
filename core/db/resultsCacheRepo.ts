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
}

/** The `results_cache` table. */
export function createResultsCacheRepo(db: Database): ResultsCacheRepo {
  const get = db.prepare<
    [string],
    {
      output_path: string;
      input_path: string | null;
      input_sha256: string;
      op_hash: string;
      size: number;
      mtime_ms: number;
    }
  >('SELECT * FROM results_cache WHERE output_path = ?');
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
      return (
        r && {
          outputPath: r.output_path,
          inputPath: r.input_path,
          inputSha256: r.input_sha256,
          opHash: r.op_hash,
          size: r.size,
          mtimeMs: r.mtime_ms,
        }
      );
    },
    put: (row) => put.run({ ...row, mtimeMs: Math.trunc(row.mtimeMs), createdAt: Date.now() }),
  };
}
