import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient, type Api } from '../../core/contract/client.js';
import { type RpcError } from '../../core/contract/errors.js';
import type { EventEnvelope } from '../../core/contract/events.js';
import { startFakeGemini } from '../fakes/gemini/index.js';
import type { FakeGemini } from '../fakes/gemini/types.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, type Harness, type TransportKind } from '../helpers/harness.js';

const GOOD = 'AIzaSyCONTRACT-good-0123456789abcdefXYZ1';
const BAD = 'AIzaSyCONTRACT-bad-0123456789abcdefXYZ2';

describe.each<TransportKind>(['direct', 'http'])('keys and usage over %s', (kind) => {
  let fake: FakeGemini;
  let h: Harness;
  let api: Api;
  const seen: string[] = [];
  const logs: string[] = [];
  beforeAll(async () => {
    fake = await startFakeGemini({
      keys: { [GOOD]: { project: 'studio-prod' }, [BAD]: { project: 'studio-prod', valid: false } },
    });
    h = await startHarness(
      kind,
      { log: (line) => logs.push(line) },
      { geminiBaseUrl: fake.url, log: (line) => logs.push(line) },
    );
    // Every answer the client receives is kept, to search it for secrets afterwards.
    const call = h.transport.call.bind(h.transport);
    h.transport.call = async (name, input) => {
      const result = await call(name, input);
      seen.push(JSON.stringify(result));
      return result;
    };
    api = buildClient(h.transport);
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  it('adds, lists masked, tests with a real models.list call, disables an invalid key, removes', async () => {
    const events: EventEnvelope[] = [];
    const off = h.transport.subscribe((e) => events.push(e));
    // The event socket opens asynchronously: an idempotent change shows when it is live.
    await eventually(async () => {
      await api.usage.setLimit({ model: 'gemini-2.5-flash-image', rpm: 20, rpd: 250 });
      expect(events.some((e) => e.name === 'keys.changed')).toBe(true);
    });
    events.length = 0;
    const good = await api.keys.add({ label: 'Studio', project: 'studio-prod', secret: GOOD });
    await eventually(() =>
      expect(events).toContainEqual({ name: 'keys.changed', payload: { reason: 'added' } }),
    );
    expect(good).toMatchObject({
      label: 'Studio',
      project: 'studio-prod',
      tier: 'free',
      masked: '…XYZ1',
      disabledReason: null,
    });
    const bad = await api.keys.add({
      label: 'Old laptop',
      project: 'studio-prod',
      tier: 'tier1',
      secret: BAD,
    });
    expect((await api.keys.list()).find((k) => k.id === good.id)?.lastCheck).toBeNull();
    expect((await api.keys.test({ id: good.id })).ok).toBe(true);
    // The outcome stays with the key: the list says it is verified, and when.
    expect((await api.keys.list()).find((k) => k.id === good.id)?.lastCheck).toMatchObject({
      ok: true,
      at: expect.any(Number),
      message: expect.stringMatching(/works/),
    });
    expect(fake.requests.some((r) => r.path.endsWith('/models') && r.apiKey === GOOD)).toBe(true);
    const refused = await api.keys.test({ id: bad.id });
    expect(refused).toMatchObject({
      ok: false,
      message: expect.stringMatching(/refused by Google.*now disabled/),
    });
    expect((await api.keys.list()).find((k) => k.id === bad.id)).toMatchObject({
      disabledReason: expect.stringMatching(/refused/),
      lastCheck: { ok: false, message: expect.stringMatching(/refused by Google/) },
    });
    expect((await api.keys.enable({ id: bad.id })).disabledReason).toBeNull();
    expect((await api.keys.disable({ id: bad.id, reason: 'lost laptop' })).disabledReason).toBe(
      'lost laptop',
    );
    const dup = await api.keys.add({ label: 'again', project: 'x', secret: GOOD }).catch((e: unknown) => e);
    expect((dup as RpcError).code).toBe('INVALID_INPUT');
    const short = await api.keys.add({ label: 'x', project: 'x', secret: 'abc' }).catch((e: unknown) => e);
    expect((short as RpcError).code).toBe('INVALID_INPUT');
    const sameLabel = await api.keys
      .add({ label: 'STUDIO', project: 'x', secret: `${GOOD}-another` })
      .catch((e: unknown) => e);
    expect(sameLabel).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/already labelled "Studio"/),
    });
    const gold = await api.keys
      .add({ label: 'Gold', project: 'x', tier: 'gold', secret: `${GOOD}-gold` } as never)
      .catch((e: unknown) => e);
    expect(gold).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/tier/) });
    expect(await api.keys.remove({ id: bad.id })).toEqual({ removed: true });
    off();
  });

  it('usage.summary shows limits with the safety margin; limits are editable', async () => {
    const summary = await api.usage.summary();
    expect(summary.margin).toBe(0.9);
    expect(summary.limits).toEqual(
      expect.arrayContaining([
        { model: 'gemini-3-pro-image-preview', rpm: 20, rpd: 250 },
        { model: 'gemini-3-flash-preview', rpm: 1000, rpd: 10_000 },
      ]),
    );
    expect(await api.usage.setLimit({ model: 'gemini-3-pro-image-preview', rpm: 10, rpd: 100 })).toEqual({
      model: 'gemini-3-pro-image-preview',
      rpm: 10,
      rpd: 100,
    });
    const quota = h.context.service('quota');
    const lease = await quota.acquire('gemini-3-pro-image-preview');
    quota.release(lease, { kind: 'ok' });
    const rows = (await api.usage.summary()).rows;
    expect(rows).toEqual([
      expect.objectContaining({
        project: 'studio-prod',
        model: 'gemini-3-pro-image-preview',
        rpm: 1,
        rpmLimit: 9,
        rpd: 1,
        rpdLimit: 90,
        usableKeys: 1,
        keys: 1,
      }),
    ]);
  });

  it('the secret never appears in any RPC answer, the database files or the logs', () => {
    h.context.db.pragma('wal_checkpoint(TRUNCATE)');
    const haystacks = [...seen, ...logs];
    for (const name of readdirSync(h.dataDir)) {
      const file = join(h.dataDir, name);
      if (statSync(file).isFile()) haystacks.push(readFileSync(file).toString('latin1'));
    }
    expect(seen.length).toBeGreaterThan(5);
    for (const text of haystacks) {
      expect(text.includes(GOOD)).toBe(false);
      expect(text.includes(BAD)).toBe(false);
    }
  });
});
