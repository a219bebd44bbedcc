import { describe, expect, it } from 'vitest';
import {
  checkDraft,
  DEFAULT_DRAFTS,
  fitRestyleSize,
  outputIndex,
  restyleOutputs,
  restyleSizes,
  type EnhanceDraft,
  type RestyleDraft,
} from './photoOptions.js';
import { faceCrop, parseFaceBoxes } from '../components/FaceStrip.js';

const enhance = (patch: Partial<EnhanceDraft> = {}): EnhanceDraft => ({
  ...DEFAULT_DRAFTS.enhance,
  ...patch,
});

describe('checkDraft: enhance with face restoration', () => {
  it('sends no face fields while the switch is off, and the background always', () => {
    const checked = checkDraft('enhance', enhance({ faceModel: 'gfpgan', strength: 3, faces: 'largest' }));
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.options).toEqual({
      outscale: 2,
      format: 'same',
      quality: 92,
      tile: 'auto',
      alpha: 'lanczos',
      background: 'model',
    });
    for (const key of ['face', 'faceModel', 'detector', 'faces', 'strength'])
      expect(checked.options).not.toHaveProperty(key);
  });

  it('sends the face options the switch turns on', () => {
    const checked = checkDraft(
      'enhance',
      enhance({
        face: true,
        faceModel: 'my-gfpgan',
        detector: 'yunet',
        faces: 'center',
        strength: 0.75,
        background: 'lanczos',
        model: 'realesr-animevideov3',
      }),
    );
    expect(checked).toEqual({
      ok: true,
      options: {
        outscale: 2,
        format: 'same',
        quality: 92,
        tile: 'auto',
        alpha: 'lanczos',
        background: 'lanczos',
        face: true,
        faceModel: 'my-gfpgan',
        detector: 'yunet',
        faces: 'center',
        strength: 0.75,
      },
    });
  });

  it('leaves the face model to core when "Best installed" is chosen', () => {
    const checked = checkDraft('enhance', enhance({ face: true }));
    expect(checked.ok && checked.options).toMatchObject({
      face: true,
      strength: 0.5,
      detector: 'retinaface',
    });
    expect(checked.ok && checked.options).not.toHaveProperty('faceModel');
  });

  it('marks a strength out of 0..1 on its field, and a missing one as missing', () => {
    for (const strength of [1.5, -0.1]) {
      const checked = checkDraft('enhance', enhance({ face: true, strength }));
      expect(checked.ok).toBe(false);
      if (checked.ok) continue;
      expect(Object.keys(checked.fields)).toEqual(['strength']);
      expect(checked.fields.strength).toEqual(expect.any(String));
    }
    const missing = checkDraft('enhance', enhance({ face: true, strength: null }));
    expect(missing).toEqual({ ok: false, fields: { strength: null } });
  });
});

describe('face boxes', () => {
  it('reads "x,y,w,h;x,y,w,h" and skips what is not a box', () => {
    expect(parseFaceBoxes('10,20,30,40;100,50,60,70')).toEqual([
      { x: 10, y: 20, w: 30, h: 40 },
      { x: 100, y: 50, w: 60, h: 70 },
    ]);
    expect(parseFaceBoxes('')).toEqual([]);
    expect(parseFaceBoxes(undefined)).toEqual([]);
    expect(parseFaceBoxes(3)).toEqual([]);
    expect(parseFaceBoxes('1,2,3;4,5,0,6;7,8,9,10')).toEqual([{ x: 7, y: 8, w: 9, h: 10 }]);
  });

  it('crops a square with a margin inside the image', () => {
    expect(faceCrop({ x: 0, y: 0, w: 100, h: 50 }, 1000, 800)).toEqual({ x: 0, y: 0, w: 130, h: 130 });
    const c = faceCrop({ x: 950, y: 700, w: 50, h: 100 }, 1000, 800);
    expect(c.x + c.w).toBeLessThanOrEqual(1000);
    expect(c.y + c.h).toBeLessThanOrEqual(800);
    expect(c.w).toBeCloseTo(130);
  });
});

const restyle = (patch: Partial<RestyleDraft> = {}): RestyleDraft => ({
  ...DEFAULT_DRAFTS.restyle,
  ...patch,
});

describe('checkDraft: restyle', () => {
  it('sends the styles and variations, and an override only when one is chosen', () => {
    expect(checkDraft('restyle', restyle({ styles: ['ink_wash', 'van_gogh'], variations: 2 }))).toEqual({
      ok: true,
      options: { styles: ['ink_wash', 'van_gogh'], variations: 2 },
    });
    expect(
      checkDraft(
        'restyle',
        restyle({ styles: ['ink_wash'], model: 'gemini-3-pro-image-preview', imageSize: '4K' }),
      ),
    ).toEqual({
      ok: true,
      options: { styles: ['ink_wash'], variations: 1, model: 'gemini-3-pro-image-preview', imageSize: '4K' },
    });
  });

  it('marks no style, too many variations, an emptied count and a size the model cannot make', () => {
    const none = checkDraft('restyle', restyle());
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.fields.styles).toBe('choose at least one style');
    const many = checkDraft('restyle', restyle({ styles: ['ink_wash'], variations: 9 }));
    expect(many.ok === false && Object.keys(many.fields)).toEqual(['variations']);
    expect(checkDraft('restyle', restyle({ styles: ['ink_wash'], variations: null }))).toEqual({
      ok: false,
      fields: { variations: null },
    });
    const size = checkDraft(
      'restyle',
      restyle({ styles: ['ink_wash'], model: 'gemini-2.5-flash-image', imageSize: '2K' }),
    );
    expect(size.ok === false && size.fields.imageSize).toBe('this model does not make images of that size');
  });
});

describe('restyle sizes', () => {
  it('offers the sizes the override model makes, or those every chosen style can make', () => {
    expect(restyleSizes('gemini-2.5-flash-image', [])).toEqual(['1K']);
    expect(restyleSizes('gemini-3-pro-image-preview', ['gemini-2.5-flash-image'])).toEqual([
      '1K',
      '2K',
      '4K',
    ]);
    expect(restyleSizes('', ['gemini-3-pro-image-preview', 'gemini-2.5-flash-image'])).toEqual(['1K']);
    expect(restyleSizes('', ['gemini-3-pro-image-preview'])).toEqual(['1K', '2K', '4K']);
    expect(restyleSizes('', [])).toEqual(['1K', '2K', '4K']);
  });

  it('drops a size override the newly chosen model cannot make', () => {
    const draft = restyle({ styles: ['a'], model: 'gemini-2.5-flash-image', imageSize: '4K' });
    expect(fitRestyleSize(draft, [])).toEqual({ ...draft, imageSize: '' });
    const fits = restyle({ styles: ['a'], model: 'gemini-3-pro-image-preview', imageSize: '4K' });
    expect(fitRestyleSize(fits, [])).toBe(fits);
  });
});

describe('restyle outputs', () => {
  const options = {
    styles: ['ink_wash', 'van_gogh'],
    variations: 2,
    resolved: [
      { id: 'ink_wash', name: 'Ink wash' },
      { id: 'van_gogh', name: 'Van Gogh' },
    ],
  };
  const outputs = [
    '/out/cat_ink_wash.png',
    '/out/cat_ink_wash_c2.png',
    '/out/cat_van_gogh.png',
    '/out/cat_van_gogh_c2.png',
    '/out/cat_ink_wash.json',
    '/out/cat_ink_wash_c2.json',
    '/out/cat_van_gogh.json',
    '/out/cat_van_gogh_c2.json',
  ];

  it('finds a style × variation in the outputs: a, a_c2, b, b_c2', () => {
    expect(outputIndex(options.styles, 2, 'ink_wash', 1)).toBe(0);
    expect(outputIndex(options.styles, 2, 'ink_wash', 2)).toBe(1);
    expect(outputIndex(options.styles, 2, 'van_gogh', 1)).toBe(2);
    expect(outputIndex(options.styles, 2, 'van_gogh', 2)).toBe(3);
    expect(outputIndex(options.styles, 2, 'bw_fine_art', 1)).toBe(-1);
    expect(outputIndex(options.styles, 2, 'van_gogh', 3)).toBe(-1);
  });

  it('labels the images (not the sidecars) by style name and variation', () => {
    expect(restyleOutputs(options, outputs)).toEqual([
      { index: 0, styleId: 'ink_wash', styleName: 'Ink wash', variation: 1, name: 'cat_ink_wash.png' },
      { index: 1, styleId: 'ink_wash', styleName: 'Ink wash', variation: 2, name: 'cat_ink_wash_c2.png' },
      { index: 2, styleId: 'van_gogh', styleName: 'Van Gogh', variation: 1, name: 'cat_van_gogh.png' },
      { index: 3, styleId: 'van_gogh', styleName: 'Van Gogh', variation: 2, name: 'cat_van_gogh_c2.png' },
    ]);
  });

  it('reads the file names when the outputs do not match the options', () => {
    const got = restyleOutputs({ styles: ['ink', 'ink_wash'], variations: 3 }, [
      '/o/dog_ink_wash_c2 (2).png',
      '/o/dog_ink.png',
      '/o/dog_ink_wash_c2 (2).json',
    ]);
    expect(got.map((o) => [o.index, o.styleId, o.variation])).toEqual([
      [0, 'ink_wash', 2],
      [1, 'ink', 1],
    ]);
  });
});
