import { totalmem } from 'node:os';
import { RpcError } from '../../contract/errors.js';
import { formatDuration } from '../../contract/format.js';

export interface EnhanceLimits {
  maxOutputPixels: number;
  itemTimeLimitMinutes: number;
}

export interface EnhancePlan {
  path: string;
  width: number;
  height: number;
  /** Colour channels plus alpha. */
  channels: number;
  depth: 8 | 16;
  outscale: number;
  /** The model's own scale: it runs on the whole input, whatever the outscale. */
  modelScale: number;
  provider: string;
  /** Measured on this machine with this model and provider (`SessionCache.msPerPixel`). */
  msPerInputPixel: number;
  /** Pixels the tile plan gives the model (the image plus pre-pad, context and overlaps). */
  modelPixels: number;
}

/** The size an enhanced image has: the input's times `outscale`, rounded. */
export function enhancedSize(
  input: { width: number; height: number },
  outscale: number,
): { width: number; height: number } {
  return {
    width: Math.max(1, Math.round(input.width * outscale)),
    height: Math.max(1, Math.round(input.height * outscale)),
  };
}

/**
 * Refuses, before any pixel is decoded, an upscale this machine cannot finish sensibly: an
 * output over the pixel limit (a 31 KB PNG can declare 16000×16000), one whose canvas would not
 * fit in memory, or one that would take longer than the time limit per photo here, saying how
 * long (measured on this machine, with this model, on this provider).
 */
export function checkEnhanceBudget(plan: EnhancePlan, limits: EnhanceLimits, memoryBytes = totalmem()): void {
  const { width: outW, height: outH } = enhancedSize(plan, plan.outscale);
  const outPixels = outW * outH;
  const size = `${plan.width}×${plan.height} → ${outW.toLocaleString('en')}×${outH.toLocaleString('en')}`;
  if (outPixels > limits.maxOutputPixels) {
    throw new RpcError(
      'IMAGE_TOO_LARGE',
      `${plan.path}: ${size} is ${(outPixels / 1e6).toFixed(0)} MP, over the ${(limits.maxOutputPixels / 1e6).toFixed(0)} MP output limit (Settings → Maximum output pixels); choose a smaller scale.`,
    );
  }
  // The model's own output (before a Lanczos step) and the final canvas, plus the encoded file.
  const native = plan.width * plan.modelScale * plan.height * plan.modelScale;
  const bytes = (native + 2 * outPixels) * plan.channels * (plan.depth / 8);
  if (bytes > memoryBytes * 0.75) {
    throw new RpcError(
      'IMAGE_TOO_LARGE',
      `${plan.path}: ${size} needs about ${(bytes / 1024 ** 3).toFixed(1)} GB of memory; this machine has ${(memoryBytes / 1024 ** 3).toFixed(0)} GB. Choose a smaller scale.`,
    );
  }
  const ms = plan.modelPixels * plan.msPerInputPixel;
  const limitMs = limits.itemTimeLimitMinutes * 60_000;
  if (ms > limitMs) {
    const where = plan.provider === 'cpu' ? 'on the CPU' : `on ${plan.provider.toUpperCase()}`;
    throw new RpcError(
      'LIMIT_EXCEEDED',
      `${plan.path}: ${size} would take about ${formatDuration(ms)} ${where} here (${((plan.msPerInputPixel * 1e6) / 1000).toFixed(1)} s per megapixel, measured), over the ${limits.itemTimeLimitMinutes}-minute limit per photo (Settings → Time limit per photo). Use a smaller scale, a lighter model or a GPU.`,
    );
  }
}
