import sharp from 'sharp';
import { convertOptionsSchema, type ConvertOptions } from '../../contract/convert.js';
import { RpcError } from '../../contract/errors.js';
import { encodeAs, formatOfPath } from '../../kernel/encode.js';
import { probeBuffer } from '../../kernel/probe.js';
import type { Operation } from '../../jobs/types.js';

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
  version: 1,
  optionsSchema: convertOptionsSchema,
  resource: () => 'cpu',
  outputExtension: (options, inputPath) => targetFormat(options, inputPath),
  async run(ctx) {
    const probed = await probeBuffer(ctx.inputPath, ctx.input, ctx.limits);
    ctx.signal.throwIfAborted();
    const { options } = ctx;
    let img = sharp(ctx.input, { limitInputPixels: ctx.limits.maxInputPixels, failOn: 'error' })
      .autoOrient()
      .keepMetadata();
    if (options.maxSize !== undefined) {
      img = img.resize({
        width: options.maxSize,
        height: options.maxSize,
        fit: 'inside',
        withoutEnlargement: true,
      });
    } else if (options.scale !== undefined && options.scale !== 1) {
      img = img.resize({
        width: Math.max(1, Math.round(probed.width * options.scale)),
        height: Math.max(1, Math.round(probed.height * options.scale)),
        fit: 'fill',
        kernel: 'lanczos3',
      });
    }
    let data: Buffer;
    try {
      data = await encodeAs(
        img,
        targetFormat(options, ctx.inputPath),
        options.quality,
        probed.hasAlpha,
      ).toBuffer();
    } catch (error) {
      const message = (error as Error).message;
      if (/pixel limit/i.test(message))
        throw new RpcError('IMAGE_TOO_LARGE', `${ctx.inputPath} is over the pixel limit: ${message}`);
      throw new RpcError(
        'CORRUPT_IMAGE',
        `${ctx.inputPath} could not be decoded (${message.trim()}); the file may be truncated or damaged.`,
      );
    }
    ctx.progress(1);
    return { outputs: [ctx.writeOutput(data)] };
  },
};
