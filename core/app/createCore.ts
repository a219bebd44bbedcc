import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { composeContract, type Contract } from '../contract/compose.js';
import type { AnyHandler, Router } from '../contract/dispatch.js';
import { openDb } from '../db/openDb.js';
import { createSettingsRepo } from '../db/settingsRepo.js';
import { FileSecretBox, type SecretBox } from '../features/keys/secretBox.js';
import type { FeatureModule, ModuleContext, ModuleInstance, Services } from '../features/module.js';
import { JobEngine } from '../jobs/engine.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import { createEventBus, type EventBus } from '../kernel/events.js';
import { dataPaths, shownPathOf } from '../kernel/paths.js';
import { readPackageJson } from '../kernel/version.js';
import { migrationsOf, SHIPPED_MODULES } from './modules.js';

export type { SecretBox } from '../features/keys/secretBox.js';

/**
 * The file-based secret box for a data folder, for a shell whose own store is unusable (Electron
 * on Linux with only the basic_text backend); `notice` says why, in About.
 */
export function fileSecretBox(dataDir: string, notice: string): SecretBox {
  return new FileSecretBox(dataPaths(dataDir).secretKey, notice);
}

export interface CoreOptions {
  dataDir: string;
  shell: ModuleContext['env']['shell'];
  /** Defaults to package.json's version; Electron passes `app.getVersion()`. */
  version?: string;
  /**
   * `all`: this process runs every job (desktop app, server), recovering interrupted ones first.
   * `own`: it runs only the jobs created or resumed through it (the CLI).
   */
  runJobs?: 'all' | 'own';
  log?: (line: string) => void;
  /** Folder holding `models/catalog.json`; default: the app's `resources/`. */
  resourcesDir?: string;
  /** A read-only folder of model files (default: PIXELSMITH_MODELS_DIR). */
  modelsDir?: string | undefined;
  /** Folders a browser may choose output folders from (see `CoreEnvironment.folderRoots`). */
  folderRoots?: readonly string[] | undefined;
  /** Gemini API base URL; default Google's (PIXELSMITH_GEMINI_BASE_URL overrides, for tests). */
  geminiBaseUrl?: string | undefined;
  /** Services a shell provides (Electron: `secrets` through the OS keychain). */
  services?: Partial<Services>;
  /** The features to run; default every shipped one. Tests add modules of their own. */
  modules?: readonly FeatureModule[];
  /** Folders no job may write into besides the data folder and the app's resources (the server's static files). */
  protectedDirs?: readonly string[];
  /** Machine resources; default `cpu`: cores − 1, `gpu`: 1. */
  resources?: Readonly<Record<string, number>>;
  clock?: Clock;
}

/** What a shell gets: the methods it may call, their handlers, the events, and close. */
export interface Core extends Router {
  contract: Contract;
  events: EventBus;
  /** Interrupts running items (they resume next start), closes every module, then the database. */
  close(): Promise<void>;
}

/** CPU work leaves one core to the UI and the OS; the GPU runs one model at a time. */
export function defaultResources(): Record<string, number> {
  return { cpu: Math.max(1, availableParallelism() - 1), gpu: 1 };
}

/** Every method has exactly one handler, and every handler a method: checked once, at startup. */
function collectHandlers(contract: Contract, instances: readonly [string, ModuleInstance][]) {
  const handlers: Record<string, AnyHandler> = {};
  for (const [name, instance] of instances) {
    for (const [method, handler] of Object.entries(instance.handlers)) {
      if (!Object.prototype.hasOwnProperty.call(contract.methods, method)) {
        throw new Error(`Module "${name}" handles "${method}", which no contract slice defines`);
      }
      if (handlers[method]) throw new Error(`"${method}" is handled by two modules`);
      handlers[method] = handler;
    }
  }
  const missing = Object.keys(contract.methods).filter((m) => !handlers[m]);
  if (missing.length > 0) throw new Error(`No module handles ${missing.join(', ')}`);
  return handlers;
}

/**
 * Composes the core from feature modules: opens the database with every module's migrations,
 * sets each module up in order (handing it the engine, the events and earlier modules'
 * services), registers their job operations and resources, and checks that the composed
 * contract is fully handled. Knows no feature by name.
 */
export function createCore(options: CoreOptions): Core {
  const modules = options.modules ?? SHIPPED_MODULES;
  const pkg = readPackageJson();
  const paths = dataPaths(options.dataDir);
  const log = options.log ?? (() => undefined);
  const clock = options.clock ?? systemClock;
  const contract: Contract = composeContract(modules.map((m) => m.contract));
  const db = openDb(paths.db, { migrations: migrationsOf(modules) });
  const events = createEventBus((error) => log(`event listener failed: ${String(error)}`));
  const settings = createSettingsRepo(db);
  const machine = options.resources ?? defaultResources();
  const resourcesDir = options.resourcesDir ?? join(pkg.root, 'resources');
  const jobs = new JobEngine({
    db,
    events,
    settings: () => settings.get(),
    resources: Object.entries(machine).map(([name, concurrency]) => ({ name, concurrency })),
    runs: options.runJobs ?? 'all',
    protectedDirs: [options.dataDir, resourcesDir, ...(options.protectedDirs ?? [])],
    clock,
    log,
    showPath: (path) => shownPathOf(path, paths.imports),
  });
  const services: Partial<Services> = { ...options.services };
  const env: ModuleContext['env'] = {
    dataDir: options.dataDir,
    shell: options.shell,
    version: options.version ?? pkg.version,
    resourcesDir,
    modelsDir: options.modelsDir ?? process.env.PIXELSMITH_MODELS_DIR,
    geminiBaseUrl: options.geminiBaseUrl ?? process.env.PIXELSMITH_GEMINI_BASE_URL,
    folderRoots: options.folderRoots,
  };
  const context: ModuleContext = {
    env,
    paths,
    db,
    events,
    settings,
    clock,
    jobs,
    log,
    services,
    service(name) {
      const found = services[name];
      if (found === undefined) throw new Error(`No module set up so far offers the "${name}" service`);
      return found;
    },
  };

  const instances: [string, ModuleInstance][] = [];
  try {
    for (const module of modules) {
      const instance = module.setup(context);
      instances.push([module.name, instance]);
      Object.assign(services, instance.services);
      for (const op of instance.operations ?? []) {
        if (!Object.prototype.hasOwnProperty.call(contract.jobKinds, op.kind)) {
          throw new Error(
            `Module "${module.name}" runs job kind "${op.kind}", which no contract slice defines`,
          );
        }
        jobs.operations.register(op);
      }
      for (const spec of instance.resources ?? []) jobs.resources.register(spec);
    }
    const unrun = Object.keys(contract.jobKinds).filter((kind) => !jobs.operations.find(kind));
    if (unrun.length > 0) throw new Error(`No module runs job kind ${unrun.join(', ')}`);
    const handlers = collectHandlers(contract, instances);
    jobs.start();
    return {
      contract,
      methods: contract.methods,
      handlers,
      events,
      close: async () => {
        await jobs.stop();
        for (const [, instance] of [...instances].reverse()) await instance.close?.();
        db.close();
      },
    };
  } catch (error) {
    for (const [, instance] of instances.reverse())
      void Promise.resolve(instance.close?.()).catch(() => undefined);
    db.close();
    throw error;
  }
}
