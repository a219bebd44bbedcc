/**
 * Public Gemini prices (paid tier) for the image models, as quoted on Google's pricing page
 * February–June 2026: what an output token costs, and what one image costs when a call's token
 * counts are not known. Batch calls cost half. The restyle feature's price table grows from this.
 */
export const PRICES_AS_OF = '2026-06';

export interface ModelPrice {
  /** US dollars per million output tokens. */
  outputPerMillion: number;
  /** US dollars per image at the standard size (1K/2K). */
  perImage: number;
}

export const GEMINI_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gemini-2.5-flash-image': { outputPerMillion: 30, perImage: 0.039 },
  'gemini-3-pro-image-preview': { outputPerMillion: 120, perImage: 0.134 },
};

/** Dollars for calls of one model: by output tokens where known, else per image. */
export function callsCost(model: string, outputTokens: number, callsWithoutTokens: number): number {
  const price = GEMINI_PRICES[model];
  if (!price) return 0;
  return (outputTokens * price.outputPerMillion) / 1e6 + callsWithoutTokens * price.perImage;
}
