import type { BatchStore } from './batches.js';
import { GoogleApiError, modelNotFound, notFound } from './errors.js';
import type { FileStore } from './files.js';
import { generateContent, type GenerateDeps } from './generate.js';
import type { Ctx, Reply } from './http.js';
import { isEmptyImage, isSafetyBlock, type InjectResponse } from './inject.js';
import { modelResource, paginate } from './models.js';
import type { QuotaBook } from './quota.js';

/** Everything the routes act on. */
export interface Services {
  quota: QuotaBook;
  files: FileStore;
  batches: BatchStore;
  gen: GenerateDeps;
}

/** A matched route: what to run, and facts recorded before it runs. */
export interface Route {
  /** Bare model id named in the URL, if any. */
  model?: string;
  /** Upload chunks authenticate by their upload id, not by key (as resumable uploads do). */
  needsKey: boolean;
  /** The body is file bytes (upload chunks): recorded as a length even if it parses as JSON. */
  binary?: boolean;
  /** generateContent routes: the only ones safety-block and empty-image rules apply to. */
  generates?: boolean;
  run: (ctx: Ctx, injected?: InjectResponse) => Promise<Reply> | Reply;
}

const MODEL_ACTION = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/;
const MODEL = /^\/v1beta\/models\/([^/:]+)$/;
const FILE = /^\/v1beta\/files\/([a-z0-9-]+)$/;
const FILE_DOWNLOAD = /^(?:\/download)?\/v1beta\/files\/([a-z0-9-]+):download$/;
const BATCH = /^\/v1beta\/batches\/([^/:]+)$/;
const BATCH_CANCEL = /^\/v1beta\/batches\/([^/:]+):cancel$/;

/**
 * Maps method + path to a handler (wire reference §1–4). Unknown routes get a Google-style 404,
 * so a client bug shows up as a readable ApiError rather than a hang.
 */
export function route(s: Services, method: string, path: string, query: URLSearchParams): Route {
  const project = (ctx: Ctx): string => {
    if (!ctx.caller) throw new GoogleApiError(500, 'Route needs a caller', 'INTERNAL');
    return ctx.caller.project;
  };
  const keyed = (run: Route['run'], model?: string): Route => ({
    needsKey: true,
    run,
    ...(model ? { model } : {}),
  });
  let m: RegExpExecArray | null;

  if (method === 'POST' && path === '/upload/v1beta/files') {
    if (query.has('upload_id')) return { needsKey: false, binary: true, run: (ctx) => s.files.chunk(ctx) };
    return keyed((ctx) => s.files.start(ctx, project(ctx)));
  }
  if (method === 'GET' && path === '/v1beta/models') {
    return keyed((ctx) => {
      const { page, nextPageToken } = paginate([...s.gen.models.values()], ctx.query, {
        pageSize: 50,
        maxPageSize: 1000,
      });
      return { json: { models: page.map(modelResource), ...(nextPageToken ? { nextPageToken } : {}) } };
    });
  }
  if (method === 'GET' && (m = MODEL.exec(path))) {
    const id = decodeURIComponent(m[1] ?? '');
    return keyed(() => {
      const model = s.gen.models.get(id);
      if (!model) throw notFound(`models/${id} is not found for API version v1beta.`);
      return { json: modelResource(model) };
    }, id);
  }
  if (method === 'POST' && (m = MODEL_ACTION.exec(path))) {
    const id = decodeURIComponent(m[1] ?? '');
    const action = m[2] ?? '';
    if (action === 'batchGenerateContent') return keyed((ctx) => s.batches.create(ctx, project(ctx), id), id);
    if (action === 'generateContent' || action === 'streamGenerateContent') {
      const r = keyed(async (ctx, injected) => {
        if (!s.gen.models.has(id)) throw modelNotFound(id, action);
        const refused = s.quota.consume(project(ctx), id);
        if (refused) throw refused;
        const override =
          injected && (isSafetyBlock(injected) || isEmptyImage(injected)) ? injected : undefined;
        const response = await generateContent(s.gen, project(ctx), id, ctx.json, override);
        // Streaming sends the whole answer as one SSE frame: valid, and enough for clients.
        return action === 'streamGenerateContent' ? { sse: [response] } : { json: response };
      }, id);
      return { ...r, generates: true };
    }
  }
  if (method === 'GET' && path === '/v1beta/files') return keyed((ctx) => s.files.list(ctx, project(ctx)));
  if (method === 'GET' && (m = FILE_DOWNLOAD.exec(path))) {
    const id = m[1] ?? '';
    return keyed((ctx) => s.files.download(ctx, id, project(ctx)));
  }
  if ((m = FILE.exec(path))) {
    const id = m[1] ?? '';
    if (method === 'GET') return keyed((ctx) => ({ json: s.files.resource(s.files.get(id, project(ctx))) }));
    if (method === 'DELETE') return keyed((ctx) => s.files.delete(id, project(ctx)));
  }
  if (method === 'GET' && path === '/v1beta/batches')
    return keyed((ctx) => s.batches.list(ctx, project(ctx)));
  if (method === 'POST' && (m = BATCH_CANCEL.exec(path))) {
    const id = m[1] ?? '';
    return keyed((ctx) => s.batches.cancel(id, project(ctx)));
  }
  if ((m = BATCH.exec(path))) {
    const id = m[1] ?? '';
    if (method === 'GET') return keyed((ctx) => s.batches.get(id, project(ctx)));
    if (method === 'DELETE') return keyed((ctx) => s.batches.delete(id, project(ctx)));
  }
  return {
    needsKey: false,
    run: () => {
      throw notFound(`The fake Gemini API has no route ${method} ${path}.`);
    },
  };
}
