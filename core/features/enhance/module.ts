import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { enhanceSlice } from '../../contract/enhance.js';
import { defineModule } from '../module.js';
import { loadCatalog } from './catalog.js';
import { registerEnhanceCommands } from './cli.js';
import { migration as modelsTable } from './migrations/0050-models.js';
import { ModelStore } from './models.js';
import { createModelsRepo } from './modelsRepo.js';
import { createEnhanceOperation } from './operation.js';
import { SessionCache } from './sessions.js';
import { MEMORY_BUDGET_BYTES } from './upscale.js';

/**
 * ONNX Runtime's intra-op threads when the setting says automatic: every core but one on
 * machines with more than two (the JS thread builds and blends tiles, other jobs encode with
 * sharp, the studio stays responsive), both on a two-core machine, where one thread ran a tile
 * 1.6× slower alone and no faster beside a busy core. Fixed per session: ORT sets its threads
 * when a session is created.
 */
export function autoThreads(cores: number): number {
  return cores > 2 ? cores - 1 : Math.max(1, cores);
}

/** Offline enhancement: the model manager (models.*) and the `enhance` job kind on the GPU slot. */
export const enhanceModule = defineModule({
  name: 'enhance',
  contract: enhanceSlice,
  migrations: [modelsTable],
  setup(ctx) {
    const sessions = new SessionCache(
      () => ctx.settings.get().onnxThreads || autoThreads(availableParallelism()),
    );
    const models = new ModelStore({
      catalog: loadCatalog(ctx.env.resourcesDir),
      repo: createModelsRepo(ctx.db),
      dir: ctx.paths.models,
      extraDir: ctx.env.modelsDir,
      bundledDir: join(ctx.env.resourcesDir, 'models'),
      providerOf: (path) => sessions.providerOf(path),
      onDownloadProgress: (id, received, total) =>
        ctx.events.emit('models.downloadProgress', { id, received, total }),
      onConvertProgress: (id, fraction) => ctx.events.emit('models.convertProgress', { id, fraction }),
    });
    return {
      handlers: {
        'models.list': () => models.list(),
        'models.download': ({ id }, { signal }) => models.download(id, signal),
        'models.import': ({ path, id, task, scale }, { signal }) =>
          models.import(path, { id, task, scale }, signal),
        'models.remove': async ({ id }) => ({ removed: await models.remove(id) }),
      },
      operations: [
        createEnhanceOperation(
          models,
          sessions,
          () => MEMORY_BUDGET_BYTES,
          () => ctx.settings.get(),
        ),
      ],
      close: () => sessions.release(),
    };
  },
  cli: registerEnhanceCommands,
});
