import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import DatabaseCtor from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../helpers/db.js';
import { KeyStore } from '../../core/features/keys/keyStore.js';
import { QuotaManager } from '../../core/features/keys/quota.js';
import { FileSecretBox } from '../../core/features/keys/secretBox.js';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const MODEL = 'gemini-3-pro-image-preview';
const dist = (p: string): string => pathToFileURL(join(REPO_ROOT, 'dist', 'core', p)).href;

/** One process: `workers` concurrent acquirers, each taking leases until refused or timed out. */
const CHILD = `
const { openDb } = await import(${JSON.stringify(dist('db/openDb.js'))});
const { MIGRATIONS } = await import(${JSON.stringify(dist('app/modules.js'))});
const { QuotaManager } = await import(${JSON.stringify(dist('features/keys/quota.js'))});
const { FileSecretBox } = await import(${JSON.stringify(dist('features/keys/secretBox.js'))});
const [dbFile, keyFile, workers, perWorker, waitMs] = process.argv.slice(1);
const db = openDb(dbFile, { migrations: MIGRATIONS });
const quota = new QuotaManager({ db, secrets: new FileSecretBox(keyFile), margin: 1 });
let got = 0;
const stop = AbortSignal.timeout(Number(waitMs));
await Promise.all(Array.from({ length: Number(workers) }, async () => {
  for (let i = 0; i < Number(perWorker); i += 1) {
    try {
      const lease = await quota.acquire(${JSON.stringify(MODEL)}, { signal: stop });
      got += 1;
      quota.release(lease, { kind: 'ok' });
    } catch (e) {
      if (e.code === 'QUOTA_EXHAUSTED' || stop.aborted) return;
      throw e;
    }
  }
}));
db.close();
process.stdout.write(String(got));
`;

function child(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('exit', (code) =>
      code === 0 ? resolve(Number(out)) : reject(new Error(`child failed (${code}): ${err}`)),
    );
  });
}

describe('quota across processes (real SQLite, BEGIN IMMEDIATE)', () => {
  const dir = tempDir('pixelsmith-quota-');
  afterAll(() => dir.cleanup());

  function prepare(name: string, rpm: number, rpd: number): { dbFile: string; keyFile: string } {
    const dbFile = join(dir.path, `${name}.db`);
    const keyFile = join(dir.path, 'secret.key');
    const db = openTestDb(dbFile);
    const secrets = new FileSecretBox(keyFile);
    const keys = new KeyStore({ db, secrets });
    for (const n of [1, 2, 3])
      keys.add({
        label: `k${n}`,
        project: 'shared-project',
        tier: 'free',
        secret: `AIzaSyPROCESS-${n}-0123456789abcdef`,
      });
    new QuotaManager({ db, secrets }).setLimit({ model: MODEL, rpm, rpd });
    db.close();
    return { dbFile, keyFile };
  }
  const used = (dbFile: string): number => {
    const db = new DatabaseCtor(dbFile, { readonly: true });
    const n = (
      db.prepare("SELECT COUNT(*) AS n FROM key_usage WHERE status != 'refused'").get() as { n: number }
    ).n;
    db.close();
    return n;
  };

  it('8 acquirers in 2 processes take exactly the daily limit, never more', async () => {
    const { dbFile, keyFile } = prepare('rpd', 10_000, 37);
    const got = await Promise.all([
      child([dbFile, keyFile, '4', '20', '20000']),
      child([dbFile, keyFile, '4', '20', '20000']),
    ]);
    expect(got[0] + got[1]).toBe(37);
    expect(used(dbFile)).toBe(37);
  });

  it('8 acquirers in 2 processes never exceed the per-minute limit', async () => {
    const { dbFile, keyFile } = prepare('rpm', 13, 10_000);
    const got = await Promise.all([
      child([dbFile, keyFile, '4', '5', '1500']),
      child([dbFile, keyFile, '4', '5', '1500']),
    ]);
    expect(got[0] + got[1]).toBe(13);
    expect(used(dbFile)).toBe(13);
  });
});
