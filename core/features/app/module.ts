import { arch, platform } from 'node:os';
import { appSlice } from '../../contract/app.js';
import { userVersion } from '../../db/migrate.js';
import { onnxRuntimeInfo } from '../enhance/onnxInfo.js';
import { defineModule } from '../module.js';
import { registerSettingsCommand } from './cli.js';

/** The app itself: app.info (what runs where) and the user's settings. */
export const appModule = defineModule({
  name: 'app',
  contract: appSlice,
  setup: (ctx) => ({
    handlers: {
      'app.info': async () => ({
        name: 'Pixelsmith',
        version: ctx.env.version,
        platform: platform(),
        arch: arch(),
        node: process.versions.node,
        shell: ctx.env.shell,
        dataDir: ctx.env.dataDir,
        dbPath: ctx.paths.db,
        schemaVersion: userVersion(ctx.db),
        // Read at call time: the keys module (or the shell) provides it after this module.
        secretStorage: {
          kind: ctx.services.secrets?.kind ?? 'none',
          notice: ctx.services.secrets?.notice ?? null,
        },
        onnxruntime: await onnxRuntimeInfo(),
      }),
      'settings.get': () => ctx.settings.get(),
      'settings.set': (patch) => {
        const next = ctx.settings.update(patch);
        ctx.events.emit('settings.changed', next);
        return next;
      },
    },
  }),
  cli: registerSettingsCommand,
});
