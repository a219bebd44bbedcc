import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RpcError } from '../../contract/errors.js';
import type { ModelInfo } from '../../contract/enhance.js';
import type { ModelRow, ModelsRepo } from './modelsRepo.js';
import type { ArchInfo } from './arch/types.js';
import {
  isCheckpointFile,
  UPSCALER_PREFERENCE,
  type CatalogEntry,
  type ModelConvention,
  type ModelTask,
} from './catalog.js';
import { CHECKPOINT_MAX_BYTES } from './checkpoint/limits.js';
import { ConvertedModels } from './converted.js';
import { sha256File } from '../../kernel/hash.js';
import { downloadVerified } from './download.js';
import { inspectModel } from './inspect.js';

/** A model ready to load: an ONNX file (a checkpoint's converted graph). */
export interface InstalledModel {
  id: string;
  task: ModelTask;
  scale: number;
  convention: ModelConvention;
  path: string;
  /** Input height and width must be multiples of this (RRDBNet ×2 / ×1); 1 for most. */
  inputMultiple: number;
}

export interface ModelStoreOptions {
  catalog: CatalogEntry[];
  repo: ModelsRepo;
  /** `<data>/models`: downloads, imports, and converted graphs (`converted/`). */
  dir: string;
  /** PIXELSMITH_MODELS_DIR: a read-only folder of model files, recognised by catalog file name. */
  extraDir?: string | undefined;
  /** `resources/models`: the checkpoints shipped with Pixelsmith (read-only). */
  bundledDir?: string | undefined;
  providerOf?: (path: string) => string | null;
  onDownloadProgress?: (id: string, received: number, total: number | null) => void;
  onConvertProgress?: (id: string, fraction: number) => void;
}

/** The largest model file Pixelsmith takes (GFPGAN, the largest it runs, is 348 MB). */
export const MODEL_MAX_BYTES = CHECKPOINT_MAX_BYTES;
const MODEL_EXTENSIONS = ['.onnx', '.pth', '.safetensors'];

/**
 * Only a regular file of a model type under the size cap: `/dev/zero` would be hashed forever,
 * and a named pipe blocks the thread that opens it.
 */
async function checkModelFile(file: string): Promise<void> {
  const info = await lstatOrNull(file);
  if (info === null) throw new RpcError('FILE_NOT_FOUND', `${file} does not exist.`);
  const real = info.isSymbolicLink() ? await stat(file).catch(() => null) : info;
  if (real === null || !real.isFile()) {
    throw new RpcError(
      'INVALID_INPUT',
      `${file} is not a regular file (a folder, device or pipe); give a model file.`,
    );
  }
  if (!MODEL_EXTENSIONS.includes(extname(file).toLowerCase())) {
    throw new RpcError(
      'INVALID_INPUT',
      `${file} is not a model file Pixelsmith reads (${MODEL_EXTENSIONS.join(', ')}).`,
    );
  }
  if (real.size > MODEL_MAX_BYTES) {
    throw new RpcError(
      'LIMIT_EXCEEDED',
      `${file} is ${(real.size / 1024 ** 3).toFixed(1)} GB, over the 2 GB a model may be.`,
    );
  }
}

const lstatOrNull = (file: string) => lstat(file).catch(() => null);

const formatOf = (file: string): ModelInfo['format'] => {
  const ext = extname(file).toLowerCase();
  return ext === '.pth' ? 'pth' : ext === '.safetensors' ? 'safetensors' : 'onnx';
};

/**
 * How an imported ONNX file is fed: GFPGAN's convention (RGB in [-1, 1]) for face restorers,
 * Real-ESRGAN's (RGB in [0, 1]) for the rest, at the size its graph declares.
 */
function conventionFor(task: ModelTask, inspected: ModelConvention | undefined): ModelConvention | undefined {
  if (!inspected || task !== 'face-restore') return inspected;
  return { ...inspected, range: [-1, 1] };
}

/** What to do about a missing model: only ways that can work (a download only where one exists). */
function howToGet(entry: CatalogEntry | undefined, id: string): string {
  const importHint = `import a .pth or .onnx file of it with \`pixelsmith models import FILE --id ${id}\``;
  return entry && entry.urls.length > 0
    ? `Download it with \`pixelsmith models download ${id}\` (or in Models), or ${importHint}.`
    : `No download exists for it; ${importHint}.`;
}

/** A catalog model's file found in a read-only folder, checked against the catalog. */
interface FolderFile {
  path: string;
  sha256: string | null;
  source: 'folder' | 'bundled';
}

/**
 * Installed and available models: the catalog, files in the read-only models folder and the
 * bundled ones (matched by file name, size and, where the catalog knows it, sha256), and models
 * downloaded or imported into the data folder. Checkpoints (`.pth`, `.safetensors`) are
 * converted to ONNX once, when they are downloaded or imported or first used, and cached by
 * sha256 (`ConvertedModels`).
 */
export class ModelStore {
  private readonly verified = new Map<string, boolean>();
  private readonly converted: ConvertedModels;

  constructor(private readonly o: ModelStoreOptions) {
    this.converted = new ConvertedModels(join(o.dir, 'converted'));
  }

  /** The catalog's file (or a recognised ONNX export of it) in the models folder or bundled. */
  private async folderModel(entry: CatalogEntry): Promise<FolderFile | null> {
    const candidates = [
      { name: entry.fileName, bytes: entry.bytes, sha256: entry.sha256 },
      ...entry.exports.map((e) => ({ name: e.fileName, bytes: e.bytes, sha256: e.sha256 })),
    ];
    const places: [string | undefined, FolderFile['source']][] = [
      [this.o.extraDir, 'folder'],
      [this.o.bundledDir, 'bundled'],
    ];
    for (const [dir, source] of places) {
      if (!dir) continue;
      for (const c of candidates) {
        const path = join(dir, c.name);
        if (existsSync(path) && (await this.matches(path, c.bytes, c.sha256)))
          return { path, sha256: c.sha256, source };
      }
    }
    return null;
  }

  /** Size and sha256 as the catalog says (checked once per file version). */
  private async matches(path: string, bytes: number | null, sha256: string | null): Promise<boolean> {
    const info = statSync(path);
    const key = `${path}|${info.mtimeMs}|${info.size}`;
    if (!this.verified.has(key)) {
      const okSize = bytes === null || info.size === bytes;
      this.verified.set(key, okSize && (sha256 === null || (await sha256File(path)) === sha256));
    }
    return this.verified.get(key) ?? false;
  }

  async list(): Promise<ModelInfo[]> {
    const rows = new Map(this.o.repo.list().map((r) => [r.id, r]));
    const out: ModelInfo[] = [];
    for (const entry of this.o.catalog) {
      const row = rows.get(entry.id);
      rows.delete(entry.id);
      const folder = row ? null : await this.folderModel(entry);
      const path = row?.file ?? folder?.path ?? null;
      const sha256 = row?.sha256 ?? folder?.sha256 ?? entry.sha256;
      out.push({
        id: entry.id,
        name: entry.name,
        task: entry.task,
        scale: entry.scale,
        licence: entry.licence,
        summary: entry.summary,
        notes: entry.notes,
        installed: path !== null,
        path,
        bytes: row?.bytes ?? (folder ? statSync(folder.path).size : entry.bytes),
        sha256,
        // A published sha256 is the catalog's; any other one was recorded here.
        sha256Source: sha256 !== null && sha256 === entry.sha256 ? entry.sha256Source : null,
        format: formatOf(path ?? entry.fileName),
        source: row?.source ?? folder?.source ?? null,
        downloadable: entry.urls.length > 0,
        provider: path ? (this.o.providerOf?.(path) ?? null) : null,
      });
    }
    for (const row of rows.values()) {
      out.push({
        id: row.id,
        name: row.name,
        task: row.task,
        scale: row.scale,
        licence: 'as supplied by you',
        summary: 'A model you imported.',
        notes: 'Imported model; not in the catalog.',
        installed: true,
        path: row.file,
        bytes: row.bytes,
        sha256: row.sha256,
        sha256Source: null,
        format: formatOf(row.file),
        source: row.source,
        downloadable: false,
        provider: this.o.providerOf?.(row.file) ?? null,
      });
    }
    return out;
  }

  /**
   * The ONNX graph of an installed file: itself, or the checkpoint's conversion (made now if it
   * is the first use, with progress; cached by sha256).
   */
  private async graphOf(
    id: string,
    file: string,
    sha256: string | null,
    signal?: AbortSignal,
  ): Promise<{ path: string; info: ArchInfo | null }> {
    if (!isCheckpointFile(file)) return { path: file, info: null };
    const sha = sha256 ?? (await sha256File(file, signal));
    const converted = await this.converted.get(file, sha, {
      signal,
      onProgress: (f) => this.o.onConvertProgress?.(id, f),
    });
    return converted;
  }

  /**
   * Which installed model a job would use: this id, or the best installed model for the task
   * when none is named. Cheap (no conversion): what a job is checked with before it is queued.
   */
  async find(id: string | undefined, task: ModelTask = 'upscale'): Promise<ModelInfo> {
    const all = await this.list();
    if (id === undefined) {
      const installed = all.filter((m) => m.installed && m.task === task);
      const best = [...UPSCALER_PREFERENCE.map((p) => installed.find((m) => m.id === p)), ...installed].find(
        (m) => m !== undefined,
      );
      if (best) return best;
      const suggested = this.o.catalog.find((e) => e.task === task && e.urls.length > 0);
      throw new RpcError(
        'MODEL_MISSING',
        `No ${task} model is installed. ${howToGet(suggested, suggested?.id ?? 'ID')}`,
      );
    }
    const found = all.find((m) => m.id === id);
    if (!found)
      throw new RpcError(
        'MODEL_MISSING',
        `There is no model "${id}". \`pixelsmith models list\` shows them.`,
      );
    if (!found.installed)
      throw new RpcError(
        'MODEL_MISSING',
        `The model "${id}" is not installed. ${howToGet(
          this.o.catalog.find((e) => e.id === id),
          id,
        )}`,
      );
    return found;
  }

  /** The installed model with this id (or the best for the task), its graph ready to load. */
  async resolve(
    id: string | undefined,
    task: ModelTask = 'upscale',
    signal?: AbortSignal,
  ): Promise<InstalledModel> {
    const model = await this.find(id, task);
    const row = this.o.repo.get(model.id);
    const entry = this.o.catalog.find((e) => e.id === model.id);
    const graph = await this.graphOf(model.id, model.path ?? '', model.sha256, signal);
    const convention = row?.convention ?? entry?.input ?? graph.info?.convention;
    if (!convention) throw new RpcError('INTERNAL', `No input convention is known for ${model.id}.`);
    return {
      id: model.id,
      task: model.task,
      scale: model.scale,
      convention,
      path: graph.path,
      inputMultiple: graph.info?.inputMultiple ?? 1,
    };
  }

  /**
   * Downloads a catalog model (resuming a partial download), checks its size and its published
   * sha256 (or records it where none is published), converts a checkpoint, and installs it.
   */
  async download(id: string, signal?: AbortSignal): Promise<ModelInfo> {
    const entry = this.o.catalog.find((e) => e.id === id);
    if (!entry) throw new RpcError('NOT_FOUND', `There is no model "${id}" in the catalog.`);
    if (entry.urls.length === 0 || !entry.bytes) {
      throw new RpcError('INVALID_STATE', `"${id}" has no download source; ${howToGet(undefined, id)}`);
    }
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const target = join(this.o.dir, entry.fileName);
    const sha256 = await downloadVerified({
      urls: entry.urls,
      target,
      sha256: entry.sha256,
      bytes: entry.bytes,
      ...(signal && { signal }),
      onProgress: (received, total) => this.o.onDownloadProgress?.(id, received, total),
    });
    try {
      await this.graphOf(id, target, sha256, signal);
    } catch (error) {
      await rm(target, { force: true });
      throw error;
    }
    this.put(entry, target, entry.bytes, sha256, 'download');
    return this.info(id);
  }

  /**
   * Copies a user's model into the data folder: an ONNX file (what it does and its scale read
   * from the graph) or a PyTorch checkpoint (converted now; the network, task and scale read from
   * its weights). A file whose sha256 the catalog knows becomes that model.
   */
  async import(
    file: string,
    given: { id?: string | undefined; task?: ModelTask | undefined; scale?: number | undefined },
    signal?: AbortSignal,
  ): Promise<ModelInfo> {
    await checkModelFile(file);
    const sha = await sha256File(file, signal);
    const known = this.o.catalog.find((e) => e.sha256 === sha || e.exports.some((x) => x.sha256 === sha));
    const checkpoint = isCheckpointFile(file);
    const id =
      given.id ??
      known?.id ??
      file
        .split(/[/\\]/)
        .pop()!
        .replace(/\.(onnx|pth|safetensors)$/i, '')
        .replace(/[^A-Za-z0-9._-]/g, '-');
    let facts: {
      task: ModelTask | undefined;
      scale: number | null | undefined;
      convention?: ModelConvention;
    };
    if (checkpoint) {
      // Converting first refuses a file that is not a network Pixelsmith can run, before copying.
      const { info } = await this.converted.get(file, sha, {
        signal,
        onProgress: (f) => this.o.onConvertProgress?.(id, f),
      });
      facts = { task: info.task, scale: info.scale, convention: info.convention };
    } else {
      const inspected = await inspectModel(file);
      facts = {
        task: inspected.outputs > 1 ? 'face-detect' : undefined,
        scale: inspected.scale,
        convention: {
          layout: 'NCHW',
          channels: 'RGB',
          range: [0, 1],
          mean: [0, 0, 0],
          std: [1, 1, 1],
          size: inspected.fixedSize ?? 'dynamic',
        },
      };
    }
    const measured = given.scale ?? known?.scale ?? facts.scale;
    const task =
      given.task ?? known?.task ?? facts.task ?? (measured && measured > 1 ? 'upscale' : undefined);
    // Face models work at one size: a restorer gives back the face it is given, a detector boxes.
    const scale = measured ?? (task === 'face-restore' || task === 'face-detect' ? 1 : undefined);
    if (!task)
      throw new RpcError(
        'INVALID_INPUT',
        `Could not tell what ${file} does; pass --task upscale|face-restore|face-detect.`,
      );
    if (!scale)
      throw new RpcError(
        'INVALID_INPUT',
        `Could not tell the scale of ${file} (fixed input size); pass --scale N.`,
      );
    const entry = this.o.catalog.find((e) => e.id === id);
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const target = join(this.o.dir, `${id}${extname(file).toLowerCase()}`);
    const tmp = `${target}.${process.pid}.import.tmp`;
    try {
      await pipeline(createReadStream(file, { signal }), createWriteStream(tmp, { mode: 0o600 }));
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
    const convention = known?.input ?? entry?.input ?? conventionFor(task, facts.convention);
    if (!convention) throw new RpcError('INTERNAL', `No input convention for ${file}.`);
    this.put(
      { id, name: entry?.name ?? id, task, scale, input: convention },
      target,
      statSync(target).size,
      sha,
      'import',
    );
    return this.info(id);
  }

  async remove(id: string): Promise<boolean> {
    const row = this.o.repo.get(id);
    if (!row) {
      const entry = this.o.catalog.find((e) => e.id === id);
      const folder = entry ? await this.folderModel(entry) : null;
      if (folder?.source === 'folder')
        throw new RpcError(
          'INVALID_STATE',
          `"${id}" lives in the read-only models folder ${this.o.extraDir}; remove the file there.`,
        );
      if (folder?.source === 'bundled')
        throw new RpcError('INVALID_STATE', `"${id}" comes with Pixelsmith; it cannot be removed.`);
      throw new RpcError('NOT_FOUND', `"${id}" is not installed.`);
    }
    await rm(row.file, { force: true });
    return this.o.repo.remove(id);
  }

  private put(
    e: Pick<CatalogEntry, 'id' | 'name' | 'task' | 'scale' | 'input'>,
    file: string,
    bytes: number,
    sha256: string,
    source: ModelRow['source'],
  ): void {
    this.o.repo.put({
      id: e.id,
      name: e.name,
      task: e.task,
      scale: e.scale,
      convention: e.input,
      file,
      bytes,
      sha256,
      source,
      installedAt: Date.now(),
    });
  }

  private async info(id: string): Promise<ModelInfo> {
    const info = (await this.list()).find((m) => m.id === id);
    if (!info) throw new RpcError('INTERNAL', `Model ${id} vanished after installing.`);
    return info;
  }
}
