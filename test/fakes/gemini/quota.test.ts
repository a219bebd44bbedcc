import { afterEach, describe, expect, it } from 'vitest';
import { nextPacificMidnight, pacificDay } from './clock.js';
import { startFakeGemini } from './server.js';
import { apiError, client, detail, restyle } from './testing.js';
import type { FakeGemini, FakeGeminiOptions } from './types.js';

const MODEL = 'gemini-2.5-flash-image';
const KEYS = {
  'a-1': { project: 'alpha' },
  'a-2': { project: 'alpha' },
  'b-1': { project: 'beta' },
  dead: { project: 'alpha', valid: false },
  leak: { project: 'alpha', leaked: true },
};

describe('fake Gemini quotas and keys through the real SDK', () => {
  let fake: FakeGemini | undefined;
  const start = async (options: FakeGeminiOptions): Promise<FakeGemini> => {
    fake = await startFakeGemini({ keys: KEYS, timeScale: 0, ...options });
    return fake;
  };
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('answers over-RPM calls with the real 429 body: Help, QuotaFailure and RetryInfo', async () => {
    const f = await start({ limits: { [MODEL]: { rpm: 2 } }, startTime: '2026-05-01T12:00:00Z' });
    const ai = client(f, 'a-1');
    await restyle(ai);
    f.clock.advance(48_000);
    await restyle(ai);
    const e = await apiError(restyle(ai));
    expect(e.status).toBe(429);
    expect(e.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    // The oldest call leaves the window 60 s after it was made: 12 s from now.
    expect(e.body.error.message).toContain(
      `Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 2, model: ${MODEL}`,
    );
    expect(e.body.error.message).toContain('Please retry in 12.00s.');
    expect(detail(e.body, 'RetryInfo')).toEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '12s',
    });
    expect(detail(e.body, 'QuotaFailure')).toEqual({
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
          quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          quotaDimensions: { location: 'global', model: MODEL },
          quotaValue: '2',
        },
      ],
    });
    expect(detail(e.body, 'Help')).toMatchObject({
      links: [{ url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }],
    });
    // A refused call uses no quota, and the window slides.
    expect(f.quota.usage('alpha', MODEL)).toEqual({ minute: 2, day: 2 });
    f.clock.advance(12_000);
    await restyle(ai);
  });

  it('shares one budget between keys of a project, not across projects or models', async () => {
    const f = await start({ limits: { [MODEL]: { rpd: 2 } } });
    await restyle(client(f, 'a-1'));
    await restyle(client(f, 'a-2'));
    const e = await apiError(restyle(client(f, 'a-1')));
    expect(e.status).toBe(429);
    expect(detail(e.body, 'QuotaFailure')).toMatchObject({
      violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', quotaValue: '2' }],
    });
    expect((await apiError(restyle(client(f, 'a-2')))).status).toBe(429);
    await restyle(client(f, 'b-1'));
    await restyle(client(f, 'a-1'), 'other model', 'gemini-3-pro-image-preview');
  });

  it('lists each quota refusal with its project and limit, but not injected 429s; reset clears it', async () => {
    const f = await start({ limits: { [MODEL]: { rpm: 1, rpd: 2 } }, startTime: '2026-05-01T12:00:00Z' });
    f.inject({ match: { model: MODEL }, times: 1, respond: { status: 429 } });
    expect((await apiError(restyle(client(f, 'a-1')))).status).toBe(429);
    await restyle(client(f, 'a-1'));
    expect((await apiError(restyle(client(f, 'a-2')))).status).toBe(429);
    f.clock.advance(60_000);
    await restyle(client(f, 'a-1'));
    expect((await apiError(restyle(client(f, 'a-1')))).status).toBe(429);
    const at = Date.parse('2026-05-01T12:00:00Z');
    expect(f.quota.refusals()).toEqual([
      { at, project: 'alpha', model: MODEL, limit: 'rpm' },
      { at: at + 60_000, project: 'alpha', model: MODEL, limit: 'rpd' },
    ]);
    f.reset();
    expect(f.quota.refusals()).toEqual([]);
  });

  it('uses paid-tier metric names when the limit says so', async () => {
    const f = await start({ limits: { [MODEL]: { rpd: 0, tier: 'paid' } } });
    const e = await apiError(restyle(client(f, 'a-1')));
    expect(detail(e.body, 'QuotaFailure')).toMatchObject({
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_requests_per_model_per_day',
          quotaId: 'GenerateRequestsPerDayPerProjectPerModel',
          quotaValue: '0',
        },
      ],
    });
  });

  // 2026-03-08 has 23 hours in Los Angeles; it ends at 07:00Z (PDT), not 08:00Z.
  it('resets RPD at Pacific midnight after the spring DST change', async () => {
    const f = await start({ limits: { [MODEL]: { rpd: 1 } }, startTime: '2026-03-09T06:59:00Z' });
    expect(pacificDay(f.clock.now())).toBe('2026-03-08');
    const ai = client(f, 'a-1');
    await restyle(ai);
    const e = await apiError(restyle(ai));
    expect(detail(e.body, 'RetryInfo')).toMatchObject({ retryDelay: '60s' });
    f.clock.advance(59_999);
    expect((await apiError(restyle(ai))).status).toBe(429);
    f.clock.advance(1);
    expect(pacificDay(f.clock.now())).toBe('2026-03-09');
    await restyle(ai);
  });

  // 2026-11-01 has 25 hours; a fixed PDT offset would reset at 07:00Z, an hour early.
  it('resets RPD at Pacific midnight after the autumn DST change', async () => {
    const f = await start({ limits: { [MODEL]: { rpd: 1 } }, startTime: '2026-11-02T06:30:00Z' });
    const ai = client(f, 'a-1');
    await restyle(ai);
    f.clock.set('2026-11-02T07:00:30Z'); // 23:00:30 PST, still Nov 1
    const e = await apiError(restyle(ai));
    expect(detail(e.body, 'RetryInfo')).toMatchObject({ retryDelay: '3570s' });
    f.clock.set('2026-11-02T08:00:00Z');
    await restyle(ai);
    expect(nextPacificMidnight(Date.parse('2026-11-01T06:59:59Z'))).toBe(Date.parse('2026-11-01T07:00:00Z'));
    expect(nextPacificMidnight(Date.parse('2026-11-01T07:00:00Z'))).toBe(Date.parse('2026-11-02T08:00:00Z'));
    expect(nextPacificMidnight(Date.parse('2026-03-08T07:59:59Z'))).toBe(Date.parse('2026-03-08T08:00:00Z'));
  });

  it('runs the clock at timeScale: 60 fake seconds pass in about a real second', async () => {
    const f = await start({ limits: { [MODEL]: { rpm: 1 } }, timeScale: 60 });
    const ai = client(f, 'a-1');
    const began = performance.now();
    await restyle(ai);
    const e = await apiError(restyle(ai));
    const elapsedS = (performance.now() - began) / 1000;
    const delay = Number(String(detail(e.body, 'RetryInfo')?.retryDelay).replace(/s$/, ''));
    // 60 s minus the fake time that passed since the first call (60× the real time, however
    // busy this machine is): measured, not assumed.
    expect(delay).toBeLessThanOrEqual(60);
    expect(delay).toBeGreaterThanOrEqual(Math.floor(60 - 60 * elapsedS) - 1);
    await new Promise((r) => setTimeout(r, 1100));
    await restyle(ai);
  });

  it('refuses bad keys the way the real API does', async () => {
    const f = await start({});
    const invalid = await apiError(restyle(client(f, 'dead')));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message: 'API key not valid. Please pass a valid API key.',
    });
    expect(invalid.body.error.details?.[0]).toMatchObject({
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
    });
    expect((await apiError(restyle(client(f, 'nobody-knows-me')))).status).toBe(400);
    const leaked = await apiError(restyle(client(f, 'leak')));
    expect(leaked).toMatchObject({ status: 403, body: { error: { status: 'PERMISSION_DENIED' } } });

    const noKey = await fetch(`${f.url}/v1beta/models`);
    expect(noKey.status).toBe(403);
    expect(((await noKey.json()) as { error: { message: string } }).error.message).toContain(
      'unregistered callers',
    );
    // The real server also takes ?key=.
    expect((await fetch(`${f.url}/v1beta/models?key=a-1`)).status).toBe(200);
  });
});
