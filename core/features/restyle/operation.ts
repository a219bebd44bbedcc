import { createHash } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import type { GoogleGenAI } from '@google/genai';
import sharp from 'sharp';
import { RpcError, type ErrorCode } from '../../contract/errors.js';
import {
  DEFAULT_IMAGE_MODEL,
  restyleOptionsSchema,
  type ResolvedStyle,
  type RestyleOptions,
} from '../../contract/restyle.js';
import { RetryLater } from '../../jobs/signals.js';
import type { ItemContext, Operation } from '../../jobs/types.js';
import type { CostBook } from '../keys/cost.js';
import { outcomeFromError } from '../keys/outcome.js';
import { nextPacificMidnight } from '../keys/pacific.js';
import { imageInputTokens, textInputTokens } from '../keys/pricing.js';
import type { Lease, QuotaManager } from '../keys/quota.js';
import { contentKey, type ContentCache } from './contentCache.js';
import {
  generate,
  generationConfig,
  NoImageError,
  wireImage,
  type GeneratedImage,
  type WireImage,
} from './gemini.js';
import type { StyleStore } from './styleStore.js';

/** What parked items wait for: today's cost cap (raised, or a new day), or a new quota day. */
export const WAIT_COST_CAP = 'restyle:cost-cap';
export const WAIT_QUOTA_DAY = 'restyle:quota-day';

/**
 * The reservation a call holds against the cap: its image and 1.5 × the input tokens we count,
 * so a call billed a little more than estimated still cannot carry the day over the cap.
 */
const INPUT_TOKEN_SLACK = 1.5;

export interface RestyleDeps {
  styles: StyleStore;
  quota: QuotaManager;
  cost: CostBook;
  cache: ContentCache;
  /** A client for one key (kept per key). */
  client(secret: string): Promise<GoogleGenAI>;
  /** The geminiTimeoutSeconds setting, in ms. */
  timeoutMs(): number;
  now(): number;
  version: string;
}

/** One output of an item: a style × variation. */
interface Call {
  style: ResolvedStyle;
  variation: number;
  config: Record<string, unknown>;
  key: string;
  path: string;
}

interface Made {
  call: Call;
  png: Buffer;
  text: string | null;
  /** Dollars this item paid for it (0 for an image made by an earlier job). */
  usd: number;
  cacheHit: boolean;
  promptTokens: number | null;
  outputTokens: number | null;
  ms: number;
}

/** Where a style × variation goes: `<name>_<style>.png`, then `_c2`, `_c3` … */
export function restylePath(planned: string, firstStyle: string, style: string, variation: number): string {
  const ext = extname(planned);
  const stem = basename(planned, ext);
  // The planned name is `<name>_<first style>`, perhaps with " (2)" when a file of someone else's was there.
  const m = new RegExp(`^(.*)_${firstStyle}( \\(\\d+\\))?$`).exec(stem);
  const base = m ? m[1] : stem;
  const tail = m?.[2] ?? '';
  return join(dirname(planned), `${base}_${style}${variation > 1 ? `_c${variation}` : ''}${tail}${ext}`);
}

const modelOf = (o: RestyleOptions): string => o.resolved?.[0]?.model ?? o.model ?? DEFAULT_IMAGE_MODEL;
const money = (usd: number): string => `$${usd.toFixed(2)}`;

/**
 * `restyle`: each photo × style × variation is one generateContent call with the photo inline,
 * made under a quota lease (the key, and the slot counted per project × model) and a cost
 * reservation against the daily cap, taken in one transaction. A repeat of a call is answered from
 * the content cache. A 429 re-queues the item (the project waits as Google's RetryInfo says,
 * other projects go on); 5xx and timeouts are tried again with backoff up to the attempt limit;
 * a block or an answer without an image fails the item with the reason. A reached cap, or every
 * project's day used up, parks the item until midnight Pacific (or a higher cap).
 */
export function restyleOperation(d: RestyleDeps): Operation<RestyleOptions> {
  return {
    kind: 'restyle',
    version: 1,
    optionsSchema: restyleOptionsSchema,
    resource: (options) => `gemini:${modelOf(options)}`,
    nameSuffix: (options) => `_${options.styles[0]}`,
    outputExtension: () => 'png',
    check(options) {
      const styles = d.styles.resolve(options);
      for (const model of new Set(styles.map((s) => s.model))) {
        if (d.quota.capacity(model).projects === 0) {
          throw new RpcError(
            'NO_KEYS',
            'No Gemini API key is enabled. Add one in Keys & usage (or `pixelsmith keys add`); nothing was queued.',
          );
        }
      }
    },
    prepare: (options) => ({ ...options, resolved: d.styles.resolve(options) }),
    async run(ctx) {
      const styles = ctx.options.resolved ?? d.styles.resolve(ctx.options);
      const probed = await ctx.probe();
      const inputSha256 = createHash('sha256').update(ctx.input).digest('hex');
      const name = basename(ctx.inputPath);
      const calls: Call[] = styles.flatMap((style) =>
        Array.from({ length: ctx.options.variations }, (_, i) => {
          const config = generationConfig(style, probed);
          const variation = i + 1;
          return {
            style,
            variation,
            config,
            key: contentKey({ inputSha256, prompt: style.prompt, model: style.model, config, variation }),
            path: restylePath(ctx.outputPath, ctx.options.styles[0] ?? style.id, style.id, variation),
          };
        }),
      );
      let wire: Promise<WireImage> | null = null;
      // Decoded once, on the first call that is not in the cache; a photo that cannot be decoded
      // fails its own item (never retried, nothing sent).
      const photo = (): Promise<WireImage> =>
        (wire ??= wireImage(ctx.input, ctx.limits.maxInputPixels).catch((error: unknown) => {
          throw new RpcError(
            'CORRUPT_IMAGE',
            `${ctx.inputPath} could not be decoded (${(error as Error).message.trim()}); the file may be truncated or damaged.`,
          );
        }));
      let finished = 0;
      const settled = await Promise.allSettled(
        calls.map(async (call) => {
          const made = await makeOne(d, ctx, call, name, photo);
          finished += 1;
          ctx.progress(finished / calls.length);
          return made;
        }),
      );
      ctx.signal.throwIfAborted();
      const made = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const errors = settled.flatMap((s, i) =>
        s.status === 'rejected' ? [{ call: calls[i], error: s.reason as unknown }] : [],
      );
      if (errors.length > 0) decideRetryOrFail(d, ctx, errors, made.length);

      const outputs: string[] = [];
      for (const m of made) outputs.push(ctx.writeOutput(m.png, m.call.path));
      for (const m of made) {
        const sidecar = {
          pixelsmith: d.version,
          input: { path: ctx.inputPath, sha256: inputSha256 },
          output: basename(m.call.path),
          style: { id: m.call.style.id, name: m.call.style.name },
          variation: m.call.variation,
          model: m.call.style.model,
          prompt: m.call.style.prompt,
          generationConfig: m.call.config,
          cacheHit: m.cacheHit,
          costUsd: m.usd,
          usage: { promptTokens: m.promptTokens, outputTokens: m.outputTokens },
          timeMs: m.ms,
          text: m.text,
          createdAt: new Date(d.now()).toISOString(),
        };
        outputs.push(
          ctx.writeOutput(
            Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`),
            m.call.path.replace(/\.png$/, '.json'),
          ),
        );
      }
      const cost = made.reduce((a, m) => a + m.usd, 0);
      const hits = made.filter((m) => m.cacheHit).length;
      return {
        outputs,
        details: {
          styles: styles.map((s) => s.id).join(', '),
          model: [...new Set(styles.map((s) => s.model))].join(', '),
          images: made.length,
          calls: made.length - hits,
          cached: hits,
          costUsd: Math.round(cost * 1e6) / 1e6,
          promptTokens: made.reduce((a, m) => a + (m.promptTokens ?? 0), 0),
          outputTokens: made.reduce((a, m) => a + (m.outputTokens ?? 0), 0),
        },
      };
    },
  };
}

/** One style × variation: from the cache, or one call under a lease and a cost reservation. */
async function makeOne(
  d: RestyleDeps,
  ctx: ItemContext<RestyleOptions>,
  call: Call,
  name: string,
  photo: () => Promise<WireImage>,
): Promise<Made> {
  const started = d.now();
  const hit = d.cache.get(call.key);
  if (hit) {
    // Made by this very item before a retry: still this item's image and cost, not a cache hit.
    const ours = hit.image.jobId === ctx.jobId && hit.image.itemId === ctx.itemId;
    return {
      call,
      png: hit.data,
      text: hit.image.text,
      usd: ours ? hit.image.usd : 0,
      cacheHit: !ours,
      promptTokens: ours ? hit.image.promptTokens : null,
      outputTokens: ours ? hit.image.outputTokens : null,
      ms: d.now() - started,
    };
  }
  const image = await photo();
  const { model, imageSize, prompt } = call.style;
  const reserveUsd = d.cost.cost(
    model,
    imageSize,
    Math.ceil((imageInputTokens(image.width, image.height) + textInputTokens(prompt)) * INPUT_TOKEN_SLACK),
  );
  const label = `${name} · ${call.style.id}${call.variation > 1 ? ` c${call.variation}` : ''}`;
  let ledgerId: number | null = null;
  let lease: Lease | null = null;
  let answer: GeneratedImage | NoImageError;
  try {
    answer = await d.quota.withLease(
      model,
      async (l) => {
        lease = l;
        const timeout = AbortSignal.timeout(d.timeoutMs());
        const signal = AbortSignal.any([ctx.signal, timeout]);
        try {
          const g = await generate(
            await d.client(l.secret),
            { model, prompt, image, config: call.config },
            signal,
            () => d.quota.markSent(l),
          );
          return { value: g as GeneratedImage | NoImageError, tokens: tokensOf(g) };
        } catch (error) {
          // A refusal is an answer: the key worked and the input was billed.
          if (error instanceof NoImageError) return { value: error, tokens: tokensOf(error.usage) };
          if (timeout.aborted && !ctx.signal.aborted) {
            throw Object.assign(
              new Error(`Gemini did not answer within ${Math.round(d.timeoutMs() / 1000)} s`),
              {
                cause: error,
              },
            );
          }
          throw error;
        }
      },
      {
        signal: ctx.signal,
        alsoReserve: () => {
          ledgerId = d.cost.reserve({ model, imageSize, usd: reserveUsd, jobId: ctx.jobId, label });
        },
      },
    );
  } catch (error) {
    if (ledgerId !== null) d.cost.settle(ledgerId, { status: 'void' });
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), { lease });
  }
  const usage = answer instanceof NoImageError ? answer.usage : answer;
  const bill =
    ledgerId === null
      ? { usd: 0, alerts: [] }
      : d.cost.settle(ledgerId, {
          status: answer instanceof NoImageError ? 'failed' : 'ok',
          images: answer instanceof NoImageError ? 0 : 1,
          ...usage,
        });
  for (const alert of bill.alerts) {
    ctx.log(
      `Cost alert: today's Gemini spend of ${money(alert.spentUsd)} has passed ${alert.threshold} % of the ${money(alert.capUsd)} daily cap.`,
      { level: 'warn' },
    );
  }
  if (answer instanceof NoImageError) throw answer;
  const png = answer.mimeType === 'image/png' ? answer.data : await toPng(answer.data);
  await d.cache.put(
    {
      key: call.key,
      mimeType: 'image/png',
      styleId: call.style.id,
      model,
      usd: bill.usd,
      promptTokens: answer.promptTokens,
      outputTokens: answer.outputTokens,
      text: answer.text || null,
      jobId: ctx.jobId,
      itemId: ctx.itemId,
    },
    png,
  );
  return {
    call,
    png,
    text: answer.text || null,
    usd: bill.usd,
    cacheHit: false,
    promptTokens: answer.promptTokens,
    outputTokens: answer.outputTokens,
    ms: d.now() - started,
  };
}

function tokensOf(u: { promptTokens: number | null; outputTokens: number | null }): {
  input?: number;
  output?: number;
} {
  return {
    ...(u.promptTokens !== null && { input: u.promptTokens }),
    ...(u.outputTokens !== null && { output: u.outputTokens }),
  };
}

async function toPng(data: Buffer): Promise<Buffer> {
  try {
    return await sharp(data).png().toBuffer();
  } catch (error) {
    throw new NoImageError('NO_IMAGE', `Gemini's image could not be decoded (${(error as Error).message}).`, {
      promptTokens: null,
      outputTokens: null,
      totalTokens: null,
    });
  }
}

type Failure = { call: Call | undefined; error: unknown };

/** "ink_wash" or "ink_wash c2": which output of the photo a message is about. */
const whatOf = (call: Call | undefined): string =>
  call ? `${call.style.id}${call.variation > 1 ? ` c${call.variation}` : ''}` : 'restyle';

/**
 * What an item with failed calls does (the images that were made are in the cache, so a retry
 * costs only the missing ones): wait for the cap or a new quota day, go back to the queue for a
 * rate limit or a refused key (not counted as a try) or a server error or timeout (counted), or
 * fail with every reason. The engine logs each retry with the message given here.
 */
function decideRetryOrFail(
  d: RestyleDeps,
  ctx: ItemContext<RestyleOptions>,
  errors: readonly Failure[],
  madeCount: number,
): never {
  const coded = (code: string): Error | undefined =>
    errors.find((f) => f.error instanceof RpcError && f.error.code === code)?.error as Error | undefined;
  const cap = coded('COST_CAP_REACHED');
  if (cap) ctx.park({ reason: cap.message, until: nextPacificMidnight(d.now()), waitFor: WAIT_COST_CAP });
  const day = coded('QUOTA_EXHAUSTED');
  if (day) {
    ctx.park({ reason: day.message, until: nextPacificMidnight(d.now()) + 60_000, waitFor: WAIT_QUOTA_DAY });
  }
  const permanent: { code: ErrorCode; message: string }[] = [];
  const retries: string[] = [];
  let refund = true;
  for (const { call, error } of errors) {
    const what = whatOf(call);
    if (error instanceof RpcError) {
      permanent.push({ code: error.code, message: `${what}: ${error.message}` });
      continue;
    }
    const outcome = outcomeFromError(error);
    const lease = (error as { lease?: Lease | null }).lease;
    if (outcome?.kind === 'rate-limited') {
      const wait = outcome.retryAfterMs === null ? 'a minute' : `${Math.ceil(outcome.retryAfterMs / 1000)} s`;
      retries.push(
        `${what}: rate limited (429) on project ${lease?.project ?? '?'}, which waits ${wait} as Google asked`,
      );
    } else if (outcome?.kind === 'invalid-key') {
      retries.push(`${what}: key "${lease?.label ?? '?'}" was refused and is set aside (${outcome.reason})`);
    } else if (outcome?.kind === 'server-error') {
      refund = false;
      retries.push(`${what}: ${serverMessage(error)}`);
    } else {
      permanent.push({
        code: 'INVALID_INPUT',
        message: `${what}: Gemini refused the request (${requestMessage(error)}).`,
      });
    }
  }
  if (permanent.length > 0) {
    const kept =
      madeCount > 0
        ? ` The ${madeCount} other image${madeCount === 1 ? ' was' : 's were'} kept in the cache: retrying makes ${madeCount === 1 ? 'it' : 'them'} at no cost.`
        : '';
    throw new RpcError(
      permanent[0]?.code ?? 'INTERNAL',
      `${permanent.map((p) => p.message).join(' ')}${kept}`,
    );
  }
  const more = retries.length > 1 ? ` (and ${retries.length - 1} more)` : '';
  throw new RetryLater(
    new RpcError('TRANSPORT', `${retries[0] ?? 'Gemini call failed'}${more}`),
    refund ? { refund: true, afterMs: 0 } : {},
  );
}

function googleMessage(error: unknown): string | null {
  try {
    const body = JSON.parse((error as Error).message) as { error?: { message?: string; code?: number } };
    return body.error?.message ?? null;
  } catch {
    return null;
  }
}

function serverMessage(error: unknown): string {
  const status = (error as { status?: number }).status;
  const text = googleMessage(error) ?? (error as Error).message;
  return status ? `Gemini answered ${status} (${text.replace(/\.$/, '')})` : text;
}

function requestMessage(error: unknown): string {
  const status = (error as { status?: number }).status;
  return `${status ?? 'error'}: ${googleMessage(error) ?? (error as Error).message}`;
}
