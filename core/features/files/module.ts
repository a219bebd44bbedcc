import { filesSlice } from '../../contract/files.js';
import { defineModule } from '../module.js';
import { registerScanCommand } from './cli.js';
import { migration as thumbRefs } from './migrations/0020-thumb-refs.js';
import { migration as library } from './migrations/0110-library.js';
import { scanPaths } from './scan.js';
import { createThumbnailService } from './thumbnail.js';
import { createThumbRefsRepo } from './thumbRefsRepo.js';

/** The library: scanning files and folders for images, and their thumbnails. */
export const filesModule = defineModule({
  name: 'files',
  contract: filesSlice,
  migrations: [thumbRefs, library],
  setup(ctx) {
    const thumbRefsRepo = createThumbRefsRepo(ctx.db);
    const thumbnails = createThumbnailService({
      cacheDir: ctx.paths.thumbs,
      thumbRefs: thumbRefsRepo,
      limits: () => {
        const s = ctx.settings.get();
        return { size: s.thumbnailSize, maxInputPixels: s.maxInputPixels };
      },
    });
    return {
      handlers: {
        'files.scan': ({ paths, scanId }, { signal }) => {
          const s = ctx.settings.get();
          return scanPaths(paths, {
            limits: { maxInputBytes: s.maxInputBytes, maxInputPixels: s.maxInputPixels },
            thumbRefs: thumbRefsRepo,
            skipDirNames: new Set([s.outputFolderName]),
            onProgress: (p) => ctx.events.emit('files.scanProgress', { scanId: scanId ?? null, ...p }),
            signal,
          });
        },
        'files.thumbnail': async ({ ref, size }) => {
          const thumb = await thumbnails.get(ref, size);
          return { ...thumb, data: thumb.data.toString('base64') };
        },
      },
    };
  },
  cli: registerScanCommand,
});
