import type { Database } from 'better-sqlite3';
import { DEFAULT_SETTINGS as DEFAULTS, settingsSchema, type Settings } from '../contract/schemas.js';

type Key = keyof Settings;
const KEYS = Object.keys(DEFAULTS) as Key[];

export interface SettingsRepo {
  get(): Settings;
  /** Applies an already validated patch atomically and returns the full settings. */
  update(patch: Partial<Settings>): Settings;
}

/**
 * The `settings` table: one JSON value per key, defaults for anything missing or invalid. Read
 * for every item, so the parsed settings are kept until this connection writes them or SQLite's
 * data_version says another connection (the CLI beside the app) committed.
 */
export function createSettingsRepo(db: Database): SettingsRepo {
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  let cached: { version: number; settings: Settings } | null = null;
  const selectAll = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
  const upsert = db.prepare<[string, string, number]>(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ' +
      'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );

  const read = (): Settings => {
    const stored: Record<string, unknown> = {};
    for (const row of selectAll.all()) {
      if (!(KEYS as string[]).includes(row.key)) continue;
      try {
        stored[row.key] = JSON.parse(row.value);
      } catch {
        // A corrupt value falls back to its default below.
      }
    }
    const result = { ...DEFAULTS };
    for (const key of KEYS) {
      if (!(key in stored)) continue;
      const field = settingsSchema.shape[key].safeParse(stored[key]);
      if (field.success) (result as Record<Key, unknown>)[key] = field.data;
    }
    return result;
  };

  const get = (): Settings => {
    const version = dataVersion.get() as number;
    if (cached?.version !== version) cached = { version, settings: read() };
    return { ...cached.settings };
  };

  const update = db.transaction((patch: Partial<Settings>): void => {
    const now = Date.now();
    for (const key of KEYS) {
      const value = patch[key];
      if (value !== undefined) upsert.run(key, JSON.stringify(value), now);
    }
  });

  return {
    get,
    update(patch) {
      try {
        update.immediate(patch);
      } finally {
        cached = null;
      }
      return get();
    },
  };
}
