import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { RpcError } from '../../contract/errors.js';
import { writeFileAtomic } from '../../kernel/atomicWrite.js';
import { convertToOnnx } from './arch/detect.js';
import type { ArchInfo } from './arch/types.js';
import { conventionSchema, MODEL_TASKS } from './catalog.js';
import { readCheckpoint } from './checkpoint/read.js';

/** A checkpoint converted to ONNX: the graph and what detection read from the weights. */
export interface ConvertedModel {
  path: string;
  info: ArchInfo;
}

export interface ConvertOptions {
  signal?: AbortSignal | undefined;
  /** 0..1 over reading the checkpoint, building the graph and writing it. */
  onProgress?: ((fraction: number) => void) | undefined;
}

const infoSchema = z.object({
  arch: z.string(),
  task: z.enum(MODEL_TASKS),
  scale: z.number().int().positive(),
  params: z.record(z.string(), z.number()),
  convention: conventionSchema,
  inputMultiple: z.number().int().positive(),
});

/** Version of the graphs we build: a new one converts every checkpoint again. */
const GRAPH_VERSION = 1;

/**
 * PyTorch checkpoints (`.pth`, `.safetensors`) converted once into ONNX graphs, cached in `dir`
 * by the checkpoint's sha256 (`<sha256>.v1.onnx` with `<sha256>.v1.json` beside it), so the same
 * weights never convert twice, whatever the file is called or wherever it lies. The json is
 * written last: a graph without one is an interrupted conversion and is made again.
 */
export class ConvertedModels {
  private readonly running = new Map<string, Promise<ConvertedModel>>();

  constructor(private readonly dir: string) {}

  /** The cached conversion of the checkpoint with this sha256, or null before its first use. */
  cached(sha256: string): ConvertedModel | null {
    const { graph, meta } = this.files(sha256);
    if (!existsSync(graph) || !existsSync(meta)) return null;
    const parsed = infoSchema.safeParse(JSON.parse(readFileSync(meta, 'utf8')));
    return parsed.success ? { path: graph, info: parsed.data } : null;
  }

  /** Converts `checkpoint` (whose sha256 the caller has checked) unless it already is. */
  get(checkpoint: string, sha256: string, options: ConvertOptions = {}): Promise<ConvertedModel> {
    const done = this.cached(sha256);
    if (done) return Promise.resolve(done);
    let running = this.running.get(sha256);
    if (!running) {
      running = this.convert(checkpoint, sha256, options).finally(() => this.running.delete(sha256));
      this.running.set(sha256, running);
    }
    return running;
  }

  private files(sha256: string): { graph: string; meta: string } {
    const base = join(this.dir, `${sha256}.v${GRAPH_VERSION}`);
    return { graph: `${base}.onnx`, meta: `${base}.json` };
  }

  private async convert(
    checkpoint: string,
    sha256: string,
    options: ConvertOptions,
  ): Promise<ConvertedModel> {
    const progress = options.onProgress ?? (() => undefined);
    const weights = await readCheckpoint(checkpoint, {
      ...(options.signal && { signal: options.signal }),
      onProgress: (f) => progress(0.7 * f),
    });
    options.signal?.throwIfAborted();
    let converted: { info: ArchInfo; bytes: Uint8Array };
    try {
      converted = convertToOnnx(weights);
    } catch (error) {
      if (error instanceof RpcError) throw new RpcError(error.code, `${checkpoint}: ${error.message}`);
      throw error;
    }
    progress(0.9);
    options.signal?.throwIfAborted();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const { graph, meta } = this.files(sha256);
    await writeFileAtomic(graph, converted.bytes);
    await writeFileAtomic(meta, Buffer.from(JSON.stringify(converted.info, null, 2)));
    progress(1);
    return { path: graph, info: converted.info };
  }
}
