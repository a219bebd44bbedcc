import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGemini } from './server.js';
import { apiError, client, restyle } from './testing.js';
import type { FakeGemini } from './types.js';

describe('fake Gemini error injection through the real SDK', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('fails once with a real 500 INTERNAL body, then succeeds', async () => {
    const rule = fake.inject({
      match: { method: 'POST', model: 'gemini-2.5-flash-image' },
      times: 1,
      respond: { status: 500 },
    });
    const ai = client(fake);
    const e = await apiError(restyle(ai));
    expect(e.status).toBe(500);
    expect(e.body.error).toMatchObject({ code: 500, status: 'INTERNAL' });
    expect(e.body.error.message).toContain('An internal error has occurred');
    expect(rule.hits).toBe(1);
    const ok = await restyle(ai);
    expect(ok.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('matches by key and path, and the SDK retry options recover from 503', async () => {
    fake.inject({ match: { apiKey: 'key-2', path: /:generateContent$/ }, respond: { status: 503 } });
    await restyle(client(fake, 'key-1'));
    const e = await apiError(restyle(client(fake, 'key-2')));
    expect(e).toMatchObject({
      status: 503,
      body: { error: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' } },
    });

    fake.clearInjections();
    fake.inject({ times: 2, respond: { status: 503 } });
    const retrying = client(fake, 'key-1', {
      retryOptions: { attempts: 3, initialDelay: 0.01, maxDelay: 0.02, jitter: 0 },
    });
    const ok = await restyle(retrying);
    expect(ok.candidates?.[0]?.finishReason).toBe('STOP');
    expect(
      fake.requests.filter((r) => r.apiKey === 'key-1' && r.path.endsWith(':generateContent')),
    ).toHaveLength(4);
  });

  it('injects 400 and 403 with custom messages and details', async () => {
    fake.inject({
      times: 1,
      respond: {
        status: 400,
        statusName: 'FAILED_PRECONDITION',
        message: 'User location is not supported for the API use.',
      },
    });
    const e = await apiError(restyle(client(fake)));
    expect(e).toMatchObject({
      status: 400,
      body: {
        error: { status: 'FAILED_PRECONDITION', message: 'User location is not supported for the API use.' },
      },
    });
    fake.inject({ times: 1, respond: { status: 403 } });
    expect((await apiError(client(fake).files.list())).body.error.status).toBe('PERMISSION_DENIED');
  });

  it('blocks a prompt for safety: HTTP 200, no candidates, promptFeedback.blockReason', async () => {
    const rule = fake.inject({ times: 1, respond: { safetyBlock: true } });
    // Rules that shape a generateContent answer are not used up by other calls.
    await client(fake).files.list();
    expect(rule.hits).toBe(0);
    const res = await restyle(client(fake));
    expect(res.candidates).toBeUndefined();
    expect(res.promptFeedback?.blockReason).toBe('SAFETY');
    expect(res.usageMetadata?.promptTokenCount).toBeGreaterThan(258);
    expect(res.usageMetadata?.candidatesTokenCount).toBeUndefined();
    expect(res.text).toBeUndefined();
  });

  it('blocks an output image: a candidate with finishReason IMAGE_SAFETY and no content', async () => {
    fake.inject({ times: 1, respond: { safetyBlock: 'candidate' } });
    const res = await restyle(client(fake));
    expect(res.candidates).toHaveLength(1);
    expect(res.candidates?.[0]?.finishReason).toBe('IMAGE_SAFETY');
    expect(res.candidates?.[0]?.content).toBeUndefined();
  });

  it('answers without an image: NO_IMAGE by default, or STOP with only text', async () => {
    fake.inject({ times: 1, respond: { emptyImage: true } });
    const none = await restyle(client(fake));
    expect(none.candidates?.[0]?.finishReason).toBe('NO_IMAGE');
    expect(none.data).toBeUndefined();

    fake.inject({ times: 1, respond: { emptyImage: true, finishReason: 'STOP' } });
    const textOnly = await restyle(client(fake));
    const parts = textOnly.candidates?.[0]?.content?.parts ?? [];
    expect(parts.some((p) => p.inlineData)).toBe(false);
    expect(parts[0]?.text).toBeTruthy();
  });

  it('holds a request until the SDK timeout aborts it, and can drop the socket', async () => {
    fake.inject({ times: 1, respond: { timeoutMs: 10_000 } });
    const impatient = client(fake, 'key-1', { timeout: 200 });
    const began = Date.now();
    await expect(restyle(impatient)).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(fake.requests.at(-1)?.headers['x-server-timeout']).toBe('1');

    fake.inject({ times: 1, respond: { timeoutMs: 50 } });
    await expect(restyle(client(fake))).rejects.toThrow(/fetch failed/);

    fake.inject({ times: 1, respond: { timeoutMs: 50, then: 504 } });
    expect((await apiError(restyle(client(fake)))).body.error.status).toBe('DEADLINE_EXCEEDED');
    await restyle(client(fake));
  });
});
