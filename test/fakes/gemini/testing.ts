import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, GoogleGenAI, type HttpOptions } from '@google/genai';
import { FIXTURE_IMAGES } from '../../helpers/fixtures.js';
import type { FakeGemini } from './types.js';

/** A real SDK client pointed at the fake. */
export function client(fake: FakeGemini, apiKey = 'key-1', httpOptions: HttpOptions = {}): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: fake.url, ...httpOptions } });
}

/** Small real photos from ../shared/fixtures (PNG 60×90, JPEG 700×464). */
export const SMALL_PNG = join(FIXTURE_IMAGES, 'esrgan_lq_comic.png');
export const PHOTO_JPEG = join(FIXTURE_IMAGES, 'Blake_Lively.jpg');

export function base64Of(path: string): string {
  return readFileSync(path).toString('base64');
}

/** The Google error body inside an SDK `ApiError` (its message is the JSON body). */
export interface ErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: ({ '@type': string } & Record<string, unknown>)[];
  };
}

/** Awaits `p`, expects an `ApiError`, and returns its HTTP status and parsed body. */
export async function apiError(p: Promise<unknown>): Promise<{ status: number; body: ErrorBody }> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.status, body: JSON.parse(err.message) as ErrorBody };
  }
  throw new Error('Expected the call to fail with an ApiError, but it succeeded');
}

/** The detail of the given `google.rpc` type (e.g. 'RetryInfo') in an error body. */
export function detail(body: ErrorBody, type: string): Record<string, unknown> | undefined {
  return body.error.details?.find((d) => d['@type'] === `type.googleapis.com/google.rpc.${type}`);
}

/** A one-line image request like Pixelsmith's restyle call. */
export function restyle(ai: GoogleGenAI, prompt = 'ink wash portrait', model = 'gemini-2.5-flash-image') {
  return ai.models.generateContent({
    model,
    contents: [
      {
        role: 'user',
        parts: [{ text: prompt }, { inlineData: { mimeType: 'image/png', data: base64Of(SMALL_PNG) } }],
      },
    ],
    config: { responseModalities: ['IMAGE'] },
  });
}
