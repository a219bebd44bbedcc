import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGemini } from './server.js';
import { apiError, base64Of, client, PHOTO_JPEG, restyle, SMALL_PNG } from './testing.js';
import type { FakeGemini } from './types.js';

function imageOf(res: {
  candidates?: { content?: { parts?: { inlineData?: { data?: string; mimeType?: string } }[] } }[];
}) {
  const inline = res.candidates?.[0]?.content?.parts?.find((p) => p.inlineData)?.inlineData;
  return { bytes: Buffer.from(inline?.data ?? '', 'base64'), mimeType: inline?.mimeType };
}

describe('fake Gemini generateContent and models through the real SDK', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('restyles an input PNG into a decodable PNG of the same size, with realistic usageMetadata', async () => {
    const res = await restyle(client(fake), 'ink wash portrait');
    const img = imageOf(res);
    expect(img.mimeType).toBe('image/png');
    const meta = await sharp(img.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 60, 90]);
    expect(res.candidates?.[0]?.finishReason).toBe('STOP');
    expect(res.modelVersion).toBe('gemini-2.5-flash-image');
    expect(res.responseId).toBeTruthy();
    const textTokens = Math.ceil('ink wash portrait'.length / 4);
    expect(res.usageMetadata).toEqual({
      promptTokenCount: textTokens + 258,
      candidatesTokenCount: 1290,
      totalTokenCount: textTokens + 258 + 1290,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: textTokens },
        { modality: 'IMAGE', tokenCount: 258 },
      ],
      candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1290 }],
    });
    const [req] = fake.requests;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/v1beta/models/gemini-2.5-flash-image:generateContent',
      model: 'gemini-2.5-flash-image',
      apiKey: 'key-1',
    });
    expect(req?.headers['user-agent']).toMatch(/^google-genai-sdk\/2\.32\.0 gl-node\//);
    expect(req?.headers['x-goog-api-client']).toMatch(/^google-genai-sdk\/2\.32\.0/);
  });

  it('derives pixels deterministically from the prompt and the input image', async () => {
    const ai = client(fake);
    const a1 = imageOf(await restyle(ai, 'van gogh')).bytes;
    const a2 = imageOf(await restyle(ai, 'van gogh')).bytes;
    const b = imageOf(await restyle(ai, 'black and white fine art')).bytes;
    expect(a1.equals(a2)).toBe(true);
    expect(a1.equals(b)).toBe(false);
    const input = await sharp(readFileSync(SMALL_PNG)).stats();
    const out = await sharp(a1).stats();
    expect(out.channels.map((c) => Math.round(c.mean))).not.toEqual(
      input.channels.map((c) => Math.round(c.mean)),
    );
  });

  it('answers a JPEG input with a JPEG cropped to the aspect ratio, and counts 768px tiles', async () => {
    const res = await client(fake).models.generateContent({
      model: 'gemini-3-pro-image-preview',
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'make it blue' },
            { inlineData: { mimeType: 'image/jpeg', data: base64Of(PHOTO_JPEG) } },
          ],
        },
      ],
      config: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1', imageSize: '4K' } },
    });
    const img = imageOf(res);
    const meta = await sharp(img.bytes).metadata();
    expect([img.mimeType, meta.format, meta.width, meta.height]).toEqual(['image/jpeg', 'jpeg', 464, 464]);
    expect(res.candidates?.[0]?.content?.parts?.[0]?.text).toContain('make it blue');
    // 700×464 is 1×1 tile of 768 px: 258 tokens; gemini-3-pro-image at 4K outputs 2000 tokens.
    expect(res.usageMetadata?.promptTokensDetails).toContainEqual({ modality: 'IMAGE', tokenCount: 258 });
    expect(res.usageMetadata?.candidatesTokensDetails).toContainEqual({
      modality: 'IMAGE',
      tokenCount: 2000,
    });
  });

  it('draws an image from text alone, in the requested aspect ratio', async () => {
    const res = await client(fake).models.generateContent({
      model: 'gemini-2.5-flash-image',
      contents: 'a lighthouse at dusk',
      config: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '16:9' } },
    });
    const meta = await sharp(imageOf(res).bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 256, 144]);
    expect(res.usageMetadata?.promptTokensDetails).toEqual([{ modality: 'TEXT', tokenCount: 5 }]);
  });

  it('uses an uploaded file named by fileData, and streams over SSE', async () => {
    const ai = client(fake);
    const file = await ai.files.upload({ file: SMALL_PNG, config: { mimeType: 'image/png' } });
    const res = await ai.models.generateContent({
      model: 'gemini-2.5-flash-image',
      contents: [
        {
          role: 'user',
          parts: [{ text: 'sketch' }, { fileData: { mimeType: 'image/png', fileUri: file.uri ?? '' } }],
        },
      ],
    });
    expect((await sharp(imageOf(res).bytes).metadata()).width).toBe(60);

    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'hello',
    }))
      chunks.push(chunk);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.text).toContain('hello');
    expect(fake.requests.at(-1)).toMatchObject({
      path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      query: { alt: 'sse' },
    });
  });

  it('rejects what the real API rejects: unknown model 404, several candidates 400', async () => {
    const ai = client(fake);
    const missing = await apiError(restyle(ai, 'x', 'gemini-9-imaginary'));
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(missing.body.error.message).toContain(
      'models/gemini-9-imaginary is not found for API version v1beta',
    );

    const many = await apiError(
      ai.models.generateContent({
        model: 'gemini-2.5-flash-image',
        contents: 'x',
        config: { candidateCount: 2 },
      }),
    );
    expect(many.status).toBe(400);
    expect(many.body.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: 'Multiple candidates is not enabled for models/gemini-2.5-flash-image',
    });
  });

  it('lists models with paging, and gets one', async () => {
    const ai = client(fake);
    const pager = await ai.models.list({ config: { pageSize: 2 } });
    const names: string[] = [];
    for await (const m of pager) names.push(m.name ?? '');
    expect(names).toEqual([
      'models/gemini-2.5-flash-image',
      'models/gemini-3-pro-image-preview',
      'models/gemini-2.5-flash',
      'models/gemini-2.5-pro',
    ]);
    expect(fake.requests.filter((r) => r.path === '/v1beta/models')).toHaveLength(2);
    const model = await ai.models.get({ model: 'gemini-2.5-flash-image' });
    expect(model).toMatchObject({ name: 'models/gemini-2.5-flash-image', inputTokenLimit: 32768 });
    expect(model.supportedActions).toContain('generateContent');
  });
});
