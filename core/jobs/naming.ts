import { basename, dirname, extname, join, resolve } from 'node:path';
import { RpcError } from '../contract/errors.js';

export const DEFAULT_TEMPLATE = '{name}{suffix}.{ext}';
const PLACEHOLDER = /\{(\w+)\}/g;
const KNOWN = new Set(['name', 'suffix', 'ext']);
const MAX_NAME_BYTES = 255;

/** Throws INVALID_INPUT unless the template is a plain file name using only known placeholders. */
export function checkTemplate(template: string, suffix: string): void {
  for (const [, key] of template.matchAll(PLACEHOLDER)) {
    if (!KNOWN.has(key ?? ''))
      throw new RpcError(
        'INVALID_INPUT',
        `Name template: unknown placeholder {${key}}; use {name}, {suffix} and {ext}.`,
      );
  }
  if (!template.includes('{ext}'))
    throw new RpcError(
      'INVALID_INPUT',
      'Name template must end with .{ext} so outputs get the right extension.',
    );
  if (/[/\\]/.test(template) || /[/\\]/.test(suffix))
    throw new RpcError('INVALID_INPUT', 'Name template and suffix must not contain slashes.');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(template + suffix)) {
    throw new RpcError('INVALID_INPUT', 'Name template and suffix must not contain control characters.');
  }
  if (template.startsWith('.')) {
    throw new RpcError(
      'INVALID_INPUT',
      'Name template must not start with "." (that would make hidden files).',
    );
  }
}

/** Shortens `stem` (by whole characters) until the finished name fits in 255 bytes. */
function fitName(stem: string, rest: (stem: string) => string): string {
  let s = stem;
  while (Buffer.byteLength(rest(s)) > MAX_NAME_BYTES && s.length > 1) s = [...s].slice(0, -1).join('');
  return rest(s);
}

export interface PlanInput {
  path: string;
  relDir: string;
}
export interface PlanOptions {
  /** null: `<input folder>/<outputFolderName>/`. Otherwise the input tree is mirrored under it. */
  outDir: string | null;
  outputFolderName: string;
  template: string;
  suffix: string;
  /** Used when an output would otherwise replace its own input. */
  fallbackSuffix: string;
  extension: (inputPath: string) => string;
  /** An existing file there that must not be replaced (see `OutputOwnership`); default none. */
  occupied?: (path: string, inputPath: string) => boolean;
}

/**
 * Output path for every input, decided once when the job is made: never an input's own path,
 * never two items on one path (case-insensitively, for macOS and Windows), never a file that is
 * someone else's (`occupied`: the name gets ` (2)`), names within 255 bytes.
 */
export function planOutputs(inputs: readonly PlanInput[], options: PlanOptions): string[] {
  const taken = new Set<string>();
  const inputsSet = new Set(inputs.map((i) => resolve(i.path).toLowerCase()));
  return inputs.map((input) => {
    const folder = options.outDir
      ? join(options.outDir, input.relDir)
      : join(dirname(input.path), options.outputFolderName);
    const ext = options.extension(input.path);
    // An input given directly may be a dot-file; its output must not be hidden.
    const stem = basename(input.path, extname(input.path)).replace(/^\./, '_');
    const occupied = (path: string): boolean => options.occupied?.(path, input.path) ?? false;
    const make = (suffix: string, n: number): string =>
      fitName(stem, (s) =>
        options.template.replace(PLACEHOLDER, (_m, key: string) =>
          key === 'name' ? s : key === 'suffix' ? suffix + (n > 1 ? ` (${n})` : '') : ext,
        ),
      );
    let suffix = options.suffix;
    let n = 1;
    let candidate = resolve(folder, make(suffix, n));
    if (inputsSet.has(candidate.toLowerCase())) {
      suffix = options.suffix + options.fallbackSuffix;
      candidate = resolve(folder, make(suffix, n));
    }
    while (
      taken.has(candidate.toLowerCase()) ||
      inputsSet.has(candidate.toLowerCase()) ||
      occupied(candidate)
    ) {
      n += 1;
      candidate = resolve(folder, make(suffix, n));
    }
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

/** `/out/a_x.webp` + (`_mask`, `png`) → `/out/a_x_mask.png`: extra outputs of one item. */
export function siblingPath(outputPath: string, suffix: string, ext?: string): string {
  if (/[/\\]/.test(suffix)) throw new RpcError('INVALID_INPUT', 'An output suffix must not contain slashes.');
  const current = extname(outputPath);
  const stem = basename(outputPath, current);
  return join(
    dirname(outputPath),
    fitName(stem, (s) => `${s}${suffix}${ext ? `.${ext}` : current}`),
  );
}
