import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchStore } from './batches.js';
import { FakeClock, toEpochMs } from './clock.js';
import { GoogleApiError } from './errors.js';
import { FileStore } from './files.js';
import type { GenerateDeps } from './generate.js';
import { flatHeaders, parseJson, readBody, send, sendError, type Ctx } from './http.js';
import {
  injectedError,
  Injector,
  isStatus,
  isTimeout,
  seededRandom,
  type TimeoutResponse,
} from './inject.js';
import { DEFAULT_MODELS } from './models.js';
import { QuotaBook } from './quota.js';
import { route, type Services } from './router.js';
import type { FakeGemini, FakeGeminiOptions, RecordedRequest } from './types.js';

/**
 * Starts a wire-level fake of the Gemini Developer API (v1beta) on 127.0.0.1, for the real
 * `@google/genai` SDK: `new GoogleGenAI({ apiKey, httpOptions: { baseUrl: fake.url } })`.
 *
 * @example
 * const fake = await startFakeGemini({
 *   keys: { k1: { project: 'p1' }, k2: { project: 'p1' } },
 *   limits: { 'gemini-2.5-flash-image': { rpm: 5, rpd: 20 } },
 * });
 * const ai = new GoogleGenAI({ apiKey: 'k1', httpOptions: { baseUrl: fake.url } });
 * fake.inject({ match: { model: 'gemini-2.5-flash-image' }, times: 1, respond: { status: 503 } });
 * // … first call gets 503 UNAVAILABLE, the next one a real PNG …
 * await fake.close();
 */
export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const generatedSide = options.generatedImageSide ?? 256;
  if (!Number.isInteger(generatedSide) || generatedSide < 1 || generatedSide > 8192) {
    throw new RangeError(`Expected generatedImageSide to be an integer in 1..8192, got ${generatedSide}`);
  }
  const clock = new FakeClock(
    options.startTime === undefined ? Date.now() : toEpochMs(options.startTime),
    options.timeScale ?? 1,
  );
  let url = '';
  const injector = new Injector(seededRandom(options.randomSeed ?? 1));
  const quota = new QuotaBook(clock, options.keys, options.limits, options.defaultLimits);
  const files = new FileStore(
    clock,
    () => url,
    options.fileProcessingMs ?? 0,
    options.downloadUploaded ?? true,
  );
  const gen: GenerateDeps = {
    models: new Map((options.models ?? DEFAULT_MODELS).map((m) => [m.id, m])),
    resolveFile: (uri, project) => files.resolveInput(uri, project),
    generatedSide,
  };
  const batches = new BatchStore(clock, files, injector, gen, options.batchSchedule);
  const services: Services = { quota, files, batches, gen };
  const requests: RecordedRequest[] = [];
  const held = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsedUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const json = parseJson(raw);
    const headers = flatHeaders(req);
    const apiKey = headers['x-goog-api-key'] ?? parsedUrl.searchParams.get('key') ?? undefined;
    const r = route(services, method, parsedUrl.pathname, parsedUrl.searchParams);
    requests.push({
      method,
      path: parsedUrl.pathname,
      query: Object.fromEntries(parsedUrl.searchParams),
      headers,
      apiKey,
      ...(r.model !== undefined ? { model: r.model } : {}),
      body: json !== undefined && !r.binary ? json : raw.length > 0 ? raw.length : undefined,
      at: clock.now(),
    });
    const ctx: Ctx = {
      method,
      path: parsedUrl.pathname,
      query: parsedUrl.searchParams,
      headers,
      raw,
      json: r.binary ? undefined : json,
    };
    const injected = injector.take({
      method,
      path: parsedUrl.pathname,
      model: r.model,
      apiKey,
      generates: r.generates ?? false,
    });
    if (injected && isTimeout(injected)) return hold(res, injected);
    if (injected && isStatus(injected)) return sendError(res, injectedError(injected, r.model));
    if (r.needsKey) {
      const caller = quota.authenticate(apiKey);
      if (caller instanceof GoogleApiError) return sendError(res, caller);
      ctx.caller = caller;
    }
    send(res, await r.run(ctx, injected));
  };

  /** Keeps the request open; a client timeout usually fires first and closes the socket. */
  const hold = (res: ServerResponse, rule: TimeoutResponse): void => {
    const timer = setTimeout(() => {
      held.delete(timer);
      if (rule.then === 504) sendError(res, new GoogleApiError(504, undefined, 'DEADLINE_EXCEEDED'));
      else res.socket?.destroy();
    }, rule.timeoutMs);
    held.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      held.delete(timer);
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      const error =
        err instanceof GoogleApiError
          ? err
          : new GoogleApiError(
              500,
              `Fake Gemini internal error: ${err instanceof Error ? err.message : String(err)}`,
              'INTERNAL',
            );
      sendError(res, error);
    });
  });
  // Keep-alive sockets would make close() wait for the client's idle timeout.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    clock,
    requests,
    inject: (rule) => injector.add(rule),
    clearInjections: () => injector.clear(),
    quota: {
      setKey: (k, c) => quota.setKey(k, c),
      setKeys: (keys) => quota.setKeys(keys),
      setLimits: (m, l) => quota.setLimits(m, l),
      setDefaultLimits: (l) => quota.setDefaultLimits(l),
      usage: (p, m) => quota.snapshot(p, m),
      refusals: () => quota.refusals,
    },
    files: {
      all: () => files.all(),
      get: (name) => files.peek(name),
      fail: (name, message) => files.fail(name, message),
    },
    batches: {
      advance: (name, to, error) => batches.advance(name, to, error),
      get: (name) => batches.peek(name),
      all: () => batches.all(),
      tick: () => batches.tick(),
      setSchedule: (s) => {
        batches.schedule = s;
      },
    },
    reset: () => {
      requests.length = 0;
      injector.clear();
      quota.resetUsage();
      files.clear();
      batches.clear();
    },
    close: async () => {
      for (const timer of held) clearTimeout(timer);
      held.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
