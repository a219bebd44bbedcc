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
import {
  IMAGE_SIZES,
  restyleOptionsSchema,
  sizesOf,
  type ImageSize,
} from '../../../core/contract/restyle.js';
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

/** What the Restyle inspector holds: the chosen styles and the overrides ('' = each style's own). */
export interface RestyleDraft {
  /** Style ids, in the order the picker lists them (built-ins first). */
  styles: string[];
  variations: number | null;
  /** '' = each style's own model. */
  model: string;
  /** '' = each style's own size. */
  imageSize: '' | ImageSize;
}

export interface OptionDrafts {
  enhance: EnhanceDraft;
  convert: ConvertDraft;
  restyle: RestyleDraft;
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
  restyle: { styles: [], variations: 1, model: '', imageSize: '' },
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
  if (kind === 'restyle') {
    const d = draft as RestyleDraft;
    return check(restyleOptionsSchema, {
      styles: d.styles,
      variations: num(d.variations),
      ...(d.model !== '' && { model: d.model }),
      ...(d.imageSize !== '' && { imageSize: d.imageSize }),
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

/**
 * The sizes a size override may pick: those the override model makes, or, with each style's
 * own model, those every chosen style's model makes (a size one of them cannot make would be
 * refused for that style).
 */
export function restyleSizes(modelOverride: string, styleModels: readonly string[]): ImageSize[] {
  const models = modelOverride !== '' ? [modelOverride] : [...new Set(styleModels)];
  return IMAGE_SIZES.filter((size) => models.every((m) => sizesOf(m).includes(size)));
}

/** The draft with a size override the (new) model cannot make dropped back to "each style's own". */
export function fitRestyleSize(draft: RestyleDraft, styleModels: readonly string[]): RestyleDraft {
  if (draft.imageSize === '' || restyleSizes(draft.model, styleModels).includes(draft.imageSize))
    return draft;
  return { ...draft, imageSize: '' };
}

/** One image of a restyled photo: which style and variation made it, and where it is in `outputs`. */
export interface RestyleOutput {
  /** Index into the item's `outputs` (for `files.outputRef`, downloads). */
  index: number;
  styleId: string;
  styleName: string;
  variation: number;
  /** The output's file name. */
  name: string;
}

/** Where style `styleId`'s `variation` (1-based) is among an item's outputs: style × variation order. */
export function outputIndex(
  styles: readonly string[],
  variations: number,
  styleId: string,
  variation: number,
): number {
  const s = styles.indexOf(styleId);
  if (s < 0 || variation < 1 || variation > variations) return -1;
  return s * variations + variation - 1;
}

const baseName = (path: string): string => path.split(/[/\\]/).pop() ?? path;

/** The style a file name `<name>_<style>[_cN][ (n)].png` ends in, the longest id first. */
function styleOfName(name: string, styles: readonly string[]): { styleId: string; variation: number } | null {
  const stem = name.replace(/\.[^.]+$/, '').replace(/ \(\d+\)$/, '');
  for (const id of [...styles].sort((a, b) => b.length - a.length)) {
    const m = new RegExp(`_${id}(?:_c(\\d+))?$`).exec(stem);
    if (m) return { styleId: id, variation: m[1] ? Number(m[1]) : 1 };
  }
  return null;
}

/**
 * The images of a finished restyle item, labelled by style and variation. Images come first in
 * `outputs` (then their `.json` sidecars), in style × variation order; when the count does not
 * match the job's options (an item made by other options), the file names say which is which.
 */
export function restyleOutputs(
  options: Record<string, unknown>,
  outputs: readonly string[],
): RestyleOutput[] {
  const styles = Array.isArray(options.styles)
    ? options.styles.filter((s): s is string => typeof s === 'string')
    : [];
  const variations =
    typeof options.variations === 'number' && options.variations > 0 ? options.variations : 1;
  const resolved = Array.isArray(options.resolved)
    ? (options.resolved as { id?: unknown; name?: unknown }[])
    : [];
  const nameOf = (id: string): string => {
    const r = resolved.find((x) => x.id === id);
    return typeof r?.name === 'string' ? r.name : id;
  };
  const images = outputs.map((path, index) => ({ path, index })).filter((o) => !/\.json$/i.test(o.path));
  const ordered = images.length === styles.length * variations;
  return images.map(({ path, index }, i) => {
    const name = baseName(path);
    const known = ordered
      ? { styleId: styles[Math.floor(i / variations)] ?? '', variation: (i % variations) + 1 }
      : (styleOfName(name, styles) ?? { styleId: '', variation: 1 });
    return { index, ...known, styleName: known.styleId === '' ? name : nameOf(known.styleId), name };
  });
}
