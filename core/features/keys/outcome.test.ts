import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGemini } from '../../../test/fakes/gemini/index.js';
import type { FakeGemini } from '../../../test/fakes/gemini/types.js';
import { outcomeFromError } from './outcome.js';

const MODEL = 'gemini-2.5-flash-image';
const KEY = 'AIzaSyOUTCOME-valid-0123456789abcdefgh';
const BAD = 'AIzaSyOUTCOME-invalid-0123456789abcde';
let fake: FakeGemini;
beforeAll(async () => {
  fake = await startFakeGemini({
    keys: { [KEY]: { project: 'p' }, [BAD]: { project: 'p', valid: false } },
    limits: { [MODEL]: { rpm: 1, rpd: 100 } },
  });
});
afterAll(() => fake.close());

const call = (apiKey: string) =>
  new GoogleGenAI({ apiKey, httpOptions: { baseUrl: fake.url } }).models
    .generateContent({ model: MODEL, contents: 'a red fox' })
    .then(
      () => null,
      (e: unknown) => e,
    );

/** Real error bodies from the wire-level fake, through the real SDK. */
describe('outcomeFromError', () => {
  it('reads a 429 RESOURCE_EXHAUSTED with its RetryInfo delay', async () => {
    expect(await call(KEY)).toBeNull();
    const outcome = outcomeFromError(await call(KEY));
    expect(outcome?.kind).toBe('rate-limited');
    expect(outcome?.kind === 'rate-limited' && outcome.retryAfterMs).toBeGreaterThan(1000);
  });

  it('reads an invalid key, a server error, and leaves other client errors alone', async () => {
    expect(outcomeFromError(await call(BAD))).toMatchObject({
      kind: 'invalid-key',
      reason: expect.stringMatching(/API key not valid/),
    });
    fake.inject({ match: { model: MODEL }, times: 1, respond: { status: 503 } });
    fake.clock.advance(120_000);
    expect(outcomeFromError(await call(KEY))).toMatchObject({ kind: 'server-error' });
    fake.inject({ match: { model: MODEL }, times: 1, respond: { status: 400 } });
    fake.clock.advance(120_000);
    expect(outcomeFromError(await call(KEY))).toBeNull();
    expect(outcomeFromError(new TypeError('fetch failed'))).toMatchObject({ kind: 'server-error' });
  });
});
