import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { engineHarness, gateOperation, type EngineHarness } from '../../test/helpers/engine.js';
import { eventually } from '../../test/helpers/eventually.js';
import { FIXTURE_IMAGES } from '../../test/helpers/fixtures.js';
import { pngBombHeader } from '../../test/helpers/png.js';
import type { JobEngine } from './engine.js';

let h: EngineHarness;
afterEach(() => h.close());

async function run(engine: JobEngine, req: Parameters<JobEngine['create']>[0]) {
  const job = await engine.create(req);
  engine.start([job.id]);
  await engine.drain();
  return engine.get(job.id, 0, 1000);
}
const convert = (paths: string[], outDir: string, options: Record<string, unknown> = {}) =>
  ({ kind: 'convert', options, paths, outDir, priority: 'background' }) as const;

describe('job engine: failures stay local', () => {
  it('gives each bad file its own specific error while the rest convert, and ends done with the failures listed', async () => {
    h = engineHarness();
    const src = join(h.dir, 'in');
    mkdirSync(join(src, 'nested'), { recursive: true });
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(src, 'good.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '00003.png'), join(src, 'really-a-png.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(src, 'Fotografía 東京 ✓.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(src, `${'long-name-'.repeat(24)}.jpg`));
    writeFileSync(join(src, 'zero.jpg'), '');
    const full = readFileSync(join(FIXTURE_IMAGES, '00.jpg'));
    writeFileSync(join(src, 'truncated.jpg'), full.subarray(0, Math.floor(full.length * 0.6)));
    writeFileSync(join(src, 'text.jpg'), 'a shopping list, not a photo');
    writeFileSync(join(src, 'bomb.png'), pngBombHeader(30_000, 30_000));
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(src, 'deleted-before-run.jpg'));
    symlinkSync(src, join(src, 'nested', 'loop'));

    const job = await h.engine.create(convert([src], join(h.dir, 'out'), { format: 'jpg', maxSize: 128 }));
    rmSync(join(src, 'deleted-before-run.jpg'));
    h.engine.start([job.id]);
    await h.engine.drain();
    const { job: done, items } = h.engine.get(job.id, 0, 100);
    const byName = Object.fromEntries(items.map((i) => [i.inputPath.slice(src.length + 1), i]));

    for (const ok of [
      'good.jpg',
      'really-a-png.jpg',
      'Fotografía 東京 ✓.jpg',
      `${'long-name-'.repeat(24)}.jpg`,
    ]) {
      expect(byName[ok]?.status, ok).toBe('done');
      const meta = await sharp(byName[ok]?.outputs[0]).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width, meta.height)).toBe(128);
    }
    // Files that do not even start like an image are left out when listed, and the log says so.
    expect(byName['zero.jpg']).toBeUndefined();
    expect(byName['text.jpg']).toBeUndefined();
    expect(h.engine.logOf(job.id, 50).map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^Left out 2 files that are not an image: .*text\.jpg.*zero\.jpg/),
    );
    expect(byName['truncated.jpg']).toMatchObject({
      status: 'failed',
      errorCode: 'CORRUPT_IMAGE',
      errorMessage: expect.stringMatching(/truncated or damaged/),
    });
    expect(byName['bomb.png']).toMatchObject({
      status: 'failed',
      errorCode: 'IMAGE_TOO_LARGE',
      errorMessage: expect.stringMatching(/30000×30000/),
    });
    expect(byName['deleted-before-run.jpg']).toMatchObject({ status: 'failed', errorCode: 'FILE_NOT_FOUND' });
    expect(byName['nested/loop']).toMatchObject({
      status: 'failed',
      errorCode: 'UNREADABLE',
      errorMessage: expect.stringMatching(/already scanned/),
    });
    expect(done).toMatchObject({
      status: 'done',
      counts: { total: 8, done: 4, failed: 4, queued: 0, running: 0, retryable: 3 },
      progress: 1,
    });
    expect(h.events.filter((e) => e.name === 'item.failed')).toHaveLength(3); // the loop failed while listing
    expect(h.events.filter((e) => e.name === 'item.done')).toHaveLength(4);
  });

  it('keeps EXIF and the ICC profile, bakes the orientation into the pixels and resets the tag', async () => {
    h = engineHarness();
    const input = join(h.dir, 'tagged.jpg');
    const left = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#0000ff' } })
      .composite([{ input: left, left: 0, top: 0 }])
      .withIccProfile('p3')
      .withExif({ IFD0: { Make: 'PixelsmithTestCam', Copyright: 'Test Owner' } })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toFile(input);
    const source = await sharp(input).metadata();
    expect(source.orientation).toBe(6);
    const { items } = await run(h.engine, convert([input], join(h.dir, 'out'), { format: 'png' }));
    const out = items[0]?.outputs[0] ?? '';
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([100, 200]);
    expect(meta.orientation ?? 1).toBe(1);
    expect(meta.exif?.toString('latin1')).toContain('PixelsmithTestCam');
    expect(meta.icc?.length).toBe(source.icc?.length);
    const { data } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(data[(10 * 100 + 50) * 3]).toBeGreaterThan(200); // top: red
    expect(data[(190 * 100 + 50) * 3 + 2]).toBeGreaterThan(200); // bottom: blue
  });

  it('scales exactly, flattens alpha onto white for JPEG, and mirrors the folder tree under --out', async () => {
    h = engineHarness();
    const src = join(h.dir, 'shoot');
    mkdirSync(join(src, 'day1'), { recursive: true });
    copyFileSync(join(FIXTURE_IMAGES, 'children-alpha.png'), join(src, 'day1', 'alpha.png'));
    const { items } = await run(h.engine, convert([src], join(h.dir, 'out'), { format: 'jpg', scale: 0.5 }));
    expect(items[0]?.outputs[0]).toBe(join(h.dir, 'out', 'shoot', 'day1', 'alpha.jpg'));
    const { data, info } = await sharp(items[0]?.outputs[0]).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([283, 175, 3]);
    const alpha = await sharp(join(FIXTURE_IMAGES, 'children-alpha.png'))
      .resize(283, 175)
      .extractChannel(3)
      .raw()
      .toBuffer();
    const clear = alpha.findIndex((a) => a === 0);
    expect(clear).toBeGreaterThanOrEqual(0);
    expect([...data.subarray(clear * 3, clear * 3 + 3)].every((v) => v > 240)).toBe(true);
  });

  it('re-running a folder skips outputs already made with the same options, and remakes changed ones', async () => {
    h = engineHarness();
    const src = join(h.dir, 'in');
    mkdirSync(src);
    for (const name of ['0014.jpg', '0030.jpg', 'ADE_val_00000114.jpg'])
      copyFileSync(join(FIXTURE_IMAGES, name), join(src, name));
    const out = join(h.dir, 'out');
    expect((await run(h.engine, convert([src], out, { format: 'webp' }))).job.counts.done).toBe(3);
    const again = await run(h.engine, convert([src], out, { format: 'webp' }));
    expect(again.job.counts).toMatchObject({ done: 0, skipped: 3 });
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(src, '0014.jpg'));
    const changed = await run(h.engine, convert([src], out, { format: 'webp', quality: 85 }));
    expect(changed.job.counts).toMatchObject({ done: 1, skipped: 2 });
    const otherOptions = await run(h.engine, convert([src], out, { format: 'webp', quality: 60 }));
    expect(otherOptions.job.counts).toMatchObject({ done: 3, skipped: 0 });
  });

  it('refuses bad options and unknown kinds at once with INVALID_INPUT', async () => {
    h = engineHarness();
    await expect(h.engine.create(convert([FIXTURE_IMAGES], h.dir, { format: 'bmp' }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/format/),
    });
    await expect(
      h.engine.create(convert([FIXTURE_IMAGES], h.dir, { maxSize: 100, scale: 0.5 })),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/either maxSize or scale/),
    });
    await expect(
      h.engine.create({ ...convert([FIXTURE_IMAGES], h.dir), kind: 'teleport' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/Unknown job kind "teleport"/),
    });
  });
});

describe('job engine: control', () => {
  async function gateJob(names: string[], priority: 'interactive' | 'background' = 'background') {
    const src = join(h.dir, `in-${priority}-${names[0]}`);
    mkdirSync(src, { recursive: true });
    for (const n of names) writeFileSync(join(src, n), n);
    return h.engine.create({ kind: 'gate', options: {}, paths: [src], outDir: join(h.dir, 'out'), priority });
  }

  it('pause interrupts the running item (attempt refunded) and claims nothing more; resume finishes the job', async () => {
    const gate = gateOperation();
    h = engineHarness([gate.op]);
    const job = await gateJob(['a', 'b', 'c']);
    h.engine.start([job.id]);
    await eventually(() => expect(gate.started).toEqual(['a']));
    expect(h.engine.pause(job.id)).toMatchObject({ status: 'paused', etaMs: null });
    await h.engine.drain();
    const paused = h.engine.get(job.id, 0, 10);
    expect(paused.items.map((i) => [i.status, i.attempts])).toEqual([
      ['queued', 0],
      ['queued', 0],
      ['queued', 0],
    ]);
    expect(() => h.engine.pause(job.id)).toThrow(/cannot be paused/);
    gate.release();
    h.engine.resume(job.id);
    await h.engine.drain();
    const done = h.engine.get(job.id, 0, 10);
    expect(done.job.status).toBe('done');
    expect(done.items.map((i) => [i.status, i.attempts])).toEqual([
      ['done', 1],
      ['done', 1],
      ['done', 1],
    ]);
  });

  it('cancel stops the running item and every queued one; the job ends cancelled and cannot be cancelled twice', async () => {
    const gate = gateOperation();
    h = engineHarness([gate.op]);
    const job = await gateJob(['a', 'b', 'c']);
    h.engine.start([job.id]);
    await eventually(() => expect(gate.started).toEqual(['a']));
    expect(h.engine.cancel(job.id).status).toBe('cancelled');
    await h.engine.drain();
    const { job: after, items } = h.engine.get(job.id, 0, 10);
    expect(items.map((i) => i.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(items[0]?.errorCode).toBe('CANCELLED');
    expect(after.counts.cancelled).toBe(3);
    expect(() => h.engine.cancel(job.id)).toThrow(/cannot be cancelled/);
  });

  it('cancelling one item leaves the rest to finish', async () => {
    const gate = gateOperation();
    h = engineHarness([gate.op]);
    const job = await gateJob(['a', 'b', 'c']);
    h.engine.start([job.id]);
    await eventually(() => expect(gate.started).toEqual(['a']));
    const [, second] = h.engine.get(job.id, 0, 10).items;
    expect(h.engine.cancelItem(second?.id ?? 0).status).toBe('cancelled');
    gate.release();
    await h.engine.drain();
    const { job: after, items } = h.engine.get(job.id, 0, 10);
    expect(items.map((i) => i.status)).toEqual(['done', 'cancelled', 'done']);
    expect(after.status).toBe('done');
  });

  it('retryFailed runs only the failed items again', async () => {
    h = engineHarness();
    const src = join(h.dir, 'in');
    mkdirSync(src);
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(src, 'ok.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(src, 'later.jpg'));
    const full = readFileSync(join(FIXTURE_IMAGES, '00.jpg'));
    writeFileSync(join(src, 'cut.jpg'), full.subarray(0, Math.floor(full.length * 0.6)));
    const job = await h.engine.create(convert([src], join(h.dir, 'out')));
    // Moved away before it runs (FILE_NOT_FOUND may mend); a damaged photo never will.
    renameSync(join(src, 'later.jpg'), join(h.dir, 'later.jpg'));
    h.engine.start([job.id]);
    await h.engine.drain();
    const first = h.engine.get(job.id, 0, 10);
    expect(first.job.counts).toMatchObject({ done: 1, failed: 2, retryable: 1 });
    renameSync(join(h.dir, 'later.jpg'), join(src, 'later.jpg'));
    h.engine.retryFailed(first.job.id);
    await h.engine.drain();
    const after = h.engine.get(first.job.id, 0, 10);
    expect(after.job).toMatchObject({ status: 'done', counts: { done: 2, failed: 1, retryable: 0 } });
    expect(after.items.find((i) => i.inputPath.endsWith('cut.jpg'))).toMatchObject({
      status: 'failed',
      errorCode: 'CORRUPT_IMAGE',
    });
    expect(after.items.map((i) => [i.inputPath.split('/').pop(), i.attempts])).toEqual([
      ['cut.jpg', 1],
      ['later.jpg', 2],
      ['ok.jpg', 1],
    ]);
  });

  it('runs interactive jobs before background ones', async () => {
    const gate = gateOperation();
    h = engineHarness([gate.op]);
    const background = await gateJob(['bg1', 'bg2', 'bg3']);
    h.engine.start('all');
    await eventually(() => expect(gate.started).toEqual(['bg1']));
    await gateJob(['now'], 'interactive');
    gate.release();
    await h.engine.drain();
    expect(gate.started).toEqual(['bg1', 'now', 'bg2', 'bg3']);
    expect(h.engine.summary(background.id).status).toBe('done');
  });

  it('after a crash, items left running by a dead process go back to the queue with the attempt counted', async () => {
    h = engineHarness();
    const src = join(h.dir, 'in');
    mkdirSync(src);
    for (const name of ['0014.jpg', '0030.jpg']) copyFileSync(join(FIXTURE_IMAGES, name), join(src, name));
    const job = await h.engine.create(convert([src], join(h.dir, 'out')));
    const { hostname } = await import('node:os');
    h.db
      .prepare("UPDATE items SET status = 'running', attempts = 1, owner = ? WHERE seq = 0")
      .run(`${hostname()}|999999999|deadbeef`);
    h.db.prepare("UPDATE jobs SET status = 'running' WHERE id = ?").run(job.id);
    const restarted = h.restart();
    expect(restarted.start('all')).toBe(1);
    await restarted.drain();
    const { job: after, items } = restarted.get(job.id, 0, 10);
    expect(after).toMatchObject({ status: 'done', counts: { done: 2 } });
    expect(items.map((i) => i.attempts)).toEqual([2, 1]);
  });

  it('reports progress with an ETA while running', async () => {
    h = engineHarness();
    const job = await run(
      h.engine,
      convert([FIXTURE_IMAGES], join(h.dir, 'out'), { format: 'webp', maxSize: 64 }),
    );
    expect(job.job.counts.done).toBe(14);
    const progress = h.events.filter((e) => e.name === 'job.progress');
    expect(progress.at(-1)?.payload).toMatchObject({ progress: 1, counts: { done: 14 } });
    expect(progress.some((e) => e.name === 'job.progress' && e.payload.itemsPerSecond !== null)).toBe(true);
  });
});

describe('job engine: the input header', () => {
  it('is read once per item, counts the item’s pixels, and rejects what is not an image with its own code', async () => {
    const seen: { same: boolean; width: number; height: number }[] = [];
    h = engineHarness([
      {
        kind: 'header',
        version: 1,
        inputs: 'any',
        optionsSchema: z.strictObject({}),
        resource: () => 'cpu',
        outputExtension: () => 'txt',
        async run(ctx) {
          const first = ctx.probe();
          const header = await first;
          seen.push({ same: ctx.probe() === first, width: header.width, height: header.height });
          return { outputs: [ctx.writeOutput(Buffer.from(`${header.width}×${header.height}`))] };
        },
      },
    ]);
    const src = join(h.dir, 'in');
    mkdirSync(src);
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(src, 'photo.jpg'));
    writeFileSync(join(src, 'notes.txt'), 'not a photo');
    const job = await run(h.engine, {
      kind: 'header',
      options: {},
      paths: [src],
      outDir: join(h.dir, 'out'),
      priority: 'background',
    });
    const { width, height } = await sharp(join(FIXTURE_IMAGES, '0014.jpg')).metadata();
    const photo = job.items.find((i) => i.inputPath.endsWith('photo.jpg'));
    const notes = job.items.find((i) => i.inputPath.endsWith('notes.txt'));
    expect(seen).toEqual([{ same: true, width, height }]);
    expect(photo).toMatchObject({ status: 'done', pixels: width! * height! });
    expect(notes).toMatchObject({ status: 'failed', pixels: null, errorCode: 'NOT_AN_IMAGE' });
  });
});
