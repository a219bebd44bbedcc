import { GoogleApiError, invalidArgument } from './errors.js';
import { generateContent, type GenerateDeps } from './generate.js';
import { injectedError, isStatus, isTimeout, type Injector } from './inject.js';

/** One request of a batch, from an inline `requests` entry or one JSONL line. */
export interface BatchLine {
  /** JSONL `key`; for inline requests, `metadata.key` when present. */
  key?: string | undefined;
  /** Inline requests carry metadata through to their result. */
  metadata?: Record<string, unknown> | undefined;
  request?: unknown;
  /** Why the line could not be read (bad JSON, no `request`); it fails with a 400. */
  invalid?: string | undefined;
}

/** One result, in input order: a response or an error, never both. */
export interface BatchResult {
  line: BatchLine;
  response?: unknown;
  error?: { code: number; message: string };
}

/**
 * Parses a JSONL input file: `{"key":…,"request":{GenerateContentRequest}}` per line. Blank lines
 * are skipped; unreadable lines stay in place as invalid, so they fail alone (per-line errors)
 * instead of failing the batch.
 */
export function parseJsonl(text: string): BatchLine[] {
  const lines: BatchLine[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      lines.push({ invalid: `Invalid JSON on line ${i + 1}.` });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      lines.push({ invalid: `Line ${i + 1} is not a JSON object.` });
      continue;
    }
    const obj = value as Record<string, unknown>;
    const key = typeof obj.key === 'string' ? obj.key : undefined;
    if (typeof obj.request !== 'object' || obj.request === null) {
      lines.push({ key, invalid: `Line ${i + 1} has no "request" object.` });
      continue;
    }
    lines.push({ key, request: obj.request });
  }
  return lines;
}

/** Reads inline `batch.inputConfig.requests.requests[]` entries. */
export function inlineLines(requests: unknown[]): BatchLine[] {
  return requests.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null) return { invalid: `Request ${i} is not an object.` };
    const e = entry as Record<string, unknown>;
    const metadata =
      typeof e.metadata === 'object' && e.metadata !== null
        ? (e.metadata as Record<string, unknown>)
        : undefined;
    const key = typeof metadata?.key === 'string' ? metadata.key : undefined;
    if (typeof e.request !== 'object' || e.request === null)
      return { key, metadata, invalid: `Request ${i} has no "request" object.` };
    return { key, metadata, request: e.request };
  });
}

/**
 * Runs every line through the same generation as generateContent, one after another (order is
 * part of the contract). Batch-line injection rules (`match.batchKey`) turn a line into an error
 * or a blocked/empty response; a line's own 400 (bad request, unknown file) is caught as its
 * error. Batch traffic does not use the interactive RPM/RPD quota, as on the real API.
 */
export async function runLines(
  deps: GenerateDeps,
  injector: Injector,
  project: string,
  model: string,
  lines: BatchLine[],
): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const [i, line] of lines.entries()) {
    const rule = injector.take({
      method: 'BATCH',
      path: '',
      model,
      batchKey: line.key ?? String(i),
      generates: true,
    });
    try {
      if (line.invalid !== undefined) throw invalidArgument(line.invalid);
      if (rule && isStatus(rule)) throw injectedError(rule);
      if (rule && isTimeout(rule)) throw new GoogleApiError(504, undefined, 'DEADLINE_EXCEEDED');
      const override = rule && !isStatus(rule) && !isTimeout(rule) ? rule : undefined;
      results.push({ line, response: await generateContent(deps, project, model, line.request, override) });
    } catch (err) {
      if (!(err instanceof GoogleApiError)) throw err;
      results.push({ line, error: { code: err.code, message: err.message } });
    }
  }
  return results;
}

/** The results file: one JSON object per line, in input order. */
export function resultsJsonl(results: BatchResult[]): string {
  return results
    .map((r) =>
      JSON.stringify({
        ...(r.line.key !== undefined ? { key: r.line.key } : {}),
        ...(r.error ? { error: r.error } : { response: r.response }),
      }),
    )
    .join('\n')
    .concat('\n');
}

/** `output.inlinedResponses.inlinedResponses[]` for inline batches. */
export function inlinedResponses(results: BatchResult[]): Record<string, unknown>[] {
  return results.map((r) => ({
    ...(r.error ? { error: r.error } : { response: r.response }),
    ...(r.line.metadata ? { metadata: r.line.metadata } : {}),
  }));
}
