import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildClient, type Api } from '../../core/contract/client.js';
import type { RpcError } from '../../core/contract/errors.js';
import type { EventEnvelope } from '../../core/contract/events.js';
import type { JobSummary } from '../../core/contract/jobs.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini/index.js';
import { FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const FLASH = 'gemini-2.5-flash-image';
const KEY_A = 'AIzaSyRESTYLE-a-0123456789abcdefXYZ1';
const KEY_B = 'AIzaSyRESTYLE-b-0123456789abcdefXYZ2';
const PHOTOS = ['Blake_Lively.jpg', 'Adele_crop.png', 'children-alpha.png', '0014.jpg'];

let made = 0;
/** A folder of `n` photos no earlier folder had (each its own width, so its own bytes and cache keys). */
async function photoFolder(root: string, n: number): Promise<string> {
  const dir = join(root, `in-${(made += 1)}`);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i += 1) {
    const name = PHOTOS[i % PHOTOS.length] ?? 'Blake_Lively.jpg';
    made += 1;
    await sharp(join(FIXTURE_IMAGES, name))
      .resize({ width: 64 + made })
      .png()
      .toFile(join(dir, `p${String(i).padStart(2, '0')}_${name.replace(/\.[a-z]+$/, '')}.png`));
  }
  return dir;
}

const generateCalls = (fake: FakeGemini): number =>
  fake.requests.filter((r) => r.path.endsWith(':generateContent')).length;

describe('restyle with Gemini (real SDK against the wire-level fake)', () => {
  let fake: FakeGemini;
  let h: Harness;
  let api: Api;
  const dir = tempDir('pixelsmith-restyle-');
  const events: EventEnvelope[] = [];

  beforeAll(async () => {
    fake = await startFakeGemini({
      keys: { [KEY_A]: { project: 'studio-a' }, [KEY_B]: { project: 'studio-b' } },
      limits: { [FLASH]: { rpm: 1000, rpd: 100_000 } },
    });
    h = await startHarness('direct', {}, { geminiBaseUrl: fake.url, runJobs: 'all' });
    api = buildClient(h.transport);
    h.transport.subscribe((e) => events.push(e));
    await api.keys.add({ label: 'A', project: 'studio-a', secret: KEY_A });
    await api.keys.add({ label: 'B', project: 'studio-b', secret: KEY_B });
    await api.usage.setLimit({ model: FLASH, rpm: 1000, rpd: 100_000 });
    // Retries wait 2 s, 4 s …; the tests keep them short without touching the logic.
    await api.settings.set({ maxAttempts: 4 });
  });
  afterEach(() => {
    fake.clearInjections();
    events.length = 0;
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
    dir.cleanup();
  });

  async function run(
    paths: string[],
    options: Record<string, unknown>,
    outDir: string,
  ): Promise<{ job: JobSummary; items: Awaited<ReturnType<Api['jobs']['get']>>['items'] }> {
    const job = await api.jobs.create({
      kind: 'restyle',
      options: options as never,
      paths,
      outDir,
      priority: 'interactive',
    });
    await vi.waitUntil(
      async () => {
        const s = (await api.jobs.get({ id: job.id, limit: 1 })).job;
        return s.status === 'done' || s.counts.awaiting + s.counts.queued + s.counts.running === 0;
      },
      { timeout: 120_000, interval: 50 },
    );
    const got = await api.jobs.get({ id: job.id, limit: 1000 });
    return { job: got.job, items: got.items };
  }

  it('writes each photo × style × variation as a real PNG with a sidecar; a second run makes no call', async () => {
    const input = await photoFolder(dir.path, 2);
    const out = join(dir.path, 'out-success');
    fake.requests.length = 0;
    const estimate = await api.restyle.estimate({
      paths: [input],
      options: { styles: ['ink_wash', 'van_gogh'], variations: 2 },
    });
    expect(estimate).toMatchObject({ photos: 2, outputs: 8, cached: 0, calls: 8, fitsCap: true });
    expect(estimate.costUsd).toBeGreaterThan(8 * 0.039);
    expect(estimate.costUsd).toBeLessThan(8 * 0.04);

    const first = await run([input], { styles: ['ink_wash', 'van_gogh'], variations: 2 }, out);
    expect(first.items.map((i) => i.status)).toEqual(['done', 'done']);
    expect(generateCalls(fake)).toBe(8);
    const folder = join(out, basename(input));
    const names = readdirSync(folder).sort();
    expect(names.filter((n) => n.endsWith('.png'))).toEqual([
      'p00_Blake_Lively_ink_wash.png',
      'p00_Blake_Lively_ink_wash_c2.png',
      'p00_Blake_Lively_van_gogh.png',
      'p00_Blake_Lively_van_gogh_c2.png',
      'p01_Adele_crop_ink_wash.png',
      'p01_Adele_crop_ink_wash_c2.png',
      'p01_Adele_crop_van_gogh.png',
      'p01_Adele_crop_van_gogh_c2.png',
    ]);
    const meta = await sharp(join(folder, 'p00_Blake_Lively_van_gogh.png')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(16);
    const sidecar = JSON.parse(readFileSync(join(folder, 'p00_Blake_Lively_van_gogh_c2.json'), 'utf8'));
    expect(sidecar).toMatchObject({
      style: { id: 'van_gogh', name: 'Van Gogh' },
      variation: 2,
      model: FLASH,
      cacheHit: false,
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '4:5' } },
    });
    expect(sidecar.prompt).toMatch(/Van Gogh/);
    expect(sidecar.prompt).toMatch(/pure white/);
    expect(sidecar.costUsd).toBeGreaterThan(0.039);
    expect(sidecar.usage.outputTokens).toBeGreaterThanOrEqual(1290);
    // What the SDK put on the wire: the photo inline, TEXT+IMAGE, imageConfig; one candidate.
    const body = fake.requests.find((r) => r.path.endsWith(':generateContent'))?.body as {
      contents: { parts: { inlineData?: { mimeType: string }; text?: string }[] }[];
      generationConfig: Record<string, unknown>;
    };
    expect(body.contents[0]?.parts[0]?.inlineData?.mimeType).toBe('image/png');
    expect(body.generationConfig).toMatchObject({
      responseModalities: ['TEXT', 'IMAGE'],
      imageConfig: { aspectRatio: '4:5' },
    });
    expect(body.generationConfig.candidateCount).toBeUndefined();
    // Every call is in the ledger with its tokens.
    const ledger = await api.cost.ledger({});
    expect(ledger.rows.filter((r) => r.status === 'ok')).toHaveLength(8);
    expect(ledger.rows[0]?.outputTokens).toBeGreaterThanOrEqual(1290);
    expect(first.items[0]?.details).toMatchObject({ calls: 4, cached: 0, images: 4 });

    // The same job again into another folder: all from the cache, nothing called, nothing billed.
    fake.requests.length = 0;
    const spent = (await api.cost.today()).spentUsd;
    const again = await api.restyle.estimate({
      paths: [input],
      options: { styles: ['ink_wash', 'van_gogh'], variations: 2 },
    });
    expect(again).toMatchObject({ cached: 8, calls: 0, costUsd: 0 });
    const second = await run(
      [input],
      { styles: ['ink_wash', 'van_gogh'], variations: 2 },
      join(dir.path, 'out-again'),
    );
    expect(second.items.map((i) => i.status)).toEqual(['done', 'done']);
    expect(generateCalls(fake)).toBe(0);
    expect((await api.cost.today()).spentUsd).toBe(spent);
    expect(second.items[0]?.details).toMatchObject({ calls: 0, cached: 4, costUsd: 0 });
    const cachedSidecar = JSON.parse(
      readFileSync(join(dir.path, 'out-again', basename(input), 'p00_Blake_Lively_ink_wash.json'), 'utf8'),
    );
    expect(cachedSidecar).toMatchObject({ cacheHit: true, costUsd: 0 });
    expect(
      readFileSync(join(dir.path, 'out-again', basename(input), 'p00_Blake_Lively_ink_wash.png')),
    ).toEqual(readFileSync(join(folder, 'p00_Blake_Lively_ink_wash.png')));
    // Into the first folder again: every photo is skipped as made, and stands for all its outputs.
    const third = await run([input], { styles: ['ink_wash', 'van_gogh'], variations: 2 }, out);
    expect(third.items.map((i) => i.status)).toEqual(['skipped', 'skipped']);
    expect(third.items[0]?.outputs.map((o) => basename(o))).toEqual([
      'p00_Blake_Lively_ink_wash.png',
      'p00_Blake_Lively_ink_wash_c2.png',
      'p00_Blake_Lively_van_gogh.png',
      'p00_Blake_Lively_van_gogh_c2.png',
      'p00_Blake_Lively_ink_wash.json',
      'p00_Blake_Lively_ink_wash_c2.json',
      'p00_Blake_Lively_van_gogh.json',
      'p00_Blake_Lively_van_gogh_c2.json',
    ]);
    // The styles now show thumbnails of their latest results.
    const styles = await api.styles.list();
    expect(styles.find((s) => s.id === 'ink_wash')?.samples.length).toBeGreaterThan(0);
  });

  it('a 429 storm (30 % of calls refused with RetryInfo) re-queues items and every one succeeds', async () => {
    const input = await photoFolder(dir.path, 12);
    const rule = fake.inject({
      match: { model: FLASH },
      probability: 0.3,
      respond: { status: 429, retryDelayMs: 1000 },
    });
    const { items, job } = await run([input], { styles: ['bw_fine_art'] }, join(dir.path, 'out-429'));
    expect(rule.hits).toBeGreaterThan(0);
    expect(items.every((i) => i.status === 'done')).toBe(true);
    expect(items).toHaveLength(12);
    const log = await api.jobs.log({ id: job.id });
    expect(
      log.some((e) =>
        /rate limited \(429\) on project studio-., which waits 1 s as Google asked; trying again in 0 s \(this try does not count\)/.test(
          e.message,
        ),
      ),
    ).toBe(true);
  });

  it('503 bursts are tried again with backoff and every item succeeds within the attempt limit', async () => {
    const input = await photoFolder(dir.path, 3);
    // Three 503s in all, so no photo meets more than 3: within the 4 attempts set above.
    const rule = fake.inject({ match: { model: FLASH }, times: 3, respond: { status: 503 } });
    const { items } = await run([input], { styles: ['ink_wash'] }, join(dir.path, 'out-503'));
    expect(rule.hits).toBe(3);
    expect(items.map((i) => i.status)).toEqual(['done', 'done', 'done']);
    expect(Math.max(...items.map((i) => i.attempts))).toBeLessThanOrEqual(4);
  });

  it('a safety block and an answer without an image fail only their own item, with the reason', async () => {
    const input = await photoFolder(dir.path, 3);
    fake.inject({ match: { model: FLASH }, times: 1, respond: { safetyBlock: 'prompt', reason: 'SAFETY' } });
    fake.inject({ match: { model: FLASH }, times: 1, respond: { emptyImage: true, finishReason: 'STOP' } });
    const { items } = await run([input], { styles: ['van_gogh'] }, join(dir.path, 'out-blocked'));
    const failed = items.filter((i) => i.status === 'failed');
    expect(items.filter((i) => i.status === 'done')).toHaveLength(1);
    expect(failed.map((i) => i.errorCode).sort()).toEqual(['NO_IMAGE', 'SAFETY_BLOCKED']);
    expect(failed.find((i) => i.errorCode === 'SAFETY_BLOCKED')?.errorMessage).toMatch(
      /blocked the photo \(SAFETY\)/,
    );
    expect(failed.find((i) => i.errorCode === 'NO_IMAGE')?.errorMessage).toMatch(
      /without an image: "I'm sorry/,
    );
  });

  it('a damaged photo fails its own item with the reason; the others are made', async () => {
    const input = await photoFolder(dir.path, 2);
    const whole = readFileSync(join(input, 'p01_Adele_crop.png'));
    writeFileSync(join(input, 'p01_Adele_crop.png'), whole.subarray(0, Math.floor(whole.length / 2)));
    // A 3000 px photo is fitted before it is sent, a small one goes as it is: both are checked first.
    const big = join(input, 'p02_big.jpg');
    const jpeg = await sharp(join(FIXTURE_IMAGES, 'Blake_Lively.jpg'))
      .resize({ width: 3000 })
      .jpeg()
      .toBuffer();
    writeFileSync(big, jpeg.subarray(0, Math.floor(jpeg.length / 3)));
    const { items } = await run([input], { styles: ['ink_wash'] }, join(dir.path, 'out-damaged'));
    const byName = Object.fromEntries(items.map((i) => [basename(i.inputPath), i]));
    expect(byName['p00_Blake_Lively.png']?.status).toBe('done');
    expect(byName['p01_Adele_crop.png']).toMatchObject({ status: 'failed' });
    expect(byName['p01_Adele_crop.png']?.errorMessage).toMatch(
      /Unable to process input image|could not be decoded/,
    );
    expect(byName['p02_big.jpg']).toMatchObject({
      status: 'failed',
      errorCode: 'CORRUPT_IMAGE',
      attempts: 1,
    });
  });

  it('a call with no answer within the timeout is given up and tried again', async () => {
    const input = await photoFolder(dir.path, 1);
    await api.settings.set({ geminiTimeoutSeconds: 5 });
    try {
      const rule = fake.inject({ match: { model: FLASH }, times: 1, respond: { timeoutMs: 60_000 } });
      const { items, job } = await run([input], { styles: ['ink_wash'] }, join(dir.path, 'out-timeout'));
      expect(rule.hits).toBe(1);
      expect(items.map((i) => [i.status, i.attempts])).toEqual([['done', 2]]);
      const log = await api.jobs.log({ id: job.id });
      expect(
        log.some((e) =>
          /ink_wash: Gemini did not answer within 5 s; trying again in \d+ s \(attempt 1 of 4\)/.test(
            e.message,
          ),
        ),
      ).toBe(true);
    } finally {
      await api.settings.set({ geminiTimeoutSeconds: 180 });
    }
  });

  it('a job keeps its styles as they were when it was made; user styles are stored, edited and removed', async () => {
    const input = await photoFolder(dir.path, 1);
    const created = await api.styles.create({
      style: { name: 'Pastel portrait', prompt: 'Restyle this photo as a soft pastel chalk drawing.' },
    });
    expect(created).toMatchObject({
      id: 'pastel_portrait',
      builtin: false,
      model: FLASH,
      aspectRatio: '4:5',
    });
    const job = await api.jobs.create({
      kind: 'restyle',
      options: { styles: ['pastel_portrait'] },
      paths: [input],
    });
    expect(job.options.resolved).toEqual([
      expect.objectContaining({
        id: 'pastel_portrait',
        prompt: 'Restyle this photo as a soft pastel chalk drawing.',
      }),
    ]);
    await api.styles.update({
      id: 'pastel_portrait',
      style: {
        name: 'Pastel portrait',
        prompt: 'Restyle this photo as a bold oil pastel drawing.',
        aspectRatio: 'auto',
      },
    });
    const stored = await api.jobs.get({ id: job.id });
    expect((stored.job.options.resolved as { prompt: string }[])[0]?.prompt).toMatch(/soft pastel chalk/);
    const copy = await api.styles.duplicate({ id: 'ink_wash' });
    expect(copy).toMatchObject({ id: 'ink_wash_copy', name: 'Ink wash (copy)', builtin: false });
    const preview = await api.styles.preview({ id: 'pastel_portrait' });
    expect(preview).toMatchObject({
      prompt: 'Restyle this photo as a bold oil pastel drawing.',
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1' } },
      usdPerImage: 0.039,
      problems: [],
    });
    await expect(
      api.styles.update({ id: 'van_gogh', style: { name: 'x', prompt: 'y'.repeat(30) } }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(api.styles.remove({ id: 'ink_wash_copy' })).resolves.toEqual({ removed: true });
    expect((await api.styles.list()).map((s) => s.id)).toEqual([
      'bw_fine_art',
      'ink_wash',
      'van_gogh',
      'pastel_portrait',
    ]);
  });

  it('refuses unknown styles and sizes a model does not make, before anything is queued', async () => {
    const input = await photoFolder(dir.path, 1);
    await expect(
      api.jobs.create({ kind: 'restyle', options: { styles: ['nope'] }, paths: [input] }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/no style "nope"/) as unknown,
    });
    const err = (await api.jobs
      .create({ kind: 'restyle', options: { styles: ['ink_wash'], imageSize: '4K' }, paths: [input] })
      .catch((e: unknown) => e)) as RpcError;
    expect(err.message).toMatch(/makes 1K images only; 4K needs gemini-3-pro-image-preview/);
    const missing = join(input, 'gone.jpg');
    await expect(
      api.restyle.estimate({ options: { styles: ['ink_wash'] }, paths: [missing] }),
    ).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: `${missing} does not exist; nothing was estimated.`,
    });
  });
});
