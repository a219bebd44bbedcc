import type { Database } from 'better-sqlite3';
import type { Command } from 'commander';
import type { AppInfo } from '../contract/schemas.js';
import type { ContractSlice } from '../contract/define.js';
import type { AnyHandler, Handlers } from '../contract/dispatch.js';
import type { Migration } from '../db/migration.js';
import type { SettingsRepo } from '../db/settingsRepo.js';
import type { JobEngine } from '../jobs/engine.js';
import type { ResourceSpec } from '../jobs/resources.js';
import type { AnyOperation } from '../jobs/types.js';
import type { CliContext } from '../kernel/cli/context.js';
import type { Clock } from '../kernel/clock.js';
import type { EventBus } from '../kernel/events.js';
import type { dataPaths } from '../kernel/paths.js';

/**
 * Services one module offers the others, by name. Each feature adds its own entries with
 * declaration merging (`declare module '../module.js' { interface Services { … } }`), so a
 * consumer gets the type without importing the provider's setup.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Services {}

/** Facts about this run that modules may need; the app fills them in. */
export interface CoreEnvironment {
  dataDir: string;
  shell: AppInfo['shell'];
  version: string;
  /** Folder holding `models/catalog.json` (the app's `resources/`). */
  resourcesDir: string;
  /** A read-only folder of model files (PIXELSMITH_MODELS_DIR). */
  modelsDir?: string | undefined;
  /**
   * Folders a browser may choose an output folder from (`serve --root`); default the home
   * folder. The desktop app uses the system's own folder picker instead.
   */
  folderRoots?: readonly string[] | undefined;
  /** Gemini API base URL (PIXELSMITH_GEMINI_BASE_URL; tests point it at the fake). */
  geminiBaseUrl?: string | undefined;
}

/** What a module gets when it is set up: the shared machinery, never another module's insides. */
export interface ModuleContext {
  env: CoreEnvironment;
  paths: ReturnType<typeof dataPaths>;
  db: Database;
  events: EventBus;
  settings: SettingsRepo;
  clock: Clock;
  /** The job engine: create jobs, register resources, wake parked items. */
  jobs: JobEngine;
  log(line: string): void;
  /** Services offered so far: by the shell, and by the modules set up before this one. */
  services: Readonly<Partial<Services>>;
  /** A service that a module listed earlier offered; throws a clear error when none did. */
  service<K extends keyof Services>(name: K): Services[K];
}

/** What a set-up module contributes to the running core. */
export interface ModuleInstance {
  /** One handler per method of the module's slice (checked when the core is composed). */
  handlers: Partial<Handlers> & Readonly<Record<string, AnyHandler>>;
  /** Job kinds this module runs, one per job kind of its slice. */
  operations?: readonly AnyOperation[];
  /** Resources its operations need (e.g. `gpu`, `gemini:<model>`), with their concurrency. */
  resources?: readonly ResourceSpec[];
  /** Services for modules set up after this one. */
  services?: Partial<Services>;
  /** Releases what `setup` took (sessions, timers); the database closes after every module's. */
  close?(): Promise<void> | void;
}

/**
 * One feature of Pixelsmith, as a folder that plugs in: its slice of the contract, the handlers
 * and job operations behind it, its CLI commands and the migrations of the tables it owns.
 * `createCore` composes a list of these; no shell knows any feature by name.
 */
export interface FeatureModule {
  name: string;
  contract: ContractSlice;
  /** Migrations of the tables this module owns; versions are unique across all modules. */
  migrations?: readonly Migration[];
  setup(ctx: ModuleContext): ModuleInstance;
  /** Adds this module's commands; they reach core only through `cli.open()`'s typed client. */
  cli?(program: Command, cli: CliContext): void;
}

/** Declares a module (an identity function that checks the shape). */
export function defineModule(module: FeatureModule): FeatureModule {
  return module;
}
