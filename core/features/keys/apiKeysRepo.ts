import type { Database } from 'better-sqlite3';

export interface ApiKeyRow {
  id: string;
  label: string;
  project: string;
  tier: string;
  secret: Buffer;
  last4: string;
  createdAt: number;
  disabledReason: string | null;
  consecutiveFailures: number;
  circuitOpenUntil: number | null;
  circuitBackoffMs: number;
  lastUsedAt: number;
  /** The last `keys.test`: when, whether it worked, what was said; null before any. */
  lastCheck: { at: number; ok: boolean; message: string } | null;
}

interface Raw {
  id: string;
  label: string;
  project: string;
  tier: string;
  secret: Buffer;
  last4: string;
  created_at: number;
  disabled_reason: string | null;
  consecutive_failures: number;
  circuit_open_until: number | null;
  circuit_backoff_ms: number;
  last_used_at: number;
  checked_at: number | null;
  check_ok: number | null;
  check_message: string | null;
}

const toRow = (r: Raw): ApiKeyRow => ({
  id: r.id,
  label: r.label,
  project: r.project,
  tier: r.tier,
  secret: r.secret,
  last4: r.last4,
  createdAt: r.created_at,
  disabledReason: r.disabled_reason,
  consecutiveFailures: r.consecutive_failures,
  circuitOpenUntil: r.circuit_open_until,
  circuitBackoffMs: r.circuit_backoff_ms,
  lastUsedAt: r.last_used_at,
  lastCheck:
    r.checked_at === null ? null : { at: r.checked_at, ok: r.check_ok === 1, message: r.check_message ?? '' },
});

/** The `api_keys` table. Statements are prepared once: `touch` and friends run on every request. */
export function createApiKeysRepo(db: Database) {
  const list = db.prepare<[], Raw>('SELECT * FROM api_keys ORDER BY project, created_at');
  const get = db.prepare<[string], Raw>('SELECT * FROM api_keys WHERE id = ?');
  const insert = db.prepare(
    'INSERT INTO api_keys (id, label, project, tier, secret, last4, created_at) ' +
      'VALUES (@id, @label, @project, @tier, @secret, @last4, @createdAt)',
  );
  const remove = db.prepare('DELETE FROM api_keys WHERE id = ?');
  const setDisabled = db.prepare('UPDATE api_keys SET disabled_reason = ? WHERE id = ?');
  const touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  const checked = db.prepare(
    'UPDATE api_keys SET checked_at = ?, check_ok = ?, check_message = ? WHERE id = ?',
  );
  const succeeded = db.prepare(
    'UPDATE api_keys SET consecutive_failures = 0, circuit_open_until = NULL, circuit_backoff_ms = 0 WHERE id = ?',
  );
  const failed = db.prepare(
    'UPDATE api_keys SET consecutive_failures = ?, circuit_open_until = ?, circuit_backoff_ms = ? WHERE id = ?',
  );
  return {
    list: (): ApiKeyRow[] => list.all().map(toRow),
    get: (id: string): ApiKeyRow | undefined => {
      const r = get.get(id);
      return r && toRow(r);
    },
    insert: (
      k: Pick<ApiKeyRow, 'id' | 'label' | 'project' | 'tier' | 'secret' | 'last4' | 'createdAt'>,
    ): void => void insert.run(k),
    remove: (id: string): boolean => remove.run(id).changes === 1,
    setDisabled: (id: string, reason: string | null): void => void setDisabled.run(reason, id),
    touch: (id: string, at: number): void => void touch.run(at, id),
    checked: (id: string, at: number, ok: boolean, message: string): void =>
      void checked.run(at, ok ? 1 : 0, message, id),
    /** A success closes the circuit and resets the failure count and backoff. */
    succeeded: (id: string): void => void succeeded.run(id),
    failed: (id: string, failures: number, openUntil: number | null, backoffMs: number): void =>
      void failed.run(failures, openUntil, backoffMs, id),
  };
}
export type ApiKeysRepo = ReturnType<typeof createApiKeysRepo>;
