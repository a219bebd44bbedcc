import type { MessageKey } from './i18n/index.js';

/**
 * The studio's panels, in sidebar order. Photo panels (`photos: true`) share the gallery, the
 * compare view and the inspector; each has one job kind and one primary action. Panels still to
 * come say what they will hold.
 */
export const PANELS = [
  { id: 'enhance', label: 'panel.enhance', photos: true, coming: null },
  { id: 'convert', label: 'panel.convert', photos: true, coming: null },
  { id: 'restyle', label: 'panel.restyle', photos: true, coming: null },
  { id: 'batches', label: 'panel.batches', photos: false, coming: 'panel.batches.coming' },
  { id: 'queue', label: 'panel.queue', photos: false, coming: null },
  { id: 'keys', label: 'panel.keys', photos: false, coming: null },
  { id: 'models', label: 'panel.models', photos: false, coming: null },
  { id: 'settings', label: 'panel.settings', photos: false, coming: null },
] as const satisfies readonly { id: string; label: MessageKey; photos: boolean; coming: MessageKey | null }[];

export type PanelId = (typeof PANELS)[number]['id'];
export type PhotoPanelId = Extract<(typeof PANELS)[number], { photos: true }>['id'];
