import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import PQueue from 'p-queue';
import type { RestyleEstimate, RestyleOptions } from '../../contract/restyle.js';
import type { Settings } from '../../contract/schemas.js';
import { listInputs } from '../../jobs/inputs.js';
import { refuseMissing } from '../../jobs/plan.js';
import { probeBuffer } from '../../kernel/probe.js';
import type { CostBook } from '../keys/cost.js';
import { PRICES_AS_OF, imageInputTokens, textInputTokens } from '../keys/pricing.js';
import type { QuotaManager } from '../keys/quota.js';
import { contentKey, type ContentCache } from './contentCache.js';
import { generationConfig } from './gemini.js';
import type { StyleStore } from './styleStore.js';

export interface EstimateDeps {
  styles: StyleStore;
  quota: QuotaManager;
  cost: CostBook;
  cache: ContentCache;
  settings: () => Settings;
}

/** The sent photo's size: fitted within 2048 px, as `wireImage` sends it. */
function sentSize(w: number, h: number): { width: number; height: number } {
  const k = Math.min(1, 2048 / Math.max(w, h));
  return { width: Math.round(w * k), height: Math.round(h * k) };
}

const money = (usd: number): string => `$${usd.toFixed(2)}`;

/**
 * What a restyle run would do before it is made: every photo is read and hashed, so outputs
 * already in the content cache are counted as free; the rest are priced at the current table;
 * time is the calls over what the enabled projects allow per minute now (models run side by
 * side); the notes say what stands in the way (no key, the cap, today's quota).
 */
export async function estimateRestyle(
  d: EstimateDeps,
  input: { options: RestyleOptions; paths?: string[] | undefined; files?: { path: string }[] | undefined },
  signal: AbortSignal,
): Promise<RestyleEstimate> {
  const styles = d.styles.resolve(input.options);
  await refuseMissing(input.paths ?? input.files?.map((f) => f.path) ?? [], 'nothing was estimated');
  const s = d.settings();
  const limits = { maxInputBytes: s.maxInputBytes, maxInputPixels: s.maxInputPixels };
  const paths =
    input.files?.map((f) => f.path) ??
    (
      await listInputs(
        input.paths ?? [],
        { names: new Set([s.outputFolderName]), realDirs: new Set() },
        signal,
      )
    ).files.map((f) => f.path);
  // Each photo is read and hashed (for the cache) four at a time: I/O overlaps, memory stays small.
  const queue = new PQueue({ concurrency: 4 });
  const read = await Promise.all(
    paths.map((path) =>
      queue.add(async () => {
        signal.throwIfAborted();
        try {
          if ((await stat(path)).size > s.maxInputBytes) return null;
          const data = await readFile(path, { signal });
          const size = await probeBuffer(path, data, limits);
          return { sha256: createHash('sha256').update(data).digest('hex'), size };
        } catch (error) {
          if (signal.aborted) throw error;
          return null;
        }
      }),
    ),
  );
  const perModel = new Map<string, { calls: number; usd: number }>();
  let outputs = 0;
  let cached = 0;
  const unreadable = read.filter((r) => !r).length;
  const photos = read.length - unreadable;
  for (const photo of read) {
    if (!photo) continue;
    const { sha256: inputSha256, size } = photo;
    const sent = sentSize(size.width, size.height);
    for (const style of styles) {
      const config = generationConfig(style, size);
      for (let variation = 1; variation <= input.options.variations; variation += 1) {
        outputs += 1;
        const key = contentKey({ inputSha256, prompt: style.prompt, model: style.model, config, variation });
        if (d.cache.has(key)) {
          cached += 1;
          continue;
        }
        const m = perModel.get(style.model) ?? { calls: 0, usd: 0 };
        m.calls += 1;
        m.usd += d.cost.cost(
          style.model,
          style.imageSize,
          imageInputTokens(sent.width, sent.height) + textInputTokens(style.prompt),
        );
        perModel.set(style.model, m);
      }
    }
  }
  const notes: string[] = [];
  if (unreadable > 0)
    notes.push(`${unreadable} file${unreadable === 1 ? ' is' : 's are'} not a readable photo and will fail.`);
  let seconds: number | null = 0;
  const models = [...perModel].map(([model, m]) => {
    const cap = d.quota.capacity(model);
    if (cap.projects === 0) seconds = null;
    else if (seconds !== null) {
      seconds = Math.max(seconds, cap.perMinute > 0 ? Math.ceil((m.calls / cap.perMinute) * 60) : Infinity);
    }
    if (cap.projects > 0 && m.calls > cap.remainingToday) {
      notes.push(
        `${m.calls} calls to ${model} but only ${cap.remainingToday} left today across ${cap.projects} project${cap.projects === 1 ? '' : 's'}; the rest wait until midnight Pacific (add a key from another project for more).`,
      );
    }
    if (!d.cost.price(model, null).known)
      notes.push(`No price is known for ${model}; it is counted at the dearest known price.`);
    return {
      model,
      calls: m.calls,
      usd: m.usd,
      perMinute: cap.perMinute,
      remainingToday: cap.remainingToday,
    };
  });
  if (seconds === null) notes.push('No Gemini API key is enabled: add one in Keys & usage before running.');
  const costUsd = models.reduce((a, m) => a + m.usd, 0);
  const today = d.cost.today();
  const fitsCap = today.spentUsd + today.reservedUsd + costUsd <= today.capUsd + 1e-9;
  if (!fitsCap) {
    notes.push(
      `This run (${money(costUsd)}) would pass today's cap: ${money(today.spentUsd)} of ${money(today.capUsd)} is spent. Calls stop at the cap and the rest wait for midnight Pacific, or a higher cap.`,
    );
  }
  return {
    photos,
    outputs,
    cached,
    calls: outputs - cached,
    costUsd,
    seconds: seconds === Infinity ? null : seconds,
    models,
    today: { spentUsd: today.spentUsd, capUsd: today.capUsd },
    fitsCap,
    notes,
    pricesAsOf: PRICES_AS_OF,
  };
}
