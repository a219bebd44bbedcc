import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { TileRunner } from './upscale.js';

export type Provider = 'cuda' | 'dml' | 'coreml' | 'cpu';

export interface LoadedSession {
  session: InferenceSession;
  /** The execution provider the session was created with (first choice that loaded). */
  provider: Provider;
  inputName: string;
  outputName: string;
  /** Providers tried first that could not load, with why ("cuda: libcudart.so.12 not found"). */
  fallbacks: string[];
}

const require = createRequire(import.meta.url);

/** Whether this install has the CUDA provider library (`--onnxruntime-node-install=cuda12`). */
function cudaInstalled(): boolean {
  try {
    const binding = dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = join(binding, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(
      join(
        dir,
        process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so',
      ),
    );
  } catch {
    return false;
  }
}

/** Providers to try, best first; only those that can exist here (trying CUDA without it logs noise). */
export function providerOrder(platform: NodeJS.Platform = process.platform): Provider[] {
  const order: Provider[] = [];
  if ((platform === 'linux' || platform === 'win32') && cudaInstalled()) order.push('cuda');
  if (platform === 'win32') order.push('dml');
  if (platform === 'darwin') order.push('coreml');
  order.push('cpu');
  return order;
}

/** Sessions kept loaded at once (each holds its weights and arena); the least recently used goes. */
const MAX_SESSIONS = 3;

/**
 * Cached ONNX Runtime sessions, one per model file and thread count (a changed thread setting
 * releases the model's old session), at most MAX_SESSIONS. Creation walks the provider
 * order and falls back when a provider cannot load; the provider used is reported.
 */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<LoadedSession>>();
  private readonly providers = new Map<string, Provider>();
  private readonly speeds = new WeakMap<LoadedSession, Promise<number>>();

  constructor(private readonly threads: () => number) {}

  get(modelPath: string): Promise<LoadedSession> {
    const threads = this.threads();
    const key = `${modelPath}|${threads}`;
    let loaded = this.sessions.get(key);
    if (loaded) {
      // Most recently used last, so eviction takes the one unused longest.
      this.sessions.delete(key);
      this.sessions.set(key, loaded);
      return loaded;
    }
    // A session of this model with another thread count is stale now: release it.
    for (const other of [...this.sessions.keys()]) if (other.startsWith(`${modelPath}|`)) this.evict(other);
    while (this.sessions.size >= MAX_SESSIONS) this.evict(this.sessions.keys().next().value as string);
    loaded = this.create(modelPath, threads);
    loaded.then(
      (l) => this.providers.set(modelPath, l.provider),
      () => this.sessions.delete(key),
    );
    this.sessions.set(key, loaded);
    return loaded;
  }

  /** Sessions held now (for tests and diagnostics). */
  get size(): number {
    return this.sessions.size;
  }

  private evict(key: string): void {
    const session = this.sessions.get(key);
    this.sessions.delete(key);
    // The models resource runs one item at a time, so an evicted session has no run in flight.
    void session?.then(
      (l) => l.session.release(),
      () => undefined,
    );
  }

  /**
   * How long this model takes per input pixel on this machine and provider: one small tile
   * run twice (the first warms the session), cached per session. What estimates before an
   * upscale stand on.
   */
  msPerPixel(loaded: LoadedSession): Promise<number> {
    let speed = this.speeds.get(loaded);
    if (!speed) {
      speed = (async () => {
        const side = 64;
        const runner = sessionRunner(loaded);
        const input = new Float32Array(3 * side * side).fill(0.5);
        await runner.run(input, side, side);
        const t0 = performance.now();
        await runner.run(input, side, side);
        return (performance.now() - t0) / (side * side);
      })();
      this.speeds.set(loaded, speed);
    }
    return speed;
  }

  /** The provider a model's session loaded with, or null before it has been loaded. */
  providerOf(modelPath: string): Provider | null {
    return this.providers.get(modelPath) ?? null;
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s.catch(() => null))?.session.release();
  }

  private async create(modelPath: string, threads: number): Promise<LoadedSession> {
    const ort = await import('onnxruntime-node');
    const errors: string[] = [];
    for (const provider of providerOrder()) {
      try {
        const session = await ort.InferenceSession.create(modelPath, {
          executionProviders: [provider],
          graphOptimizationLevel: 'all',
          // Errors only: YuNet declares 640×640 output shapes and warns at every other size.
          logSeverityLevel: 3,
          // Memory patterns (ORT's default, planned and kept per input shape) make inference about
          // 4 % faster at 3000×2000 and cost ~170 MB of arena with 520 px tiles; they fit the
          // ≤ 900 MB target because large outputs spill to disk instead of a 288 MB canvas.
          enableMemPattern: true,
          ...(threads > 0 && { intraOpNumThreads: threads }),
        });
        const inputName = session.inputNames[0];
        const outputName = session.outputNames[0];
        if (!inputName || !outputName) throw new Error('the model has no input or output');
        return { session, provider, inputName, outputName, fallbacks: [...errors] };
      } catch (error) {
        errors.push(`${provider}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    throw new Error(`Could not load ${modelPath} with any execution provider (${errors.join('; ')})`);
  }
}

/** A TileRunner over a loaded session; `timing` accumulates the bare session.run time. */
export function sessionRunner(loaded: LoadedSession, timing?: { runMs: number }): TileRunner {
  return {
    async run(input, height, width) {
      const { Tensor } = await import('onnxruntime-node');
      const t0 = performance.now();
      const result = await loaded.session.run({
        [loaded.inputName]: new Tensor('float32', input, [1, 3, height, width]),
      });
      if (timing) timing.runMs += performance.now() - t0;
      const out = result[loaded.outputName];
      if (!out) throw new Error(`the model produced no "${loaded.outputName}" output`);
      return out.data as Float32Array;
    },
  };
}
