import { arch, availableParallelism, platform } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Handlers } from '../contract/dispatch.js';
import type { AppInfo } from '../contract/schemas.js';
import { userVersion } from '../db/migrate.js';
import { openDb } from '../db/openDb.js';
import { createSettingsRepo, type SettingsRepo } from '../db/settingsRepo.js';
import { createThumbRefsRepo } from '../features/files/thumbRefsRepo.js';
import { scanPaths } from '../features/files/scan.js';
import { createThumbnailService } from '../features/files/thumbnail.js';
import { convertOperation } from '../features/convert/operation.js';
import { createModelsRepo } from '../features/enhance/modelsRepo.js';
import { loadCatalog } from '../features/enhance/catalog.js';
import { ModelStore } from '../features/enhance/models.js';
import { createEnhanceOperation } from '../features/enhance/operation.js';
import { SessionCache } from '../features/enhance/sessions.js';
import { KeyStore } from '../features/keys/keyStore.js';
import { QuotaManager } from '../features/keys/quota.js';
import { FileSecretBox, type SecretBox } from '../features/keys/secretBox.js';
import { JobEngine } from '../jobs/engine.js';
import { createOperationRegistry } from '../jobs/registry.js';
import { createEventBus, type EventBus } from '../kernel/events.js';
import { onnxRuntimeInfo } from '../features/enhance/onnxInfo.js';
import { dataPaths } from './paths.js';
import { readPackageJson } from './version.js';

export interface CoreOptions {
  dataDir: string;
  shell: AppInfo['shell'];
  /** Defaults to package.json's version; Electron passes `app.getVersion()`. */
  version?: string;
  /**
   * `all`: this process runs every job (desktop app, server), recovering interrupted ones first.
   * `own`: it runs only jobs it is told to start (the CLI).
   */
  runJobs?: 'all' | 'own';
  log?: (line: string) => void;
  /** Folder holding `models/catalog.json`; default: the app's `resources/`. */
  resourcesDir?: string;
  /** A read-only folder of model files (PIXELSMITH_MODELS_DIR). */
  modelsDir?: string | undefined;
  /** Encrypts API keys at rest; default: AES-256-GCM with a key file in the data folder. */
  secrets?: SecretBox;
  /** Gemini API base URL; default Google's (PIXELSMITH_GEMINI_BASE_URL overrides, for tests). */
  geminiBaseUrl?: string | undefined;
}

export interface Core {
  handlers: Handlers;
  events: EventBus;
  settings: SettingsRepo;
  jobs: JobEngine;
  models: ModelStore;
  keys: KeyStore;
  quota: QuotaManager;
  dataDir: string;
  db: Database;
  /** Interrupts running items (they resume next start), then closes the database. */
  close(): Promise<void>;
}

/** CPU work leaves one core to the UI and the OS; the GPU runs one model at a time. */
export function defaultResources(): Record<string, number> {
  return { cpu: Math.max(1, availableParallelism() - 1), gpu: 1 };
}

/** Wiring: opens the database, builds the services and returns the contract's handlers. */
export function createCore(options: CoreOptions): Core {
  const paths = dataPaths(options.dataDir);
  const db = openDb(paths.db);
  const events = createEventBus();
  const settings = createSettingsRepo(db);
  const thumbRefs = createThumbRefsRepo(db);
  const thumbnails = createThumbnailService({
    cacheDir: paths.thumbs,
    thumbRefs,
    limits: () => {
      const s = settings.get();
      return { size: s.thumbnailSize, maxInputPixels: s.maxInputPixels };
    },
  });
  const pkg = readPackageJson();
  const version = options.version ?? pkg.version;
  const sessions = new SessionCache(() => settings.get().onnxThreads);
  const models = new ModelStore({
    catalog: loadCatalog(options.resourcesDir ?? join(pkg.root, 'resources')),
    repo: createModelsRepo(db),
    dir: paths.models,
    extraDir: options.modelsDir ?? process.env.PIXELSMITH_MODELS_DIR,
    providerOf: (path) => sessions.providerOf(path),
    onDownloadProgress: (id, received, total) =>
      events.emit('models.downloadProgress', { id, received, total }),
  });
  const secrets = options.secrets ?? new FileSecretBox(paths.secretKey);
  const keysChanged = (reason: string): void => events.emit('keys.changed', { reason });
  const keys = new KeyStore({
    db,
    secrets,
    baseUrl: options.geminiBaseUrl ?? process.env.PIXELSMITH_GEMINI_BASE_URL,
    onChange: keysChanged,
  });
  const quota = new QuotaManager({ db, secrets, onChange: keysChanged });
  const jobs = new JobEngine({
    db,
    events,
    registry: createOperationRegistry([
      convertOperation,
      createEnhanceOperation(models, sessions, () => 768 * 1024 ** 2),
    ]),
    settings: () => settings.get(),
    resources: defaultResources(),
    ...(options.log && { log: options.log }),
  });
  if ((options.runJobs ?? 'all') === 'all') jobs.start('all');

  const handlers: Handlers = {
    'app.info': async () => ({
      name: 'Pixelsmith',
      version,
      platform: platform(),
      arch: arch(),
      node: process.versions.node,
      shell: options.shell,
      dataDir: options.dataDir,
      dbPath: paths.db,
      schemaVersion: userVersion(db),
      onnxruntime: await onnxRuntimeInfo(),
    }),
    'settings.get': () => settings.get(),
    'settings.set': (patch) => {
      const next = settings.update(patch);
      events.emit('settings.changed', next);
      return next;
    },
    'files.scan': ({ paths: inputs, scanId }) => {
      const s = settings.get();
      return scanPaths(inputs, {
        limits: { maxInputBytes: s.maxInputBytes, maxInputPixels: s.maxInputPixels },
        thumbRefs,
        skipDirNames: new Set([s.outputFolderName]),
        onProgress: (p) => events.emit('files.scanProgress', { scanId: scanId ?? null, ...p }),
      });
    },
    'files.thumbnail': async ({ ref, size }) => {
      const thumb = await thumbnails.get(ref, size);
      return { ...thumb, data: thumb.data.toString('base64') };
    },
    'jobs.create': (req) => jobs.create(req),
    'jobs.list': (input) => jobs.list(input?.status),
    'jobs.get': ({ id, offset, limit, status }) => jobs.get(id, offset, limit, status),
    'jobs.cancel': ({ id }) => jobs.cancel(id),
    'jobs.pause': ({ id }) => jobs.pause(id),
    'jobs.resume': ({ id }) => jobs.resume(id),
    'jobs.retryFailed': ({ id }) => jobs.retryFailed(id),
    'jobs.cancelItem': ({ itemId }) => jobs.cancelItem(itemId),
    'models.list': () => models.list(),
    'models.download': ({ id }) => models.download(id),
    'models.import': ({ path, id, task, scale }) => models.import(path, { id, task, scale }),
    'models.remove': async ({ id }) => ({ removed: await models.remove(id) }),
    'keys.list': () => keys.list(),
    'keys.add': (input) => keys.add(input),
    'keys.test': ({ id }) => keys.test(id),
    'keys.disable': ({ id, reason }) => keys.setDisabled(id, reason ?? 'disabled by you'),
    'keys.enable': ({ id }) => keys.setDisabled(id, null),
    'keys.remove': ({ id }) => ({ removed: keys.remove(id) }),
    'usage.summary': () => ({ rows: quota.summary(), limits: quota.limitsList(), margin: quota.margin }),
    'usage.setLimit': (limit) => quota.setLimit(limit),
  };

  return {
    handlers,
    events,
    settings,
    jobs,
    models,
    keys,
    quota,
    dataDir: options.dataDir,
    db,
    close: async () => {
      await jobs.stop();
      await sessions.release();
      db.close();
    },
  };
}
