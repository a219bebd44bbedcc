import { stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { summarizeIssues } from '../contract/define.js';
import { RpcError } from '../contract/errors.js';
import type { Settings } from '../contract/schemas.js';
import { operationHash } from '../kernel/hash.js';
import { isInside, realPathOf } from '../kernel/paths.js';
import { listInputs, type ListedInputs } from './inputs.js';
import { checkTemplate, DEFAULT_TEMPLATE, planOutputs } from './naming.js';
import type { OutputOwnership } from './ownership.js';
import type { AnyOperation } from './types.js';

export interface CreateJobRequest {
  kind: string;
  options: unknown;
  /** Files and folders, every photo under them an input; or `files`. */
  paths?: string[] | undefined;
  /** Exactly these photos, where each sits in the mirrored tree, with its size when known. */
  files?: { path: string; relDir: string; pixels?: number | undefined }[] | undefined;
  outDir?: string | undefined;
  template?: string | undefined;
  suffix?: string | undefined;
  /** Replace existing files at the output paths; default: the overwriteOutputs setting. */
  overwrite?: boolean | undefined;
  priority: 'interactive' | 'background';
}

/** A job ready to store: its options parsed, its inputs listed, every output path decided. */
export interface JobPlan {
  options: Record<string, unknown>;
  outDir: string | null;
  overwrite: boolean;
  resource: string;
  listed: ListedInputs;
  outputs: (string | null)[];
  /** The folder the inputs share (or the one input). */
  source: string | null;
}

export interface PlanDeps {
  settings: Settings;
  ownership: OutputOwnership;
  /** Folders no output may land in (the data folder, the app's own files). */
  protectedDirs: readonly string[];
  signal: AbortSignal;
}

/** Paths a job was given that do not exist: refused before anything is stored. */
/** FILE_NOT_FOUND naming every given path that does not exist, and what that means (`nothing was queued`). */
export async function refuseMissing(paths: readonly string[], consequence: string): Promise<void> {
  const missing = await missingPaths(paths);
  if (missing.length === 0) return;
  const what =
    missing.length === 1 ? `${missing[0]} does not exist` : `These do not exist: ${missing.join(', ')}`;
  throw new RpcError('FILE_NOT_FOUND', `${what}; ${consequence}.`, { paths: missing });
}

async function missingPaths(paths: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const path of paths) {
    try {
      await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') missing.push(path);
    }
  }
  return missing;
}

/** The deepest folder holding every path (the path itself when there is one). */
export function commonSource(paths: readonly string[]): string | null {
  const [first, ...rest] = paths;
  if (first === undefined) return null;
  if (rest.length === 0) return first;
  let parts = dirname(first).split(sep);
  for (const p of rest) {
    const other = dirname(p).split(sep);
    let n = 0;
    while (n < parts.length && n < other.length && parts[n] === other[n]) n += 1;
    parts = parts.slice(0, n);
  }
  return parts.join(sep) || sep;
}

/** The selection as listed inputs: each photo once, in the order given. */
function selectionOf(files: NonNullable<CreateJobRequest['files']>): ListedInputs {
  const seen = new Set<string>();
  const out: ListedInputs = { files: [], errors: [], notPhotos: [] };
  for (const f of files) {
    const path = resolve(f.path);
    if (seen.has(path)) continue;
    seen.add(path);
    out.files.push({ path, relDir: f.relDir, pixels: f.pixels });
  }
  return out;
}

/** Refuses a job that would write into a folder Pixelsmith itself owns. */
function refuseProtected(outputs: readonly (string | null)[], protectedDirs: readonly string[]): void {
  const roots = protectedDirs.map(realPathOf);
  for (const folder of new Set(outputs.flatMap((o) => (o ? [dirname(o)] : [])))) {
    const root = roots.find((r) => isInside(realPathOf(folder), r));
    if (root !== undefined) {
      throw new RpcError(
        'FORBIDDEN',
        `Outputs would be written into ${folder}, inside ${root}, which belongs to Pixelsmith itself; choose another output folder.`,
      );
    }
  }
}

/**
 * Everything `jobs.create` decides before storing a job, refusing what a user can fix first: an
 * unknown kind or invalid options (INVALID_INPUT), paths that do not exist (FILE_NOT_FOUND),
 * whatever the operation's own check refuses (a missing model: MODEL_MISSING), and outputs that
 * would land in Pixelsmith's own folders (FORBIDDEN). Output names say what was done (the
 * operation's suffix, e.g. `_x2`) and never take a file that is not Pixelsmith's to replace.
 */
export async function planJob(req: CreateJobRequest, op: AnyOperation, deps: PlanDeps): Promise<JobPlan> {
  const parsed = op.optionsSchema.safeParse(req.options ?? {});
  if (!parsed.success) {
    throw new RpcError(
      'INVALID_INPUT',
      `Invalid ${req.kind} options: ${summarizeIssues(parsed.error.issues)}`,
    );
  }
  let options = parsed.data as Record<string, unknown>;
  const template = req.template ?? DEFAULT_TEMPLATE;
  const suffix = req.suffix ?? op.nameSuffix?.(options) ?? '';
  checkTemplate(template, suffix);
  if ((req.paths === undefined) === (req.files === undefined)) {
    throw new RpcError(
      'INVALID_INPUT',
      'Give either paths (files and folders) or files (photos), not both or neither.',
    );
  }
  const given = req.paths ?? (req.files ?? []).map((f) => f.path);
  await refuseMissing(given, 'nothing was queued');
  await op.check?.(options, { signal: deps.signal });
  if (op.prepare) options = (await op.prepare(options, { signal: deps.signal })) as Record<string, unknown>;
  const outDir = req.outDir ? resolve(req.outDir) : null;
  // The output folder and everything under it is never input, whatever its name.
  const listed = req.files
    ? selectionOf(req.files)
    : await listInputs(
        given,
        {
          names: new Set([deps.settings.outputFolderName]),
          realDirs: new Set(outDir ? [realPathOf(outDir)] : []),
        },
        deps.signal,
        op.inputs,
      );
  if (listed.files.length === 0 && listed.errors.length === 0) {
    const left = listed.notPhotos.length;
    throw new RpcError(
      'NOT_FOUND',
      left > 0
        ? `No photos to work on: the ${left === 1 ? 'one file' : `${left} files`} given ${left === 1 ? 'is not an image' : 'are not images'}; nothing was queued.`
        : 'No photos to work on: the folders given hold no files; nothing was queued.',
    );
  }
  const overwrite = req.overwrite ?? deps.settings.overwriteOutputs;
  const outputs = planOutputs(listed.files, {
    outDir,
    outputFolderName: deps.settings.outputFolderName,
    template,
    suffix,
    fallbackSuffix: `_${req.kind}`,
    extension: (path) => op.outputExtension(options, path),
    occupied: deps.ownership.forJob(operationHash(op.kind, op.version, options), overwrite),
  });
  refuseProtected(outputs, deps.protectedDirs);
  return {
    options,
    outDir,
    overwrite,
    resource: op.resource(options),
    listed,
    outputs,
    source: commonSource(given.map((p) => resolve(p))),
  };
}
