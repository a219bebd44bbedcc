import type { Database } from 'better-sqlite3';

/** The `key_usage` table: one row per request reservation; refused requests do not count. */
export function createKeyUsageRepo(db: Database) {
  const count = db.prepare<[string, string, number], { n: number }>(
    "SELECT COUNT(*) AS n FROM key_usage WHERE project = ? AND model = ? AND at > ? AND status != 'refused'",
  );
  const oldestInWindow = db.prepare<[string, string, number], { at: number }>(
    "SELECT at FROM key_usage WHERE project = ? AND model = ? AND at > ? AND status != 'refused' ORDER BY at LIMIT 1",
  );
  const reserve = db.prepare(
    "INSERT INTO key_usage (key_id, project, model, at, status) VALUES (?, ?, ?, ?, 'reserved')",
  );
  const settle = db.prepare(
    'UPDATE key_usage SET status = ?, input_tokens = ?, output_tokens = ? WHERE id = ?',
  );
  const cancel = db.prepare('DELETE FROM key_usage WHERE id = ?');
  const sentAt = db.prepare("UPDATE key_usage SET at = MAX(at, ?) WHERE id = ? AND status = 'reserved'");
  const pairs = db.prepare<[number], { project: string; model: string }>(
    'SELECT DISTINCT project, model FROM key_usage WHERE at > ?',
  );
  const prune = db.prepare('DELETE FROM key_usage WHERE at < ?');
  const spent = db.prepare<
    [number],
    { model: string; calls: number; tokens: number | null; untokened: number }
  >(
    'SELECT model, COUNT(*) AS calls, SUM(output_tokens) AS tokens, SUM(output_tokens IS NULL) AS untokened ' +
      "FROM key_usage WHERE status = 'ok' AND at > ? GROUP BY model",
  );
  return {
    /** Requests after `since` (exclusive). */
    countSince: (project: string, model: string, since: number): number =>
      count.get(project, model, since)?.n ?? 0,
    /** When the oldest request of the last minute leaves the window. */
    oldestSince: (project: string, model: string, since: number): number | null =>
      oldestInWindow.get(project, model, since)?.at ?? null,
    reserve: (keyId: string, project: string, model: string, at: number): number =>
      Number(reserve.run(keyId, project, model, at).lastInsertRowid),
    settle: (
      id: number,
      status: 'ok' | 'failed' | 'refused',
      inputTokens: number | null,
      outputTokens: number | null,
    ): void => void settle.run(status, inputTokens, outputTokens, id),
    cancel: (id: number): void => void cancel.run(id),
    /** The request left at `at` (later than it was reserved): its minute counts from then. */
    sent: (id: number, at: number): void => void sentAt.run(at, id),
    pairsSince: (since: number): { project: string; model: string }[] => pairs.all(since),
    /** Successful calls after `since` per model, with their output tokens. */
    callsSince: (since: number): { model: string; calls: number; tokens: number; untokened: number }[] =>
      spent.all(since).map((r) => ({ ...r, tokens: r.tokens ?? 0 })),
    /** Deletes rows older than `before`; returns how many. */
    prune: (before: number): number => prune.run(before).changes,
  };
}
export type KeyUsageRepo = ReturnType<typeof createKeyUsageRepo>;
