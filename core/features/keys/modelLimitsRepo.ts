import type { Database } from 'better-sqlite3';

export interface ModelLimit {
  model: string;
  rpm: number;
  rpd: number;
}

/** The `model_limits` table: editable per-model request limits (before the safety margin). */
export function createModelLimitsRepo(db: Database) {
  const list = db.prepare<[], ModelLimit>('SELECT model, rpm, rpd FROM model_limits ORDER BY model');
  const get = db.prepare<[string], ModelLimit>('SELECT model, rpm, rpd FROM model_limits WHERE model = ?');
  const set = db.prepare(
    'INSERT INTO model_limits (model, rpm, rpd) VALUES (@model, @rpm, @rpd) ' +
      'ON CONFLICT (model) DO UPDATE SET rpm = excluded.rpm, rpd = excluded.rpd',
  );
  return {
    list: (): ModelLimit[] => list.all(),
    get: (model: string): ModelLimit | undefined => get.get(model),
    set: (l: ModelLimit): void => void set.run(l),
  };
}
export type ModelLimitsRepo = ReturnType<typeof createModelLimitsRepo>;
