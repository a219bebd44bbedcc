import type { z } from 'zod';
import { convertOptionsSchema, type CONVERT_FORMATS } from '../../../core/contract/convert.js';
import {
  enhanceOptionsSchema,
  type ALPHA_MODES,
  type BACKGROUND_MODES,
  type ENHANCE_FORMATS,
  type FACE_DETECTORS,
  type FACE_SELECTIONS,
} from '../../../core/contract/enhance.js';
import type { PhotoPanelId } from '../panels.js';

/** What the Enhance inspector's fields hold; a cleared number is null, not 0. */
export interface EnhanceDraft {
  /** '' = the best installed upscaler. */
  model: string;
  outscale: number | null;
  format: (typeof ENHANCE_FORMATS)[number];
  quality: number | null;
  tile: 'auto' | number | null;
  alpha: (typeof ALPHA_MODES)[number];
  /** Restore faces (detect, align, restore, paste back); the face fields count only when on. */
  face: boolean;
  /** '' = the best installed face-restore model. */
  faceModel: string;
  detector: (typeof FACE_DETECTORS)[number];
  faces: (typeof FACE_SELECTIONS)[number];
  /** 0: the upscaled face as it was, 1: the restored face. */
  strength: number | null;
  /** How the photo around the faces is upscaled: the upscaling model, or Lanczos (no model). */
  background: (typeof BACKGROUND_MODES)[number];
}

export interface ConvertDraft {
  format: (typeof CONVERT_FORMATS)[number];
  quality: number | null;
  resize: 'none' | 'maxSize' | 'scale';
  maxSize: number | null;
  scale: number | null;
}

export interface OptionDrafts {
  enhance: EnhanceDraft;
  convert: ConvertDraft;
}

export const DEFAULT_DRAFTS: OptionDrafts = {
  enhance: {
    model: '',
    outscale: 2,
    format: 'same',
    quality: 92,
    tile: 'auto',
    alpha: 'lanczos',
    face: false,
    faceModel: '',
    detector: 'retinaface',
    faces: 'all',
    strength: 0.5,
    background: 'model',
  },
  convert: { format: 'webp', quality: 85, resize: 'none', maxSize: 2048, scale: 0.5 },
};

/** Options ready for `jobs.create`, or the message of each field that is wrong (`null`: missing). */
export type Checked =
  { ok: true; options: Record<string, unknown> } | { ok: false; fields: Record<string, string | null> };

const MISSING = Symbol('missing');

function check(schema: z.ZodType, raw: Record<string, unknown>): Checked {
  const missing = Object.entries(raw)
    .filter(([, v]) => v === MISSING)
    .map(([k]) => k);
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== MISSING && v !== undefined));
  const parsed = schema.safeParse(present);
  const fields: Record<string, string | null> = Object.fromEntries(missing.map((k) => [k, null]));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) fields[issue.path.map(String).join('.')] ??= issue.message;
  }
  if (Object.keys(fields).length > 0) return { ok: false, fields };
  return { ok: true, options: present };
}

const num = (n: number | null): number | typeof MISSING => (n === null ? MISSING : n);

/**
 * Checks a panel's draft with the contract's own options schema, so the inspector marks the
 * same fields core would refuse, before anything is sent.
 */
export function checkDraft<K extends PhotoPanelId>(kind: K, draft: OptionDrafts[K]): Checked {
  if (kind === 'enhance') {
    const d = draft as EnhanceDraft;
    return check(enhanceOptionsSchema, {
      // Lanczos needs no upscaling model, so none is named.
      ...(d.model !== '' && d.background === 'model' && { model: d.model }),
      outscale: num(d.outscale),
      format: d.format,
      ...(d.format !== 'png' && { quality: num(d.quality) }),
      tile: d.tile === null ? MISSING : d.tile,
      alpha: d.alpha,
      background: d.background,
      ...(d.face && {
        face: true,
        ...(d.faceModel !== '' && { faceModel: d.faceModel }),
        detector: d.detector,
        faces: d.faces,
        strength: num(d.strength),
      }),
    });
  }
  const d = draft as ConvertDraft;
  return check(convertOptionsSchema, {
    format: d.format,
    ...(d.format !== 'png' && { quality: num(d.quality) }),
    ...(d.resize === 'maxSize' && { maxSize: num(d.maxSize) }),
    ...(d.resize === 'scale' && { scale: num(d.scale) }),
  });
}
