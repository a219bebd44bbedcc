/** The studio's panels, in sidebar order, with what each will hold until it is built. */
export const PANELS = [
  { id: 'enhance', label: 'Enhance', coming: null },
  {
    id: 'restyle',
    label: 'Restyle',
    coming:
      'Artistic portrait styles with Gemini, for a few photos at a time or hundreds through the Batch API.',
  },
  {
    id: 'batches',
    label: 'Batches',
    coming: 'Gemini Batch API jobs: upload, progress, download and results.',
  },
  { id: 'queue', label: 'Queue', coming: null },
  { id: 'keys', label: 'Keys & usage', coming: null },
  { id: 'models', label: 'Models', coming: null },
  { id: 'settings', label: 'Settings', coming: null },
] as const;

export type PanelId = (typeof PANELS)[number]['id'];
