import { describe, expect, it } from 'vitest';
import { checkDraft, DEFAULT_DRAFTS, type EnhanceDraft } from './photoOptions.js';
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
