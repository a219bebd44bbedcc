import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RpcError } from '../../contract/errors.js';
import type { ModelInfo } from '../../contract/enhance.js';
import type { ModelRow, ModelsRepo } from './modelsRepo.js';
import { UPSCALER_PREFERENCE, type CatalogEntry, type ModelConvention, type ModelTask } from './catalog.js';
import { sha256File } from '../../kernel/hash.js';
import { downloadVerified } from './download.js';
import { inspectModel } from './inspect.js';

/** A model ready to load. */
export interface InstalledModel {
  id: string;
  task: ModelTask;
  scale: number;
  convention: ModelConvention;
  path: string;
}

export interface ModelStoreOptions {
  catalog: CatalogEntry[];
  repo: ModelsRepo;
  /** `<data>/models`: downloads and imports. */
  dir: string;
  /** PIXELSMITH_MODELS_DIR: a read-only folder of model files, recognised by catalog file name. */
  extraDir?: string | undefined;
  providerOf?: (path: string) => string | null;
  onDownloadProgress?: (id: string, received: number, total: number | null) => void;
}

/** The largest model file Pixelsmith takes (GFPGAN, the largest it runs, is 348 MB). */
export const MODEL_MAX_BYTES = 2 * 1024 ** 3;
const MODEL_EXTENSIONS = ['.onnx'];

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

const HOW_TO_GET = (id: string) =>
  `Download it with \`pixelsmith models download ${id}\` (or in Models), or import an ONNX file you have with \`pixelsmith models import FILE.onnx --id ${id}\`.`;

/**
 * Installed and available models: the catalog, files in the read-only models folder (matched by
 * file name and, where the catalog knows it, sha256 and size), and models downloaded or imported
 * into the data folder.
 */
export class ModelStore {
  private readonly verified = new Map<string, boolean>();

  constructor(private readonly o: ModelStoreOptions) {}

  private folderFile(entry: CatalogEntry): string | null {
    if (!this.o.extraDir) return null;
    const path = join(this.o.extraDir, entry.fileName);
    return existsSync(path) ? path : null;
  }

  /** A folder file counts only if it is the catalog's file (size and sha256, checked once). */
  private async folderModel(entry: CatalogEntry): Promise<string | null> {
    const path = this.folderFile(entry);
    if (!path) return null;
    const key = `${path}|${statSync(path).mtimeMs}`;
    if (!this.verified.has(key)) {
      const okSize = entry.bytes === null || statSync(path).size === entry.bytes;
      this.verified.set(key, okSize && (entry.sha256 === null || (await sha256File(path)) === entry.sha256));
    }
    return this.verified.get(key) ? path : null;
  }

  async list(): Promise<ModelInfo[]> {
    const rows = new Map(this.o.repo.list().map((r) => [r.id, r]));
    const out: ModelInfo[] = [];
    for (const entry of this.o.catalog) {
      const row = rows.get(entry.id);
      rows.delete(entry.id);
      const folder = row ? null : await this.folderModel(entry);
      const path = row?.file ?? folder;
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
        bytes: row?.bytes ?? (folder ? statSync(folder).size : entry.bytes),
        sha256: row?.sha256 ?? entry.sha256,
        source: row?.source ?? (folder ? 'folder' : null),
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
        source: row.source,
        downloadable: false,
        provider: this.o.providerOf?.(row.file) ?? null,
      });
    }
    return out;
  }

  /** The installed model with this id, or the best installed upscaler when none is named. */
  async resolve(id: string | undefined, task: ModelTask = 'upscale'): Promise<InstalledModel> {
    if (id === undefined) {
      const installed = (await this.list()).filter((m) => m.installed && m.task === task);
      const best = [...UPSCALER_PREFERENCE.map((p) => installed.find((m) => m.id === p)), ...installed].find(
        (m) => m !== undefined,
      );
      if (!best)
        throw new RpcError(
          'MODEL_MISSING',
          `No ${task} model is installed. ${HOW_TO_GET(UPSCALER_PREFERENCE[0] ?? 'ID')}`,
        );
      return this.resolve(best.id, task);
    }
    const row = this.o.repo.get(id);
    if (row) return { id, task: row.task, scale: row.scale, convention: row.convention, path: row.file };
    const entry = this.o.catalog.find((e) => e.id === id);
    if (!entry)
      throw new RpcError(
        'MODEL_MISSING',
        `There is no model "${id}". \`pixelsmith models list\` shows them.`,
      );
    const path = await this.folderModel(entry);
    if (!path) throw new RpcError('MODEL_MISSING', `The model "${id}" is not installed. ${HOW_TO_GET(id)}`);
    return { id, task: entry.task, scale: entry.scale, convention: entry.input, path };
  }

  /** Downloads a catalog model (resuming a partial download), verifies its sha256, installs it. */
  async download(id: string, signal?: AbortSignal): Promise<ModelInfo> {
    const entry = this.o.catalog.find((e) => e.id === id);
    if (!entry) throw new RpcError('NOT_FOUND', `There is no model "${id}" in the catalog.`);
    if (entry.urls.length === 0 || !entry.sha256 || !entry.bytes) {
      throw new RpcError(
        'INVALID_STATE',
        `"${id}" has no verified download source yet; import an ONNX file instead. ${entry.notes}`,
      );
    }
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const target = join(this.o.dir, entry.fileName);
    await downloadVerified({
      urls: entry.urls,
      target,
      sha256: entry.sha256,
      bytes: entry.bytes,
      ...(signal && { signal }),
      onProgress: (received, total) => this.o.onDownloadProgress?.(id, received, total),
    });
    this.put(entry, target, entry.bytes, entry.sha256, 'download');
    return this.info(id);
  }

  /** Copies a user's .onnx into the data folder, reading what it can from the model itself. */
  async import(
    file: string,
    given: { id?: string | undefined; task?: ModelTask | undefined; scale?: number | undefined },
    signal?: AbortSignal,
  ): Promise<ModelInfo> {
    await checkModelFile(file);
    const sha = await sha256File(file, signal);
    const known = this.o.catalog.find((e) => e.sha256 === sha);
    const facts = await inspectModel(file);
    const scale = given.scale ?? known?.scale ?? facts.scale;
    const task =
      given.task ??
      known?.task ??
      (facts.outputs > 1 ? 'face-detect' : scale && scale > 1 ? 'upscale' : undefined);
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
    const id =
      given.id ??
      known?.id ??
      file
        .split(/[/\\]/)
        .pop()!
        .replace(/\.onnx$/i, '')
        .replace(/[^A-Za-z0-9._-]/g, '-');
    const entry = this.o.catalog.find((e) => e.id === id);
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const target = join(this.o.dir, `${id}.onnx`);
    const tmp = `${target}.${process.pid}.import.tmp`;
    try {
      await pipeline(createReadStream(file, { signal }), createWriteStream(tmp, { mode: 0o600 }));
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
    const convention = known?.input ??
      entry?.input ?? {
        layout: 'NCHW',
        channels: 'RGB',
        range: [0, 1],
        mean: [0, 0, 0],
        std: [1, 1, 1],
        size: facts.fixedSize ?? 'dynamic',
      };
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
      if (entry && this.folderFile(entry))
        throw new RpcError(
          'INVALID_STATE',
          `"${id}" lives in the read-only models folder ${this.o.extraDir}; remove the file there.`,
        );
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
