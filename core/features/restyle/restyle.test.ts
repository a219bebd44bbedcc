import { join } from 'node:path';
import type { GenerateContentResponse } from '@google/genai';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/helpers/db.js';
import { tempDir } from '../../../test/helpers/fixtures.js';
import { sizeProblem } from '../../contract/restyle.js';
import { BUILTIN_STYLES, PORTRAIT_RULES } from './builtins.js';
import { contentKey } from './contentCache.js';
import { generationConfig, nearestAspect, NoImageError, readAnswer, wireImage } from './gemini.js';
import { restylePath } from './operation.js';
import { idFromName, StyleStore } from './styleStore.js';

const answer = (r: Partial<GenerateContentResponse>): GenerateContentResponse => r as GenerateContentResponse;
const base = { model: 'gemini-2.5-flash-image', temperature: null, topP: null, topK: null } as const;

describe('restyle pieces', () => {
  it('ships three portrait styles whose prompts carry the portrait rules', () => {
    expect(BUILTIN_STYLES.map((s) => s.id)).toEqual(['bw_fine_art', 'ink_wash', 'van_gogh']);
    for (const s of BUILTIN_STYLES) {
      expect(s.prompt.endsWith(PORTRAIT_RULES)).toBe(true);
      expect(s.prompt.length).toBeGreaterThan(PORTRAIT_RULES.length + 100);
    }
    expect(PORTRAIT_RULES).toMatch(/head-and-shoulders/);
    expect(PORTRAIT_RULES).toMatch(/touch or overlap.*together as one group/s);
    expect(PORTRAIT_RULES).toMatch(/only the clearest one/);
    expect(PORTRAIT_RULES).toMatch(/pure white \(#FFFFFF\)/);
  });

  it('names outputs <name>_<style>, then _c2, _c3…, keeping a " (2)" the planner chose', () => {
    expect(restylePath('/o/cat_ink_wash.png', 'ink_wash', 'van_gogh', 1)).toBe('/o/cat_van_gogh.png');
    expect(restylePath('/o/cat_ink_wash.png', 'ink_wash', 'ink_wash', 3)).toBe('/o/cat_ink_wash_c3.png');
    expect(restylePath('/o/cat_ink_wash (2).png', 'ink_wash', 'van_gogh', 2)).toBe(
      '/o/cat_van_gogh_c2 (2).png',
    );
  });

  it('sends imageSize only to models that make several sizes, and picks the nearest aspect for auto', () => {
    expect(generationConfig({ ...base, aspectRatio: '4:5', imageSize: '1K' }, null)).toEqual({
      responseModalities: ['TEXT', 'IMAGE'],
      imageConfig: { aspectRatio: '4:5' },
    });
    expect(
      generationConfig(
        {
          ...base,
          model: 'gemini-3-pro-image-preview',
          aspectRatio: 'auto',
          imageSize: '4K',
          temperature: 0.4,
          topK: 20,
        },
        { width: 1920, height: 1080 },
      ),
    ).toEqual({
      responseModalities: ['TEXT', 'IMAGE'],
      imageConfig: { aspectRatio: '16:9', imageSize: '4K' },
      temperature: 0.4,
      topK: 20,
    });
    expect(nearestAspect(700, 464)).toBe('3:2');
    expect(nearestAspect(600, 800)).toBe('3:4');
    expect(sizeProblem('gemini-2.5-flash-image', '2K')).toMatch(
      /1K images only; 2K needs gemini-3-pro-image-preview/,
    );
    expect(sizeProblem('gemini-3-pro-image-preview', '4K')).toBeNull();
  });

  it('reads an image, a block, a stop without an image, and text only, with the tokens', () => {
    const usageMetadata = { promptTokenCount: 263, candidatesTokenCount: 1290, totalTokenCount: 1553 };
    const ok = readAnswer(
      answer({
        candidates: [
          {
            finishReason: 'STOP' as never,
            content: {
              parts: [{ text: 'Here it is' }, { inlineData: { mimeType: 'image/png', data: 'aGk=' } }],
            },
          },
        ],
        usageMetadata,
      }),
    );
    expect(ok).toMatchObject({
      mimeType: 'image/png',
      text: 'Here it is',
      promptTokens: 263,
      outputTokens: 1290,
    });
    expect(ok.data.toString()).toBe('hi');
    const refusal = (r: Partial<GenerateContentResponse>): NoImageError => {
      try {
        readAnswer(answer(r));
      } catch (error) {
        if (error instanceof NoImageError) return error;
      }
      throw new Error('expected a NoImageError');
    };
    const blocked = refusal({ promptFeedback: { blockReason: 'SAFETY' as never }, usageMetadata });
    expect(blocked.code).toBe('SAFETY_BLOCKED');
    expect(blocked.usage.promptTokens).toBe(263);
    expect(refusal({ candidates: [{ finishReason: 'IMAGE_SAFETY' as never }] }).code).toBe('SAFETY_BLOCKED');
    expect(refusal({ candidates: [{ finishReason: 'MAX_TOKENS' as never }] }).message).toMatch(
      /stopped without an image \(finishReason MAX_TOKENS\)/,
    );
    const textOnly = refusal({
      candidates: [{ finishReason: 'STOP' as never, content: { parts: [{ text: 'I cannot draw that.' }] } }],
    });
    expect(textOnly).toMatchObject({
      code: 'NO_IMAGE',
      message: 'Gemini answered without an image: "I cannot draw that.".',
    });
  });

  it('sends a small photo as it is, and a large or rotated one oriented and fitted within 2048 px', async () => {
    const small = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#369' } })
      .jpeg()
      .toBuffer();
    expect(await wireImage(small, 1e9)).toMatchObject({
      data: small,
      mimeType: 'image/jpeg',
      width: 300,
      height: 200,
    });
    const big = await sharp({ create: { width: 4000, height: 1000, channels: 4, background: '#3699' } })
      .png()
      .toBuffer();
    const sent = await wireImage(big, 1e9);
    expect(sent).toMatchObject({ mimeType: 'image/png', width: 2048, height: 512 });
    const rotated = await sharp(small).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    expect(await wireImage(rotated, 1e9)).toMatchObject({ mimeType: 'image/jpeg', width: 200, height: 300 });
    await expect(wireImage(small.subarray(0, small.length / 2), 1e9)).rejects.toThrow();
  });

  it('keys the cache by every part of a call, whatever the order of config fields', () => {
    const parts = {
      inputSha256: 'a'.repeat(64),
      prompt: 'p',
      model: 'm',
      config: { b: 1, a: { d: 2, c: 3 } },
      variation: 1,
    };
    const key = contentKey(parts);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(contentKey({ ...parts, config: { a: { c: 3, d: 2 }, b: 1 } })).toBe(key);
    for (const changed of [
      { inputSha256: 'b'.repeat(64) },
      { prompt: 'q' },
      { model: 'n' },
      { config: { b: 2, a: { d: 2, c: 3 } } },
      { variation: 2 },
    ]) {
      expect(contentKey({ ...parts, ...changed })).not.toBe(key);
    }
  });

  it('stores user styles with ids from their names; built-ins cannot be changed', () => {
    const dir = tempDir('pixelsmith-styles-');
    const db = openTestDb(join(dir.path, 'p.db'));
    try {
      const store = new StyleStore({ db, now: () => 1 });
      expect(idFromName('Aquarell (weich) – Nr. 2')).toBe('aquarell_weich_nr_2');
      expect(idFromName('!!!')).toBe('style');
      const a = store.create({ name: 'Watercolour', prompt: 'Restyle this photo as a loose watercolour.' });
      const b = store.create({ name: 'Watercolour', prompt: 'Restyle this photo as a tight watercolour.' });
      expect([a.id, b.id]).toEqual(['watercolour', 'watercolour_2']);
      expect(store.duplicate('van_gogh')).toMatchObject({ id: 'van_gogh_copy', name: 'Van Gogh (copy)' });
      expect(() => store.remove('ink_wash')).toThrow(/built-in style and cannot be removed; duplicate it/);
      expect(() =>
        store.create({ name: 'x', prompt: 'Restyle this photo as x please.' }, 'van_gogh'),
      ).toThrow(/already exists/);
      expect(() => store.resolve({ styles: ['watercolour'], imageSize: '4K' })).toThrow(/1K images only/);
      expect(
        store.resolve({ styles: ['watercolour'], model: 'gemini-3-pro-image-preview', imageSize: '4K' }),
      ).toEqual([
        expect.objectContaining({ id: 'watercolour', model: 'gemini-3-pro-image-preview', imageSize: '4K' }),
      ]);
      expect(store.remove('watercolour_2')).toBe(true);
      expect(store.list().map((s) => s.id)).toEqual([
        'bw_fine_art',
        'ink_wash',
        'van_gogh',
        'van_gogh_copy',
        'watercolour',
      ]);
    } finally {
      db.close();
      dir.cleanup();
    }
  });
});
