import { basename } from 'node:path';
import sharp from 'sharp';
import { convertOptionsSchema, type ConvertOptions } from '../../contract/convert.js';
import { RpcError } from '../../contract/errors.js';
import { checkEncodable, decodeStrictThenLenient, encodeAs, formatOfPath } from '../../kernel/encode.js';
import type { Operation } from '../../jobs/types.js';

/** Formats that hold 16 bits per sample (sharp writes PNG and TIFF at 16 bits). */
const SIXTEEN_BIT: ReadonlySet<string> = new Set(['png', 'tiff']);

/** The output's size: `maxSize` fits inside (never enlarging), `scale` multiplies. */
function outputSize(
  probed: { width: number; height: number },
  o: ConvertOptions,
): { width: number; height: number } {
  if (o.maxSize !== undefined) {
    const k = Math.min(1, o.maxSize / Math.max(probed.width, probed.height));
    return {
      width: Math.max(1, Math.round(probed.width * k)),
      height: Math.max(1, Math.round(probed.height * k)),
    };
  }
  const k = o.scale ?? 1;
  return {
    width: Math.max(1, Math.round(probed.width * k)),
    height: Math.max(1, Math.round(probed.height * k)),
  };
}

function targetFormat(options: ConvertOptions, inputPath: string): Exclude<ConvertOptions['format'], 'same'> {
  // GIF, HEIF and unknown extensions keep their pixels losslessly as PNG.
  return options.format === 'same' ? (formatOfPath(inputPath) ?? 'png') : options.format;
}

/**
 * `convert`: resize and change format with sharp. EXIF, XMP, IPTC and the ICC profile are kept;
 * the EXIF orientation is baked into the pixels and the tag reset, so every viewer shows the
 * same thing. Headers are checked (size, pixel limit) before any pixel is decoded.
 */
export const convertOperation: Operation<ConvertOptions> = {
  kind: 'convert',
  // 2: 16-bit inputs stay 16-bit in PNG and TIFF.
  version: 2,
  optionsSchema: convertOptionsSchema,
  resource: () => 'cpu',
  outputExtension: (options, inputPath) => targetFormat(options, inputPath),
  outputSize: (options, input) => outputSize(input, options),
  async run(ctx) {
    const probed = await ctx.probe();
    ctx.signal.throwIfAborted();
    const { options } = ctx;
    const format = targetFormat(options, ctx.inputPath);
    const size = outputSize(probed, options);
    checkEncodable(format, size.width, size.height, ctx.inputPath);
    const notes: string[] = [];
    // Keep 16 bits where the format holds them; say so where it cannot.
    const keep16 = probed.depth16 && SIXTEEN_BIT.has(format);
    if (probed.depth16 && !keep16) {
      notes.push(
        `16-bit input written as 8-bit (${format.toUpperCase()} holds 8 bits; PNG or TIFF keep 16).`,
      );
    }
    if (probed.pages > 1) notes.push(`kept the first of ${probed.pages} frames or pages.`);
    const render = (failOn: 'warning' | 'error'): Promise<Buffer> => {
      let img = sharp(ctx.input, { limitInputPixels: ctx.limits.maxInputPixels, failOn })
        .autoOrient()
        .keepMetadata();
      if (options.maxSize !== undefined || (options.scale !== undefined && options.scale !== 1)) {
        img = img.resize({ width: size.width, height: size.height, fit: 'fill', kernel: 'lanczos3' });
      }
      if (keep16) img = img.toColourspace(probed.channels <= 2 ? 'grey16' : 'rgb16');
      return encodeAs(img, format, options.quality, probed.hasAlpha).toBuffer();
    };
    let data: Buffer;
    try {
      data = await decodeStrictThenLenient(render, (warning) =>
        // A damaged middle decodes "fine" with a grey band; the decoder says so, and so do we.
        notes.push(`the decoder reported damage (${warning}); parts may be grey or missing.`),
      );
    } catch (error) {
      const message = (error as Error).message;
      if (/pixel limit/i.test(message))
        throw new RpcError('IMAGE_TOO_LARGE', `${ctx.inputPath} is over the pixel limit: ${message}`);
      throw new RpcError(
        'CORRUPT_IMAGE',
        `${ctx.inputPath} could not be decoded (${message.trim()}); the file may be truncated or damaged.`,
      );
    }
    for (const note of notes) ctx.log(`${basename(ctx.inputPath)}: ${note}`, { level: 'warn' });
    ctx.progress(1);
    return {
      outputs: [ctx.writeOutput(data)],
      ...(notes.length > 0 && { details: { note: notes.join(' ') } }),
    };
  },
};
