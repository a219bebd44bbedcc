/**
 * Public Gemini prices (paid tier) for the image models, as Google's pricing page quoted them in
 * June 2026: per output image by size, and per million input tokens (the photo and the prompt).
 * Batch calls cost half. The user may change any of them (`cost.setPrice`); these stay the
 * shipped defaults that a reset goes back to.
 */
export const PRICES_AS_OF = '2026-06';
export const PRICE_SOURCE = 'ai.google.dev/gemini-api/docs/pricing (June 2026)';

/** Batch API calls cost this share of the interactive price. */
export const BATCH_PRICE_FACTOR = 0.5;

export type PriceSize = '*' | '1K' | '2K' | '4K';

export interface ShippedPrice {
  model: string;
  /** `*`: every size without a row of its own. */
  imageSize: PriceSize;
  usdPerImage: number;
  inputUsdPerMillion: number;
}

export const SHIPPED_PRICES: readonly ShippedPrice[] = [
  // 1290 output tokens per image at $30 per million.
  { model: 'gemini-2.5-flash-image', imageSize: '*', usdPerImage: 0.039, inputUsdPerMillion: 0.3 },
  // 1120 tokens at 1K/2K, 2000 at 4K, at $120 per million.
  { model: 'gemini-3-pro-image-preview', imageSize: '*', usdPerImage: 0.134, inputUsdPerMillion: 2 },
  { model: 'gemini-3-pro-image-preview', imageSize: '4K', usdPerImage: 0.24, inputUsdPerMillion: 2 },
];

/**
 * Input tokens Gemini 2.x counts for a photo of this size: 258 for one up to 384 px, else 258 per
 * 768 px tile. (Gemini 3 counts by media resolution; the same figure is a fair estimate there.)
 */
export function imageInputTokens(width: number, height: number): number {
  if (width <= 384 && height <= 384) return 258;
  return Math.ceil(width / 768) * Math.ceil(height / 768) * 258;
}

/** Rough prompt tokens: about four characters each. */
export function textInputTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}
