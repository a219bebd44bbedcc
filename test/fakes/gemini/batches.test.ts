import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/fixtures.js';
import { startFakeGemini } from './server.js';
import { apiError, base64Of, client, SMALL_PNG } from './testing.js';
import type { FakeGemini } from './types.js';

const MODEL = 'gemini-2.5-flash-image';
/** The parts of a raw Operation and a results line these tests read. */
interface RawOperation {
  done?: boolean;
  metadata: { batchStats: Record<string, string> };
  response: { '@type': string };
}
interface ResultLine {
  key?: string;
  error?: { code: number; message: string };
  response: {
    usageMetadata: { candidatesTokenCount: number };
    candidates: { finishReason: string; content: { parts: { inlineData: { mimeType: string } }[] } }[];
  };
}

const imageRequest = (prompt: string) => ({
  contents: [
    {
      role: 'user',
      parts: [{ text: prompt }, { inlineData: { mimeType: 'image/png', data: base64Of(SMALL_PNG) } }],
    },
  ],
  generationConfig: { responseModalities: ['IMAGE'] },
});

describe('fake Gemini Batch API through the real SDK', () => {
  let fake: FakeGemini;
  const tmp = tempDir('fake-gemini-batches-');
  beforeAll(async () => {
    fake = await startFakeGemini({ timeScale: 0, startTime: '2026-06-01T00:00:00Z' });
  });
  afterAll(async () => {
    await fake.close();
    tmp.cleanup();
  });
  beforeEach(() => {
    fake.reset();
    fake.batches.setSchedule(undefined);
  });

  it('runs an inline batch through PENDING → RUNNING → SUCCEEDED with a per-line error', async () => {
    const ai = client(fake);
    const src = ['ink wash', 'van gogh', 'noir'].map((text, i) => ({
      contents: [
        {
          role: 'user',
          parts: [{ text }, { inlineData: { mimeType: 'image/png', data: base64Of(SMALL_PNG) } }],
        },
      ],
      config: { responseModalities: ['IMAGE'] },
      metadata: { key: `k${i + 1}` },
    }));
    fake.inject({ match: { batchKey: 'k2' }, respond: { status: 500 } });
    const job = await ai.batches.create({ model: MODEL, src, config: { displayName: 'restyle-3' } });
    expect(job).toMatchObject({
      displayName: 'restyle-3',
      state: 'JOB_STATE_PENDING',
      model: `models/${MODEL}`,
    });
    expect(job.name).toMatch(/^batches\/[a-z0-9]+$/);
    const create = fake.requests.at(-1);
    expect(create).toMatchObject({
      method: 'POST',
      path: `/v1beta/models/${MODEL}:batchGenerateContent`,
      model: MODEL,
    });
    expect(create?.body).toMatchObject({
      batch: {
        displayName: 'restyle-3',
        inputConfig: { requests: { requests: [{ metadata: { key: 'k1' } }, {}, {}] } },
      },
    });

    const name = job.name ?? '';
    await fake.batches.advance(name);
    expect((await ai.batches.get({ name })).state).toBe('JOB_STATE_RUNNING');
    await fake.batches.advance(name);
    const done = await ai.batches.get({ name });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.endTime).toBe('2026-06-01T00:00:00.000Z');
    const results = done.dest?.inlinedResponses ?? [];
    expect(results.map((r) => r.metadata?.key)).toEqual(['k1', 'k2', 'k3']);
    expect(results[1]?.error).toMatchObject({ code: 500 });
    expect(results[1]?.response).toBeUndefined();
    const data = results[0]?.response?.candidates?.[0]?.content?.parts?.[0]?.inlineData?.data ?? '';
    expect((await sharp(Buffer.from(data, 'base64')).metadata()).format).toBe('png');

    // The raw operation carries the stats the SDK drops.
    const raw = (await (
      await fetch(`${fake.url}/v1beta/${name}`, { headers: { 'x-goog-api-key': 'key-1' } })
    ).json()) as RawOperation;
    expect(raw.metadata.batchStats).toEqual({
      requestCount: '3',
      successfulRequestCount: '2',
      failedRequestCount: '1',
    });
    expect(raw.done).toBe(true);
    expect(raw.response['@type']).toBe(
      'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput',
    );
  });

  it('runs a JSONL file batch on a fake-clock schedule and writes a downloadable results file', async () => {
    const ai = client(fake);
    const jsonl = [
      JSON.stringify({ key: 'request-1', request: imageRequest('ink wash') }),
      '{"key":"request-2","request": {not json',
      JSON.stringify({
        key: 'request-3',
        request: { ...imageRequest('sepia'), generation_config: { responseModalities: ['IMAGE'] } },
      }),
      JSON.stringify({
        key: 'request-4',
        request: { ...imageRequest('duo'), generationConfig: { candidateCount: 2 } },
      }),
    ].join('\n');
    const input = await ai.files.upload({
      file: new Blob([jsonl]),
      config: { mimeType: 'application/jsonl', displayName: 'in.jsonl' },
    });
    fake.batches.setSchedule({ runningAfterMs: 60_000, succeededAfterMs: 3_600_000 });
    const job = await ai.batches.create({ model: MODEL, src: input.name ?? '' });
    const name = job.name ?? '';
    expect(fake.requests.at(-1)?.body).toEqual({ batch: { inputConfig: { fileName: input.name } } });
    expect(job.displayName).toBeUndefined();

    fake.clock.advance(59_999);
    expect((await ai.batches.get({ name })).state).toBe('JOB_STATE_PENDING');
    fake.clock.advance(1);
    await fake.batches.tick();
    expect(fake.batches.get(name)?.state).toBe('BATCH_STATE_RUNNING');
    expect((await ai.batches.get({ name })).state).toBe('JOB_STATE_RUNNING');
    fake.clock.advance(3_600_000);
    const done = await ai.batches.get({ name });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.dest?.fileName).toMatch(/^files\/batch[a-z0-9]+$/);

    const out = join(tmp.path, 'results.jsonl');
    await ai.files.download({ file: done.dest?.fileName ?? '', downloadPath: out });
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ResultLine);
    // An unreadable line has no key to echo, but keeps its place.
    expect(lines.map((l) => l.key)).toEqual(['request-1', undefined, 'request-3', 'request-4']);
    expect(lines[0]?.response.candidates[0]?.finishReason).toBe('STOP');
    expect(lines[0]?.response.usageMetadata.candidatesTokenCount).toBe(1290);
    expect(lines[1]?.error).toEqual({ code: 400, message: 'Invalid JSON on line 2.' });
    expect(lines[2]?.response.candidates[0]?.content.parts[0]?.inlineData.mimeType).toBe('image/png');
    expect(lines[3]?.error).toEqual({
      code: 400,
      message: `Multiple candidates is not enabled for models/${MODEL}`,
    });
    const resultsFile = await ai.files.get({ name: done.dest?.fileName ?? '' });
    expect(resultsFile).toMatchObject({
      source: 'GENERATED',
      mimeType: 'application/jsonl',
      state: 'ACTIVE',
    });
    expect(resultsFile.downloadUri).toContain(':download?alt=media');
  });

  it('lists with paging, cancels, deletes, fails and expires batches', async () => {
    const ai = client(fake);
    const make = (n: string) =>
      ai.batches.create({
        model: MODEL,
        src: [{ contents: n, metadata: { key: n } }],
        config: { displayName: n },
      });
    const a = await make('a');
    const b = await make('b');
    const c = await make('c');

    const pager = await ai.batches.list({ config: { pageSize: 2 } });
    const listed = [];
    for await (const job of pager) listed.push(job.displayName);
    expect(listed).toEqual(['a', 'b', 'c']);

    await ai.batches.cancel({ name: a.name ?? '' });
    expect((await ai.batches.get({ name: a.name ?? '' })).state).toBe('JOB_STATE_CANCELLED');
    expect(fake.requests.find((r) => r.path.endsWith(':cancel'))).toMatchObject({ method: 'POST', body: {} });
    expect((await apiError(ai.batches.cancel({ name: a.name ?? '' }))).body.error.status).toBe(
      'FAILED_PRECONDITION',
    );

    await fake.batches.advance(b.name ?? '', 'BATCH_STATE_FAILED', { code: 3, message: 'bad input' });
    expect((await ai.batches.get({ name: b.name ?? '' })).state).toBe('JOB_STATE_FAILED');

    fake.clock.advance(48 * 3600_000);
    expect((await ai.batches.get({ name: c.name ?? '' })).state).toBe('JOB_STATE_EXPIRED');

    await ai.batches.delete({ name: a.name ?? '' });
    const gone = await apiError(ai.batches.get({ name: a.name ?? '' }));
    expect(gone).toMatchObject({ status: 404, body: { error: { status: 'NOT_FOUND' } } });
    expect(fake.batches.all()).toHaveLength(2);
  });

  it('keeps batches per project and rejects a missing input file with 403', async () => {
    const job = await client(fake, 'key-1').batches.create({ model: MODEL, src: [{ contents: 'x' }] });
    expect((await apiError(client(fake, 'key-2').batches.get({ name: job.name ?? '' }))).status).toBe(404);
    expect(
      (await apiError(client(fake).batches.create({ model: MODEL, src: 'files/nosuchfile' }))).status,
    ).toBe(403);
  });
});
