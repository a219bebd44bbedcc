import { createHash } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';

/** An image on the wire: bytes plus MIME type. */
export interface WireImage {
  bytes: Buffer;
  mimeType: string;
}

/** A rendered image with the facts tests assert on. */
export interface RenderedImage extends WireImage {
  width: number;
  height: number;
}

/** What the "model" draws from: the prompt text and the first input image, if any. */
export interface RenderInput {
  prompt: string;
  model: string;
  seed?: number | undefined;
  input?: WireImage | undefined;
  aspectRatio?: string | undefined;
  /** Long side of an image drawn from nothing (no input image). */
  generatedSide: number;
}

const RATIOS = new Set(['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']);

/** Whether `imageConfig.aspectRatio` is one Google accepts. */
export function isAspectRatio(value: string): boolean {
  return RATIOS.has(value);
}

function ratioOf(aspect: string): number {
  const [w, h] = aspect.split(':').map(Number);
  return (w ?? 1) / (h ?? 1);
}

/**
 * A deterministic digest of the prompt, model and seed: the same request always yields the same
 * pixels, so tests can compare outputs, and different prompts yield visibly different ones.
 */
export function promptDigest(prompt: string, model: string, seed?: number): Buffer {
  return createHash('sha256')
    .update(`${model}\u0000${seed ?? ''}\u0000${prompt}`)
    .digest();
}

/**
 * The fake model: tints (and, for some prompts, mirrors) the input image with a colour taken from
 * the prompt digest, cropped to the requested aspect ratio; with no input it draws a gradient.
 * The output is a real PNG (or JPEG when the input was JPEG) that sharp and any viewer decode.
 */
export async function renderImage(r: RenderInput): Promise<RenderedImage> {
  const digest = promptDigest(r.prompt, r.model, r.seed);
  const tint = { r: digest[0] ?? 0, g: digest[1] ?? 0, b: digest[2] ?? 0 };
  const jpeg = r.input?.mimeType === 'image/jpeg';
  let img: Sharp;
  if (r.input) {
    // rotate() applies EXIF orientation, as the real model sees the upright photo.
    const upright = sharp(r.input.bytes).rotate();
    const { data, info } = await upright.toBuffer({ resolveWithObject: true });
    img = sharp(data);
    if (r.aspectRatio) {
      const { width, height } = cropToRatio(info.width, info.height, ratioOf(r.aspectRatio));
      img = img.resize(width, height, { fit: 'cover' });
    }
    img = img.tint(tint);
    if (((digest[3] ?? 0) & 1) === 1) img = img.flop();
  } else {
    const ratio = r.aspectRatio ? ratioOf(r.aspectRatio) : 1;
    const width = ratio >= 1 ? r.generatedSide : Math.max(1, Math.round(r.generatedSide * ratio));
    const height = ratio >= 1 ? Math.max(1, Math.round(r.generatedSide / ratio)) : r.generatedSide;
    const to = { r: digest[4] ?? 0, g: digest[5] ?? 0, b: digest[6] ?? 0 };
    img = sharp(gradient(width, height, tint, to), { raw: { width, height, channels: 3 } });
  }
  const { data, info } = jpeg
    ? await img.jpeg({ quality: 90 }).toBuffer({ resolveWithObject: true })
    : await img.png().toBuffer({ resolveWithObject: true });
  return { bytes: data, mimeType: jpeg ? 'image/jpeg' : 'image/png', width: info.width, height: info.height };
}

/** Largest centred crop of w×h with the given width/height ratio. */
function cropToRatio(w: number, h: number, ratio: number): { width: number; height: number } {
  if (w / h > ratio) return { width: Math.max(1, Math.round(h * ratio)), height: h };
  return { width: w, height: Math.max(1, Math.round(w / ratio)) };
}

type Rgb = { r: number; g: number; b: number };

function gradient(width: number, height: number, from: Rgb, to: Rgb): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  const span = Math.max(1, width + height - 2);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const t = (x + y) / span;
      const i = (y * width + x) * 3;
      buf[i] = Math.round(from.r + (to.r - from.r) * t);
      buf[i + 1] = Math.round(from.g + (to.g - from.g) * t);
      buf[i + 2] = Math.round(from.b + (to.b - from.b) * t);
    }
  }
  return buf;
}

/**
 * Input tokens of one image on Gemini 2.x (wire reference §2): 258 when both sides are ≤ 384 px,
 * else 258 per 768 px tile. Gemini 3 depends on `mediaResolution` (unverified), so the same rule
 * is used for every model. Undecodable bytes count as one small image.
 */
export async function inputImageTokens(image: WireImage): Promise<number> {
  try {
    const meta = await sharp(image.bytes).metadata();
    const w = meta.width;
    const h = meta.height;
    if (w <= 384 && h <= 384) return 258;
    return Math.ceil(w / 768) * Math.ceil(h / 768) * 258;
  } catch {
    return 258;
  }
}

/** Rough text tokens: about 4 characters per token, at least 1 for non-empty text. */
export function textTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/** Whether bytes decode as an image, every pixel (so a bad `inlineData` gets a 400, not a 500). */
export async function isDecodable(bytes: Buffer): Promise<boolean> {
  try {
    // Every pixel, as the real service does: a cut-off file is a 400, not a crash later.
    await sharp(bytes, { failOn: 'error' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}
