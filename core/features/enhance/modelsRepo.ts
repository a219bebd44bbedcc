import type { Database } from 'better-sqlite3';
import type { ModelConvention, ModelTask } from './catalog.js';

export interface ModelRow {
  id: string;
  name: string;
  task: ModelTask;
  scale: number;
  convention: ModelConvention;
  file: string;
  bytes: number;
  sha256: string;
  source: 'download' | 'import';
  installedAt: number;
}

interface Raw extends Omit<ModelRow, 'convention' | 'installedAt'> {
  convention: string;
  installed_at: number;
}

export interface ModelsRepo {
  list(): ModelRow[];
  get(id: string): ModelRow | undefined;
  put(row: ModelRow): void;
  remove(id: string): boolean;
}

/** The `models` table. */
export function createModelsRepo(db: Database): ModelsRepo {
  const toRow = (r: Raw): ModelRow => ({
    ...r,
    convention: JSON.parse(r.convention) as ModelConvention,
    installedAt: r.installed_at,
  });
  const list = db.prepare<[], Raw>('SELECT * FROM models ORDER BY id');
  const get = db.prepare<[string], Raw>('SELECT * FROM models WHERE id = ?');
  const put = db.prepare(
    'INSERT OR REPLACE INTO models (id, name, task, scale, convention, file, bytes, sha256, source, installed_at) ' +
      'VALUES (@id, @name, @task, @scale, @convention, @file, @bytes, @sha256, @source, @installedAt)',
  );
  const remove = db.prepare('DELETE FROM models WHERE id = ?');
  return {
    list: () => list.all().map(toRow),
    get: (id) => {
      const r = get.get(id);
      return r && toRow(r);
    },
    put: (row) => void put.run({ ...row, convention: JSON.stringify(row.convention) }),
    remove: (id) => remove.run(id).changes === 1,
  };
}
