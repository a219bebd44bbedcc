import { invalidArgument } from './errors.js';

/** A model the fake serves. `outputsImages` decides whether generateContent draws an image. */
export interface FakeModel {
  /** Bare id, e.g. `gemini-2.5-flash-image`. */
  id: string;
  displayName: string;
  outputsImages: boolean;
  /** Output image tokens per image by `imageSize` (wire reference §2); models that ignore the size ignore the argument. */
  imageTokens?: (imageSize: string | undefined) => number;
  inputTokenLimit: number;
  outputTokenLimit: number;
}

/** Models most Pixelsmith tests need; override with `startFakeGemini({ models })`. */
export const DEFAULT_MODELS: readonly FakeModel[] = [
  {
    id: 'gemini-2.5-flash-image',
    displayName: 'Nano Banana',
    outputsImages: true,
    imageTokens: () => 1290,
    inputTokenLimit: 32768,
    outputTokenLimit: 32768,
  },
  {
    id: 'gemini-3-pro-image-preview',
    displayName: 'Nano Banana Pro',
    outputsImages: true,
    imageTokens: (size) => (size === '4K' ? 2000 : 1120),
    inputTokenLimit: 65536,
    outputTokenLimit: 32768,
  },
  {
    id: 'gemini-2.5-flash',
    displayName: 'Gemini 2.5 Flash',
    outputsImages: false,
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
  {
    id: 'gemini-2.5-pro',
    displayName: 'Gemini 2.5 Pro',
    outputsImages: false,
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
];

/** The Model resource as `GET /v1beta/models` returns it. */
export function modelResource(m: FakeModel): Record<string, unknown> {
  return {
    name: `models/${m.id}`,
    version: '001',
    displayName: m.displayName,
    description: `${m.displayName} (fake)`,
    inputTokenLimit: m.inputTokenLimit,
    outputTokenLimit: m.outputTokenLimit,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    ...(m.outputsImages ? {} : { thinking: true }),
  };
}

/**
 * One page of a list, with proto-style paging: the token is opaque (base64url of the offset) and
 * is omitted on the last page, because the SDK keeps fetching while `nextPageToken` is present
 * (even when it is "").
 */
export function paginate<T>(
  items: readonly T[],
  query: URLSearchParams,
  defaults: { pageSize: number; maxPageSize: number },
): { page: T[]; nextPageToken?: string } {
  const rawSize = query.get('pageSize');
  let pageSize = defaults.pageSize;
  if (rawSize !== null && rawSize !== '') {
    const n = Number(rawSize);
    if (!Number.isInteger(n) || n < 0) throw invalidArgument(`Invalid value for pageSize: "${rawSize}"`);
    // Google treats 0 as "use the default" and clamps anything above the maximum.
    pageSize = n === 0 ? defaults.pageSize : Math.min(n, defaults.maxPageSize);
  }
  const token = query.get('pageToken');
  let offset = 0;
  if (token) {
    const decoded = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded) throw invalidArgument('Invalid page token.');
    offset = Number(decoded[1]);
  }
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  if (next >= items.length) return { page };
  return { page, nextPageToken: Buffer.from(`o${next}`, 'utf8').toString('base64url') };
}
