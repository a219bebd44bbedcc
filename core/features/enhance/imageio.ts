import sharp, { type Sharp } from 'sharp';
import { RpcError } from '../../contract/errors.js';
import { decodeStrictThenLenient, encodeAs, type OutputFormat } from '../../kernel/encode.js';
import type { Canvas } from './blender.js';
import { isSpilled, type Plane } from './spill.js';

/** Decoded pixels, interleaved, EXIF orientation applied, in the file's own colour space. */
export interface Raster {
  data: Canvas;
  width: number;
  height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  depth: 8 | 16;
  hasAlpha: boolean;
}

/**
 * Decodes an image for a model. The bit depth comes from the file's header, never from the pixel
 * values (Real-ESRGAN's script took dark 16-bit images for 8-bit ones). `keepIccProfile` keeps
 * sharp from converting colours: the model sees the pixel values as stored.
 */
export async function decodeRaster(
  input: Buffer,
  maxPixels: number,
  onDamage: (warning: string) => void = () => undefined,
): Promise<Raster> {
  return decodeStrictThenLenient((failOn) => decodeWith(input, maxPixels, failOn), onDamage);
}

async function decodeWith(input: Buffer, maxPixels: number, failOn: 'warning' | 'error'): Promise<Raster> {
  const img = sharp(input, { limitInputPixels: maxPixels, failOn });
  const meta = await img.metadata();
  const depth: 8 | 16 = meta.depth === 'ushort' ? 16 : 8;
  const gray = (meta.channels ?? 3) <= 2;
  const { data, info } = await img
    .autoOrient()
    .keepIccProfile()
    // Stay in the file's own kind: sharp would otherwise hand back 8-bit sRGB.
    .toColourspace(gray ? (depth === 16 ? 'grey16' : 'b-w') : depth === 16 ? 'rgb16' : 'srgb')
    .raw(depth === 16 ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  const pixels =
    depth === 16
      ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.length);
  return {
    data: pixels,
    width: info.width,
    height: info.height,
    channels: info.channels,
    depth,
    hasAlpha: info.channels === 2 || info.channels === 4,
  };
}

/** Integer pixels of a result: colour (gray or RGB) and an optional alpha plane, in memory or spilled. */
export interface Pixels<P extends Plane = Plane> {
  color: P;
  /** 1 (gray) or 3 (RGB) channels in `color`. */
  colorChannels: number;
  alpha: P | null;
  width: number;
  height: number;
  depth: 8 | 16;
}

export interface EncodeRequest extends Pixels {
  /** The original file's bytes: its EXIF, XMP, IPTC and ICC are carried over. */
  original: Buffer;
  format: OutputFormat;
  quality: number;
}

const raw = (width: number, height: number, channels: 1 | 2 | 3 | 4) => ({ width, height, channels });

/**
 * sharp reads raw depth from the TypedArray's type (a Buffer would always mean 8-bit). Its
 * typings for boolean()/joinChannel() say Buffer, but they share the input code that honours it.
 */
const typed = (c: Canvas): Buffer => c as unknown as Buffer;

/** A plane as sharp's input: a spilled plane's file, or raw pixels. */
const open = (p: Plane, width: number, height: number, channels: 1 | 2 | 3 | 4): Sharp =>
  isSpilled(p)
    ? sharp(p.file, { limitInputPixels: false })
    : sharp(typed(p), { raw: raw(width, height, channels), limitInputPixels: false });

/**
 * Encodes the upscaled pixels. Without alpha, the original's metadata (EXIF, XMP, IPTC and the
 * ICC profile, untransformed) is carried: sharp keeps metadata only from a pipeline's own input,
 * so the pipeline starts from the original file, whose pixels are turned into all ones and ANDed
 * with ours, which leaves ours exactly. With alpha, sharp reorders removeAlpha() after
 * joinChannel(), so such images are encoded from the pixels alone: exact, but without metadata.
 */
export async function encodeRaster(req: EncodeRequest): Promise<Buffer> {
  return encodeRasterTo(req, null) as Promise<Buffer>;
}

/** Encodes as encodeRaster does, streaming into `path` (a large output never exists as bytes). */
export async function encodeRasterToFile(req: EncodeRequest, path: string): Promise<void> {
  await encodeRasterTo(req, path);
}

async function encodeRasterTo(req: EncodeRequest, path: string | null): Promise<Buffer | null> {
  const { width, height, depth, colorChannels } = req;
  const space = colorChannels === 1 ? (depth === 16 ? 'grey16' : 'b-w') : depth === 16 ? 'rgb16' : 'srgb';
  let img: Sharp;
  const { color, alpha } = req;
  if (alpha && !isSpilled(color) && !isSpilled(alpha)) {
    img = sharp(typed(interleave(color, alpha, width * height, colorChannels)), {
      raw: raw(width, height, (colorChannels + 1) as 2 | 4),
    });
  } else if (alpha) {
    // A spilled plane is read from its file as the encoder goes: never interleaved in memory.
    const colour = open(color, width, height, colorChannels as 1 | 3);
    img = isSpilled(alpha)
      ? colour.joinChannel(alpha.file)
      : colour.joinChannel(typed(alpha), { raw: raw(width, height, 1) });
  } else {
    // libvips works on gray sources as three bands here: gray values are ANDed as R = G = B and
    // the final colourspace conversion folds them back into one band.
    img = sharp(req.original, { failOn: 'none', limitInputPixels: false })
      .autoOrient()
      .resize(width, height, { kernel: 'nearest', fit: 'fill' })
      // sharp orders operations itself; this sets the working space before boolean() runs.
      .pipelineColourspace(space)
      .linear(0, depth === 16 ? 65535 : 255)
      // (A spilled gray plane is one band, which libvips ANDs with each of the three.)
      .boolean(
        isSpilled(color) ? color.file : typed(colorChannels === 1 ? spread(color, width * height) : color),
        'and',
        isSpilled(color) ? undefined : { raw: raw(width, height, 3) },
      )
      .keepMetadata();
  }
  img = img.toColourspace(space);
  try {
    // Upscaled images are large: a fast zlib level costs some size, never quality.
    const encoder = encodeAs(img, req.format, req.quality, req.alpha !== null, 2);
    if (path === null) return await encoder.toBuffer();
    await encoder.toFile(path);
    return null;
  } catch (error) {
    throw new RpcError('INTERNAL', `Could not encode the result: ${(error as Error).message}`);
  }
}

function spread(gray: Canvas, pixels: number): Canvas {
  const out = gray instanceof Uint16Array ? new Uint16Array(pixels * 3) : new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i += 1) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = gray[i] ?? 0;
  return out;
}

function interleave(color: Canvas, alpha: Canvas, pixels: number, channels: number): Canvas {
  const bands = channels + 1;
  const out = color instanceof Uint16Array ? new Uint16Array(pixels * bands) : new Uint8Array(pixels * bands);
  for (let i = 0; i < pixels; i += 1) {
    for (let c = 0; c < channels; c += 1) out[i * bands + c] = color[i * channels + c] ?? 0;
    out[i * bands + channels] = alpha[i] ?? 0;
  }
  return out;
}

/** Lanczos resize of raw pixels (alpha planes, and outscales other than the model's own). */
export async function resizeRaw(
  data: Plane,
  width: number,
  height: number,
  channels: number,
  depth: 8 | 16,
  toW: number,
  toH: number,
): Promise<Canvas> {
  const out = await open(data, width, height, channels as 1 | 2 | 3 | 4)
    .resize(toW, toH, { kernel: 'lanczos3', fit: 'fill' })
    // Without this, sharp hands back 1-channel (and 16-bit) pixels as 8-bit sRGB.
    .toColourspace(channels <= 2 ? (depth === 16 ? 'grey16' : 'b-w') : depth === 16 ? 'rgb16' : 'srgb')
    .raw(depth === 16 ? { depth: 'ushort' } : {})
    .toBuffer();
  return depth === 16
    ? new Uint16Array(out.buffer, out.byteOffset, out.length / 2)
    : new Uint8Array(out.buffer, out.byteOffset, out.length);
}
