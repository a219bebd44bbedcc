import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import DatabaseCtor from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient } from '../../core/contract/client.js';
import { createCore } from '../../core/app/createCore.js';
import { createLocalTransport } from '../../core/app/localTransport.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini/index.js';
import { FIXTURE_IMAGES, REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const FLASH = 'gemini-2.5-flash-image';
const KEY = 'AIzaSyCAP-0123456789abcdefghijkl-ABCD';
const dist = (p: string): string => pathToFileURL(join(REPO_ROOT, 'dist', 'core', p)).href;

/**
 * One process of the built core on the shared data folder: restyles every photo in `folder`
 * with one style, all items at once (the quota allows far more), and prints how its items ended.
 */
const CHILD = `
const { createCore } = await import(${JSON.stringify(dist('app/createCore.js'))});
const { createLocalTransport } = await import(${JSON.stringify(dist('app/localTransport.js'))});
const { buildClient } = await import(${JSON.stringify(dist('contract/client.js'))});
const [dataDir, baseUrl, folder, out] = process.argv.slice(1);
const core = createCore({ dataDir, shell: 'cli', runJobs: 'own', geminiBaseUrl: baseUrl });
const api = buildClient(createLocalTransport(core));
const job = await api.jobs.create({ kind: 'restyle', options: { styles: ['ink_wash'] }, paths: [folder], outDir: out, priority: 'interactive' });
for (;;) {
  const { job: s } = await api.jobs.get({ id: job.id, limit: 1 });
  if (s.counts.queued + s.counts.running === 0) break;
  await new Promise((r) => setTimeout(r, 50));
}
const { items } = await api.jobs.get({ id: job.id });
const log = await api.jobs.log({ id: job.id, limit: 200 });
process.stdout.write(JSON.stringify({ items: items.map((i) => i.status), waits: items.flatMap((i) => (i.waitReason ? [i.waitReason] : [])), log: log.map((e) => e.message) }));
await core.close();
process.exit(0);
`;

interface ChildResult {
  items: string[];
  waits: string[];
  log: string[];
}

function child(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`child failed (${code}): ${err}`));
      try {
        resolve(JSON.parse(out) as ChildResult);
      } catch {
        reject(new Error(`child printed no result: ${out}\n${err}`));
      }
    });
  });
}

/**
 * A proxy in front of the fake that holds each answer a moment, so calls from both processes
 * are in flight together (what the cap must hold against); it counts the most seen at once.
 */
function slowProxy(
  target: string,
  holdMs: number,
): Promise<{ server: Server; url: string; maxInFlight: () => number }> {
  let inFlight = 0;
  let max = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    max = Math.max(max, inFlight);
    const upstream = request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        setTimeout(() => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => (inFlight -= 1));
        }, holdMs);
      },
    );
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        maxInFlight: () => max,
      }),
    ),
  );
}

describe('the daily cost cap across processes (real SQLite, real SDK, the fake behind a slow proxy)', () => {
  const dir = tempDir('pixelsmith-cap-');
  let fake: FakeGemini;
  let proxy: Awaited<ReturnType<typeof slowProxy>>;
  beforeAll(async () => {
    fake = await startFakeGemini({
      keys: { [KEY]: { project: 'p1' } },
      limits: { [FLASH]: { rpm: 1000, rpd: 100_000 } },
    });
    proxy = await slowProxy(fake.url, 300);
    // The keys, limits and a cap that five calls fit under (about $0.0392 each), set up once.
    const core = createCore({ dataDir: join(dir.path, 'data'), shell: 'cli', geminiBaseUrl: fake.url });
    const api = buildClient(createLocalTransport(core));
    await api.keys.add({ label: 'main', project: 'p1', secret: KEY });
    await api.usage.setLimit({ model: FLASH, rpm: 1000, rpd: 100_000 });
    await api.settings.set({ dailyCostCapUsd: 0.2 });
    await core.close();
    for (const name of ['a', 'b']) {
      const folder = join(dir.path, name);
      mkdirSync(folder);
      for (let i = 0; i < 4; i += 1) {
        await sharp(join(FIXTURE_IMAGES, 'Blake_Lively.jpg'))
          .resize({ width: 64 + i + (name === 'b' ? 10 : 0) })
          .png()
          .toFile(join(folder, `${name}${i}.png`));
      }
    }
  });
  afterAll(async () => {
    proxy.server.close();
    await fake.close();
    dir.cleanup();
  });

  it('8 calls from 2 processes: the cap stops new calls before it is crossed; each alert fires once', async () => {
    const data = join(dir.path, 'data');
    const [a, b] = await Promise.all([
      child([data, proxy.url, join(dir.path, 'a'), join(dir.path, 'out')]),
      child([data, proxy.url, join(dir.path, 'b'), join(dir.path, 'out')]),
    ]);
    const items = [...a.items, ...b.items];
    const log = [...a.log, ...b.log];
    const calls = fake.requests.filter((r) => r.path.endsWith(':generateContent')).length;
    // Five fit: the sixth reservation would pass $0.20, so it and the two after it never went out.
    expect(calls).toBe(5);
    expect(items.filter((s) => s === 'done')).toHaveLength(5);
    // The other three wait for a new day or a higher cap, and say so.
    expect(items.filter((s) => s === 'awaiting')).toHaveLength(3);
    expect(log.filter((m) => /cost cap of \$0\.20 is reached/.test(m))).toHaveLength(3);
    // …beside each item too, not only in the log.
    const waits = [...a.waits, ...b.waits];
    expect(waits).toHaveLength(3);
    for (const w of waits)
      expect(w).toMatch(/^Today's Gemini cost cap of \$0\.20 is reached: .* raise it in Settings/);
    // Each alert is logged by the process that passed it, once in all.
    for (const pct of [50, 75, 90]) {
      expect(log.filter((m) => m.includes(`passed ${pct} % of the $0.20 daily cap`))).toHaveLength(1);
    }
    const db = new DatabaseCtor(join(data, 'pixelsmith.db'), { readonly: true });
    const spent = db
      .prepare("SELECT SUM(usd) AS usd, COUNT(*) AS n FROM cost_ledger WHERE status = 'ok'")
      .get() as {
      usd: number;
      n: number;
    };
    const alerts = db.prepare('SELECT threshold FROM cost_alerts ORDER BY threshold').all() as {
      threshold: number;
    }[];
    const held = db.prepare("SELECT COUNT(*) AS n FROM cost_ledger WHERE status = 'reserved'").get() as {
      n: number;
    };
    db.close();
    expect(spent.n).toBe(5);
    expect(spent.usd).toBeLessThanOrEqual(0.2);
    expect(spent.usd).toBeGreaterThan(5 * 0.039);
    expect(held.n).toBe(0);
    // One row per threshold however many processes passed it.
    expect(alerts.map((r) => r.threshold)).toEqual([50, 75, 90]);
  });
});
