import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/fixtures.js';
import { DEFAULT_SETTINGS } from '../contract/schemas.js';
import { openTestDb } from '../../test/helpers/db.js';
import { createSettingsRepo } from './settingsRepo.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('settings repo', () => {
  it('returns the defaults, persists updates across reopening, and ignores corrupt rows', () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const file = join(dir.path, 'p.db');
    let db = openTestDb(file);
    const repo = createSettingsRepo(db);
    expect(repo.get()).toEqual(DEFAULT_SETTINGS);
    const next = repo.update({ theme: 'dark', thumbnailSize: 128 });
    expect(next.theme).toBe('dark');
    expect(next.thumbnailSize).toBe(128);
    expect(next.outputFolderName).toBe('pixelsmith');
    db.close();

    db = openTestDb(file);
    expect(createSettingsRepo(db).get()).toMatchObject({ theme: 'dark', thumbnailSize: 128 });
    db.prepare("UPDATE settings SET value = 'not json' WHERE key = 'theme'").run();
    db.prepare("UPDATE settings SET value = '99999' WHERE key = 'thumbnailSize'").run();
    db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('retired', '1', 0)").run();
    const repaired = createSettingsRepo(db).get();
    expect(repaired.theme).toBe('system');
    expect(repaired.thumbnailSize).toBe(320);
    expect(repaired).not.toHaveProperty('retired');
    db.close();
  });

  it('keeps what it read until this or another connection writes, and never shares its copy', () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const file = join(dir.path, 'p.db');
    const app = openTestDb(file);
    const cli = openTestDb(file);
    cleanups.push(
      () => app.close(),
      () => cli.close(),
    );
    const repo = createSettingsRepo(app);
    const first = repo.get();
    first.theme = 'dark';
    expect(repo.get().theme).toBe('system');
    // Another process (the CLI) changes a setting: the next read sees it.
    createSettingsRepo(cli).update({ maxAttempts: 7 });
    expect(repo.get().maxAttempts).toBe(7);
    // Its own update is seen at once.
    expect(repo.update({ thumbnailSize: 200 }).thumbnailSize).toBe(200);
    expect(repo.get()).toMatchObject({ thumbnailSize: 200, maxAttempts: 7 });
  });
});
