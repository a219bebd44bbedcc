import type { GenerateContentResponse, GoogleGenAI } from '@google/genai';
import sharp from 'sharp';
import { RpcError } from '../../contract/errors.js';
import { ASPECT_RATIOS, sizesOf, type ResolvedStyle } from '../../contract/restyle.js';

/** The photo as sent: inline, oriented, small enough for a request (Gemini takes up to 20 MB). */
export interface WireImage {
  data: Buffer;
  mimeType: string;
  width: number;
  height: number;
}

/** Longest side sent; Gemini works at about 1K anyway, and a smaller photo costs fewer input tokens. */
const MAX_SIDE = 2048;
const MAX_INLINE_BYTES = 4 * 1024 * 1024;
const SENT_AS_IS: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/**
 * The photo for the request: as it is when it is a JPEG, PNG or WebP within 2048 px and 4 MB with
 * no EXIF rotation; otherwise oriented, fitted within 2048 px and sent as JPEG (PNG with alpha).
 * Either way it must decode without error first.
 */
export async function wireImage(input: Buffer, limitInputPixels: number): Promise<WireImage> {
  const meta = await sharp(input, { limitInputPixels }).metadata();
  // Decoded in full once: a cut-off file is refused here, not sent (a call costs money).
  await sharp(input, { limitInputPixels, failOn: 'error' }).raw().toBuffer();
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = (rotated ? meta.height : meta.width) ?? 0;
  const height = (rotated ? meta.width : meta.height) ?? 0;
  const asIs = SENT_AS_IS[meta.format ?? ''];
  if (
    asIs &&
    (meta.orientation ?? 1) === 1 &&
    input.length <= MAX_INLINE_BYTES &&
    Math.max(width, height) <= MAX_SIDE &&
    (meta.pages ?? 1) === 1
  ) {
    return { data: input, mimeType: asIs, width, height };
  }
  const img = sharp(input, { limitInputPixels })
    .autoOrient()
    .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true });
  const out = meta.hasAlpha
    ? await img.png().toBuffer({ resolveWithObject: true })
    : await img.jpeg({ quality: 92, mozjpeg: true }).toBuffer({ resolveWithObject: true });
  return {
    data: out.data,
    mimeType: meta.hasAlpha ? 'image/png' : 'image/jpeg',
    width: out.info.width,
    height: out.info.height,
  };
}

/** The supported aspect ratio nearest a photo's own (for `auto`). */
export function nearestAspect(width: number, height: number): string {
  const target = Math.log(width / height);
  let best = '1:1';
  let bestDistance = Infinity;
  for (const ratio of ASPECT_RATIOS) {
    if (ratio === 'auto') continue;
    const [w, h] = ratio.split(':').map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * `generationConfig` for a style and photo: TEXT+IMAGE, `imageConfig` with the aspect ratio and
 * (for models that make several) the size, and the sampling fields the style sets. One candidate
 * per call: variations are separate calls, as image models refuse `candidateCount` > 1.
 */
export function generationConfig(
  style: Pick<ResolvedStyle, 'model' | 'aspectRatio' | 'imageSize' | 'temperature' | 'topP' | 'topK'>,
  photo: { width: number; height: number } | null,
): Record<string, unknown> {
  const aspectRatio =
    style.aspectRatio === 'auto'
      ? photo
        ? nearestAspect(photo.width, photo.height)
        : '1:1'
      : style.aspectRatio;
  const imageConfig: Record<string, string> = { aspectRatio };
  // Models that make one size refuse the field or ignore it; only send it where it chooses.
  if (sizesOf(style.model).length > 1) imageConfig.imageSize = style.imageSize;
  return {
    responseModalities: ['TEXT', 'IMAGE'],
    imageConfig,
    ...(style.temperature !== null && { temperature: style.temperature }),
    ...(style.topP !== null && { topP: style.topP }),
    ...(style.topK !== null && { topK: style.topK }),
  };
}

/** What one successful call made. */
export interface GeneratedImage {
  data: Buffer;
  mimeType: string;
  /** Any text the model sent with the image. */
  text: string;
  promptTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
}

/** A call answered without an image: blocked, stopped early or text only. Billed for its input. */
export class NoImageError extends RpcError {
  constructor(
    code: 'SAFETY_BLOCKED' | 'NO_IMAGE',
    message: string,
    readonly usage: { promptTokens: number | null; outputTokens: number | null; totalTokens: number | null },
  ) {
    super(code, message);
  }
}

const SAFETY_REASONS = /SAFETY|BLOCKLIST|PROHIBITED|SPII|RECITATION/;

/** Reads a generateContent answer: the image, or why there is none. */
export function readAnswer(response: GenerateContentResponse): GeneratedImage {
  const meta = response.usageMetadata;
  const usage = {
    promptTokens: meta?.promptTokenCount ?? null,
    outputTokens: meta?.candidatesTokenCount ?? null,
    totalTokens: meta?.totalTokenCount ?? null,
  };
  const block = response.promptFeedback?.blockReason;
  if (block) {
    throw new NoImageError(
      'SAFETY_BLOCKED',
      `Gemini blocked the photo (${block}${response.promptFeedback?.blockReasonMessage ? `: ${response.promptFeedback.blockReasonMessage}` : ''}); no image was made.`,
      usage,
    );
  }
  const candidate = response.candidates?.[0];
  const reason = candidate?.finishReason ?? 'no candidate';
  const parts = candidate?.content?.parts ?? [];
  const text = parts
    .map((p) => p.text ?? '')
    .join(' ')
    .trim();
  if (reason !== 'STOP') {
    throw new NoImageError(
      SAFETY_REASONS.test(String(reason)) ? 'SAFETY_BLOCKED' : 'NO_IMAGE',
      `Gemini stopped without an image (finishReason ${reason}${text ? `: "${text.slice(0, 200)}"` : ''}).`,
      usage,
    );
  }
  const image = parts.find((p) => p.inlineData?.data && p.inlineData.mimeType?.startsWith('image/'));
  if (!image?.inlineData?.data) {
    throw new NoImageError(
      'NO_IMAGE',
      `Gemini answered without an image${text ? `: "${text.slice(0, 200)}"` : ' (no image data in the answer)'}.`,
      usage,
    );
  }
  return {
    data: Buffer.from(image.inlineData.data, 'base64'),
    mimeType: image.inlineData.mimeType ?? 'image/png',
    text,
    ...usage,
  };
}

/**
 * One generateContent call with the photo inline and the prompt after it. The SDK's own retries
 * are off: every request must pass through a quota lease, so retries are the engine's.
 */
export async function generate(
  ai: GoogleGenAI,
  request: { model: string; prompt: string; image: WireImage; config: Record<string, unknown> },
  signal: AbortSignal,
  sending: () => void = () => undefined,
): Promise<GeneratedImage> {
  const data = request.image.data.toString('base64');
  // Everything before this is our own work; the request leaves with the call below.
  sending();
  const response = await ai.models.generateContent({
    model: request.model,
    contents: [
      {
        role: 'user',
        parts: [{ inlineData: { mimeType: request.image.mimeType, data } }, { text: request.prompt }],
      },
    ],
    config: { ...request.config, abortSignal: signal },
  });
  return readAnswer(response);
}
