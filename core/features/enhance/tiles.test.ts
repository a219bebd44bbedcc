import { describe, expect, it } from 'vitest';
import { planTiles, splitAxis } from './tiles.js';
import { autoTileSize, MEMORY_BUDGET_BYTES } from './upscale.js';

const ratio = (w: number, h: number, tile: number) => planTiles(w, h, tile, 16, 10, 10).modelPixels / (w * h);

describe('the tile plan', () => {
  it('runs an image that fits one tile once, on exactly the image plus its reflect pre-pad', () => {
    for (const [w, h, tile] of [
      [512, 512, 528],
      [512, 512, 512],
      [60, 90, 512],
    ] as const) {
      const plan = planTiles(w, h, tile, 16, 10, 10);
      expect(plan.tiles).toHaveLength(1);
      expect(plan.modelPixels).toBe((w + 10) * (h + 10));
    }
    // The old plan tiled 512 + 10 with 512 px tiles: four 522 px runs for one image.
    expect(ratio(512, 512, 512)).toBeCloseTo((522 * 522) / (512 * 512), 6);
  });

  it('splits longer sides evenly: the fewest cores, every overlap exactly the same, the image covered once', () => {
    for (const [length, size, overlap] of [
      [1000, 512, 16],
      [3000, 632, 16],
      [53, 16, 4],
      [2000, 512, 16],
      [100_000, 32, 8],
    ] as const) {
      const spans = splitAxis(length, size, overlap);
      expect(spans.length).toBe(Math.ceil((length - overlap) / (size - overlap)));
      expect(spans[0]?.start).toBe(0);
      const last = spans[spans.length - 1]!;
      expect(last.start + last.length).toBe(length);
      for (const span of spans) expect(span.length).toBeLessThanOrEqual(size);
      for (let i = 1; i < spans.length; i += 1) {
        const before = spans[i - 1]!;
        expect(before.start + before.length - spans[i]!.start).toBe(overlap);
      }
      expect(last.length).toBeGreaterThan(overlap);
    }
  });

  it('gives the model at most 15 % more pixels than photos of a megapixel and more have', () => {
    const tile = autoTileSize(MEMORY_BUDGET_BYTES, 4, 10);
    expect(tile).toBe(520);
    for (const [w, h] of [
      [1000, 1000],
      [1000, 700],
      [3000, 2000],
      [4000, 3000],
      [6000, 4000],
    ] as const) {
      expect(ratio(w, h, tile), `${w}×${h} at ${tile} px`).toBeLessThanOrEqual(1.15);
    }
  });

  it('keeps context inside the image on the left and top, and the pre-pad on the right and bottom', () => {
    const plan = planTiles(1000, 700, 512, 16, 10, 10);
    for (const t of plan.tiles) {
      expect(t.cx).toBe(Math.max(0, t.x - 10));
      expect(t.cy).toBe(Math.max(0, t.y - 10));
      expect(t.cx + t.cw).toBe(t.x + t.w === 1000 ? 1010 : t.x + t.w + 10);
      expect(t.cy + t.ch).toBe(t.y + t.h === 700 ? 710 : t.y + t.h + 10);
    }
  });
});
