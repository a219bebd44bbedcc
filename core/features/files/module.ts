import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename } from 'node:path';
import { filesSlice } from '../../contract/files.js';
import { RpcError } from '../../contract/errors.js';
import { createItemsRepo } from '../../db/itemsRepo.js';
import { shownPathOf } from '../../kernel/paths.js';
import { probeImage } from '../../kernel/probe.js';
import { defineModule } from '../module.js';
import { registerScanCommand } from './cli.js';
import { listFolders } from './folders.js';
import { addScanToLibrary } from './library.js';
import { createLibraryRepo } from './libraryRepo.js';
import { createRegionService } from './region.js';
import { migration as thumbRefs } from './migrations/0020-thumb-refs.js';
import { migration as library } from './migrations/0110-library.js';
import { scanPaths, thumbRefFor } from './scan.js';
import { createThumbnailService } from './thumbnail.js';
import { createThumbRefsRepo } from './thumbRefsRepo.js';

declare module '../module.js' {
  interface Services {
    /** Thumbnail refs (`files.thumbnail`) for files other modules keep, e.g. restyle's cached results. */
    thumbRefs: { refFor(path: string): string | null };
  }
}

/** The library: scanning files and folders for images, and their thumbnails. */
export const filesModule = defineModule({
  name: 'files',
  contract: filesSlice,
  migrations: [thumbRefs, library],
  setup(ctx) {
    const thumbRefsRepo = createThumbRefsRepo(ctx.db);
    const library = createLibraryRepo(ctx.db);
    const items = createItemsRepo(ctx.db);
    const regions = createRegionService({
      thumbRefs: thumbRefsRepo,
      maxInputPixels: () => Math.max(ctx.settings.get().maxInputPixels, ctx.settings.get().maxOutputPixels),
    });
    const showPath = (path: string): string => shownPathOf(path, ctx.paths.imports);
    const scan = (paths: string[], scanId: string | undefined, signal: AbortSignal) => {
      const s = ctx.settings.get();
      return scanPaths(paths, {
        limits: { maxInputBytes: s.maxInputBytes, maxInputPixels: s.maxInputPixels },
        thumbRefs: thumbRefsRepo,
        skipDirNames: new Set([s.outputFolderName]),
        onProgress: (p) => ctx.events.emit('files.scanProgress', { scanId: scanId ?? null, ...p }),
        signal,
      });
    };
    const changed = (): void => ctx.events.emit('library.changed', { total: library.count() });
    const thumbnails = createThumbnailService({
      cacheDir: ctx.paths.thumbs,
      thumbRefs: thumbRefsRepo,
      limits: () => {
        const s = ctx.settings.get();
        return { size: s.thumbnailSize, maxInputPixels: s.maxInputPixels };
      },
    });
    const refFor = (path: string): string | null => {
      let info;
      try {
        info = statSync(path);
      } catch {
        return null;
      }
      const ref = thumbRefFor(path, info.size, info.mtimeMs);
      thumbRefsRepo.upsertMany([{ ref, path, size: info.size, mtimeMs: info.mtimeMs }]);
      return ref;
    };
    return {
      services: { thumbRefs: { refFor } },
      handlers: {
        'files.scan': ({ paths, scanId }, { signal }) => scan(paths, scanId, signal),
        'library.add': async ({ paths, scanId }, { signal }) => {
          const result = addScanToLibrary(
            await scan(paths, scanId, signal),
            library,
            showPath,
            ctx.clock.now(),
          );
          changed();
          return result;
        },
        'library.list': () => ({ photos: library.list() }),
        'library.remove': ({ paths }) => {
          const removed = library.remove(paths);
          if (removed > 0) changed();
          return { removed, total: library.count() };
        },
        'library.clear': () => {
          const removed = library.clear();
          if (removed > 0) changed();
          return { removed };
        },
        'files.outputRef': async ({ itemId, index }) => {
          const path = items.get(itemId)?.outputs[index];
          if (path === undefined) {
            throw new RpcError(
              'NOT_FOUND',
              `Item ${itemId} has no output ${index + 1} (it may not have finished).`,
            );
          }
          const s = ctx.settings.get();
          const probed = await probeImage(path, {
            maxInputBytes: Number.MAX_SAFE_INTEGER,
            maxInputPixels: Math.max(s.maxInputPixels, s.maxOutputPixels),
          });
          const ref = thumbRefFor(path, probed.size, probed.mtimeMs);
          thumbRefsRepo.upsertMany([{ ref, path, size: probed.size, mtimeMs: probed.mtimeMs }]);
          return {
            ref,
            path,
            name: basename(path),
            width: probed.width,
            height: probed.height,
            size: probed.size,
          };
        },
        'files.region': async ({ ref, ...rect }) => {
          const region = await regions.get(ref, rect);
          return { ...region, data: region.data.toString('base64') };
        },
        'files.folders': (input) => listFolders(ctx.env.folderRoots ?? [homedir()], input?.path),
        'files.thumbnail': async ({ ref, size }) => {
          const thumb = await thumbnails.get(ref, size);
          return { ...thumb, data: thumb.data.toString('base64') };
        },
      },
    };
  },
  cli: registerScanCommand,
});
