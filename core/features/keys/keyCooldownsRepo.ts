import type { Database } from 'better-sqlite3';

/** The `key_cooldowns` table: a project × model on hold after a 429, until `until`. */
export function createKeyCooldownsRepo(db: Database) {
  const get = db.prepare<[string, string], { until: number }>(
    'SELECT until FROM key_cooldowns WHERE project = ? AND model = ?',
  );
  const hold = db.prepare(
    'INSERT INTO key_cooldowns (project, model, until, reason) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (project, model) DO UPDATE SET until = MAX(until, excluded.until), reason = excluded.reason',
  );
  const prune = db.prepare('DELETE FROM key_cooldowns WHERE until < ?');
  return {
    get: (project: string, model: string): number | null => get.get(project, model)?.until ?? null,
    /** Keeps the later of an existing and a new cooldown. */
    hold: (project: string, model: string, until: number, reason: string): void =>
      void hold.run(project, model, until, reason),
    /** Cooldowns that ended before `before` say nothing any more. */
    prune: (before: number): number => prune.run(before).changes,
  };
}
export type KeyCooldownsRepo = ReturnType<typeof createKeyCooldownsRepo>;
