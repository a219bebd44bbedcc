/** The studio's panels, in sidebar order, with what each will hold until it is built. */
export const PANELS = [
  { id: 'enhance', label: 'Enhance', coming: 'Real-ESRGAN upscaling and face restoration of the photos below, on your GPU or CPU.' },
  { id: 'restyle', label: 'Restyle', coming: 'Artistic portrait styles with Gemini, for a few photos at a time or hundreds through the Batch API.' },
  { id: 'batches', label: 'Batches', coming: 'Gemini Batch API jobs: upload, progress, download and results.' },
  { id: 'queue', label: 'Queue', coming: null },
  { id: 'keys', label: 'Keys & usage', coming: 'Your Gemini API keys, per-project quotas, cooldowns and spend today.' },
  { id: 'models', label: 'Models', coming: 'Installed Real-ESRGAN and face models, downloads, imports and the GPU/CPU in use.' },
  { id: 'settings', label: 'Settings', coming: null },
] as const;

export type PanelId = (typeof PANELS)[number]['id'];
