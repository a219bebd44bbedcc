/**
 * The largest model file Pixelsmith takes, and the cap on what a checkpoint's zip records may
 * declare: 2 GiB (GFPGAN, the largest model it runs, is 348 MB). `../models.ts` checks files
 * against the same value.
 */
export const CHECKPOINT_MAX_BYTES = 2 * 1024 ** 3;
