import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, gateOperation, type EngineHarness } from '../../test/helpers/engine.js';
import { eventually } from '../../test/helpers/eventually.js';
import { FIXTURE_IMAGES, KNOWN_IMAGES } from '../../test/helpers/fixtures.js';
import { manualClock } from '../kernel/clock.js';
import { shownPathOf } from '../kernel/paths.js';

let h: EngineHarness;
afterEach(async () => h.close());

const background = 'background' as const;

/** Three fixture photos in a two-level shoot folder. */
function shoot(dir: string): { a: string; b: string; c: string; root: string } {
  const root = join(dir, 'shoot');
  mkdirSync(join(root, 'day 2'), { recursive: true });
  const a = join(root, 'a.jpg');
  const b = join(root, 'day 2', 'b.jpg');
  const c = join(root, 'day 2', 'c.png');
  copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), a);
  copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), b);
  copyFileSync(join(FIXTURE_IMAGES, '00003.png'), c);
  writeFileSync(join(root, 'notes.txt'), 'not a photo');
  return { a, b, c, root };
}

describe('jobs made from a selection', () => {
  it('hold exactly the selected photos, mirror where each sat, keep their sizes and say where they came from', async () => {
    h = engineHarness();
    const { a, c, root } = shoot(h.dir);
    const out = join(h.dir, 'out');
    const job = await h.engine.create({
      kind: 'convert',
      options: { format: 'webp' },
      files: [
        { path: a, relDir: 'shoot', pixels: 1000 },
        { path: c, relDir: 'shoot/day 2' },
        { path: a, relDir: 'shoot' },
      ],
      outDir: out,
      priority: background,
    });
    expect(job).toMatchObject({ source: root, counts: { total: 2 } });
    h.engine.start([job.id]);
    await h.engine.drain();
    const { items } = h.engine.get(job.id, 0, 10);
    expect(items.map((i) => [i.shownPath, i.status, i.outputs])).toEqual([
      [a, 'done', [join(out, 'shoot', 'a.webp')]],
      [c, 'done', [join(out, 'shoot', 'day 2', 'c.webp')]],
    ]);
    // The size given is kept; the one not given is read when the item runs.
    const png = KNOWN_IMAGES['00003.png'];
    expect(items.map((i) => i.pixels)).toEqual([1000, (png?.width ?? 0) * (png?.height ?? 0)]);
  });

  it('refuses paths and files together, and a folder with no photo in it', async () => {
    h = engineHarness();
    const { a, root } = shoot(h.dir);
    await expect(
      h.engine.create({
        kind: 'convert',
        options: {},
        paths: [a],
        files: [{ path: a, relDir: '' }],
        priority: background,
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/either paths .* or files/),
    });
    await expect(
      h.engine.create({
        kind: 'convert',
        options: {},
        paths: [join(root, 'notes.txt')],
        priority: background,
      }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/one file given is not an image/),
    });
  });

  it('show uploads by the name the user gave them, not where the server keeps them', async () => {
    const imports = '/data/imports';
    h = engineHarness([], undefined, undefined);
    const engine = h.restart({ showPath: (p) => shownPathOf(p, imports) });
    expect(shownPathOf('/data/imports/mx4b-1/holiday/a.jpg', imports)).toBe('holiday/a.jpg');
    expect(shownPathOf('/elsewhere/a.jpg', imports)).toBe('/elsewhere/a.jpg');
    const { a } = shoot(h.dir);
    const job = await engine.create({ kind: 'convert', options: {}, paths: [a], priority: background });
    expect(job.source).toBe(a);
  });
});

describe('estimates and progress', () => {
  it('estimate output sizes from the kind, and time only once this machine has measured the kind', async () => {
    h = engineHarness();
    const { a, b, c } = shoot(h.dir);
    const sizes = await Promise.all(
      [a, b, c].map(async (p) => {
        const meta = await sharp(p).metadata();
        return { width: meta.width, height: meta.height };
      }),
    );
    const options = { format: 'webp', maxSize: 256 };
    const before = h.engine.estimate('convert', options, sizes);
    // maxSize fits the longest side inside 256 and never enlarges.
    const outputs = sizes.map((s) => {
      const k = Math.min(1, 256 / Math.max(s.width, s.height));
      return { width: Math.round(s.width * k), height: Math.round(s.height * k) };
    });
    const largest = outputs.reduce((m, o) => (o.width * o.height > m.width * m.height ? o : m));
    expect(before).toMatchObject({
      photos: 3,
      inputPixels: sizes.reduce((n, s) => n + s.width * s.height, 0),
      largestOutput: largest,
      outputPixels: outputs.reduce((n, o) => n + o.width * o.height, 0),
      estimatedMs: null,
      measuredFrom: 0,
      costUsd: null,
    });
    expect(() => h.engine.estimate('convert', { format: 'bmp' }, sizes)).toThrow(/Invalid convert options/);

    const job = await h.engine.create({
      kind: 'convert',
      options,
      paths: [a, b, c],
      outDir: join(h.dir, 'out'),
      priority: background,
    });
    h.engine.start([job.id]);
    await h.engine.drain();
    const rows = h.db
      .prepare<[string], { d: number; p: number }>(
        'SELECT duration_ms AS d, pixels AS p FROM items WHERE job_id = ?',
      )
      .all(job.id)
      .filter((r) => r.d > 0);
    const msPerPixel = rows.reduce((n, r) => n + r.d, 0) / rows.reduce((n, r) => n + r.p, 0);
    const after = h.engine.estimate('convert', options, sizes);
    expect(after.measuredFrom).toBe(rows.length);
    expect(after.estimatedMs).toBe(Math.round(before.inputPixels * msPerPixel));
  });

  it('give an ETA before the first photo ends, from the pixels left and the measured speed', async () => {
    const clock = manualClock();
    const gate = gateOperation();
    h = engineHarness([gate.op], { cpu: 1 }, clock);
    const file = (name: string): string => {
      const path = join(h.dir, name);
      writeFileSync(path, name);
      return path;
    };
    const run = async (names: string[], pixels: number) => {
      const job = await h.engine.create({
        kind: 'gate',
        options: {},
        files: names.map((n) => ({ path: file(n), relDir: '', pixels })),
        outDir: join(h.dir, 'out'),
        priority: background,
      });
      h.engine.start([job.id]);
      return job.id;
    };
    // History: two photos of 1000 pixels, one second each on the test's clock.
    const first = await run(['h1', 'h2'], 1000);
    for (const [i, name] of ['h1', 'h2'].entries()) {
      await eventually(() => expect(gate.started).toContain(name));
      // Nothing measured yet, and nothing finished: no ETA rather than a guess.
      if (name === 'h1') expect(h.engine.summary(first).etaMs).toBeNull();
      clock.advance(1000);
      gate.release(name);
      // Its output is written outside the slot: the clock moves on only once it is done, or a
      // slow disk would make the photo look slower than it was.
      await eventually(() => expect(h.engine.summary(first).counts.done).toBe(i + 1));
    }
    await h.engine.drain();
    // Three photos of 2000 pixels: 6 s before any has finished, though none has.
    const second = await run(['n1', 'n2', 'n3'], 2000);
    await eventually(() => expect(gate.started).toContain('n1'));
    expect(h.engine.summary(second)).toMatchObject({ etaMs: 6000, itemsPerSecond: null });
    gate.release();
    await h.engine.drain();
  });

  it('show a cancelled job by the work it did, and clear finished jobs but not their files', async () => {
    const gate = gateOperation();
    h = engineHarness([gate.op], { cpu: 1 });
    const paths = ['x1', 'x2', 'x3'].map((n) => {
      const path = join(h.dir, n);
      writeFileSync(path, n);
      return path;
    });
    const make = () =>
      h.engine.create({ kind: 'gate', options: {}, paths, outDir: join(h.dir, 'out'), priority: background });
    const cancelled = await make();
    h.engine.start([cancelled.id]);
    gate.release('x1');
    await eventually(() => expect(h.engine.summary(cancelled.id).counts.done).toBe(1));
    h.engine.cancel(cancelled.id);
    await h.engine.drain();
    expect(h.engine.summary(cancelled.id)).toMatchObject({ status: 'cancelled', progress: 1 / 3 });
    const output = h.engine.get(cancelled.id, 0, 1).items[0]?.outputs[0] ?? '';
    expect(existsSync(output)).toBe(true);

    const paused = await make();
    h.engine.pause(paused.id);
    expect(h.engine.clearFinished()).toEqual([cancelled.id]);
    expect(h.events.filter((e) => e.name === 'jobs.cleared').map((e) => e.payload)).toEqual([
      { ids: [cancelled.id] },
    ]);
    expect(h.engine.list().map((j) => j.id)).toEqual([paused.id]);
    expect(existsSync(output)).toBe(true);
  });
});
