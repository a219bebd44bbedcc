import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { RpcError } from '../../contract/errors.js';
import { fsError } from '../../kernel/probe.js';
import type { ThumbRefsRepo } from './thumbRefsRepo.js';

/** An image decoded once to raw pixels, orientation applied. */
interface Decoded {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export interface Region {
  mime: 'image/png';
  left: number;
  top: number;
  width: number;
  height: number;
  imageWidth: number;
  imageHeight: number;
  data: Buffer;
}

export interface RegionService {
  get(ref: string, rect: { left: number; top: number; width: number; height: number }): Promise<Region>;
}

/**
 * Rectangles of images at full resolution, lossless, for a compare view at 100 % and more. A
 * view pans and zooms through many rectangles of the same one or two images, so each image is
 * decoded once and kept raw (most recently used first, within `budgetBytes`); a rectangle is
 * then a copy and a fast PNG encode.
 */
export function createRegionService(options: {
  thumbRefs: ThumbRefsRepo;
  maxInputPixels: () => number;
  budgetBytes?: number;
}): RegionService {
  const budget = options.budgetBytes ?? 768 * 1024 * 1024;
  const cache = new Map<string, Promise<Decoded>>();
  const sizes = new Map<string, number>();

  const decode = async (ref: string): Promise<Decoded> => {
    const row = options.thumbRefs.find(ref);
    if (!row) throw new RpcError('NOT_FOUND', 'That image reference is unknown; add the file again.');
    const info = await stat(row.path).catch((error: unknown) => {
      throw fsError(row.path, error);
    });
    if (info.size !== row.size || Math.trunc(info.mtimeMs) !== row.mtimeMs) {
      throw new RpcError('NOT_FOUND', `${row.path} changed since it was added; add it again.`);
    }
    try {
      const out = await sharp(row.path, { limitInputPixels: options.maxInputPixels(), failOn: 'error' })
        .rotate()
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      return {
        data: out.data,
        width: out.info.width,
        height: out.info.height,
        channels: out.info.channels,
      };
    } catch (error) {
      throw new RpcError('CORRUPT_IMAGE', `${row.path} could not be decoded: ${(error as Error).message}`);
    }
  };

  const decoded = (ref: string): Promise<Decoded> => {
    const hit = cache.get(ref);
    if (hit) {
      // Most recently used last.
      cache.delete(ref);
      cache.set(ref, hit);
      return hit;
    }
    const pending = decode(ref).then(
      (d) => {
        sizes.set(ref, d.data.length);
        let total = [...sizes.values()].reduce((n, s) => n + s, 0);
        for (const old of cache.keys()) {
          if (total <= budget || old === ref) break;
          total -= sizes.get(old) ?? 0;
          cache.delete(old);
          sizes.delete(old);
        }
        return d;
      },
      (error: unknown) => {
        cache.delete(ref);
        throw error;
      },
    );
    cache.set(ref, pending);
    return pending;
  };

  return {
    async get(ref, rect) {
      const img = await decoded(ref);
      const left = Math.min(rect.left, img.width - 1);
      const top = Math.min(rect.top, img.height - 1);
      const width = Math.min(rect.width, img.width - left);
      const height = Math.min(rect.height, img.height - top);
      const data = await sharp(img.data, {
        raw: { width: img.width, height: img.height, channels: img.channels },
      })
        .extract({ left, top, width, height })
        .png({ compressionLevel: 1 })
        .toBuffer();
      return {
        mime: 'image/png',
        left,
        top,
        width,
        height,
        imageWidth: img.width,
        imageHeight: img.height,
        data,
      };
    },
  };
}
