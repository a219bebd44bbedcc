import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { tempDir } from '../helpers/fixtures.js';
import { gallery } from './helpers.js';
import { startStudio, type StudioServer } from './server.js';

let studio: StudioServer;
const work = tempDir('pixelsmith-large-');
test.beforeAll(async () => {
  studio = await startStudio();
});
test.afterAll(async () => {
  await studio.stop();
  work.cleanup();
});

const COUNT = 5000;

/**
 * A folder of 5,000 photos stays responsive: the gallery renders only what is on screen. The
 * figures (time to the first thumbnails, scroll frame times) are printed, not asserted: they
 * depend on the machine; what is asserted is that the work does not grow with the library.
 */
test('5,000 photos from a folder: first thumbnails soon, smooth scrolling, only visible cards in the page', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const folder = join(work.path, 'Archive');
  mkdirSync(folder);
  const seed = join(work.path, 'seed.png');
  await sharp({ create: { width: 96, height: 64, channels: 3, background: '#5b7' } })
    .png()
    .toFile(seed);
  for (let i = 0; i < COUNT; i++) copyFileSync(seed, join(folder, `photo-${String(i).padStart(4, '0')}.png`));

  await page.goto(studio.url);
  await expect(page.getByRole('heading', { name: 'No photos yet' })).toBeVisible();
  // The folder is on the server's disk: added by path, as the desktop app adds a picked folder.
  const started = Date.now();
  const added = await page.evaluate(async (path) => {
    const r = await fetch('/rpc/library.add', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paths: [path] }),
    });
    return ((await r.json()) as { value: { added: number } }).value.added;
  }, folder);
  const scannedMs = Date.now() - started;
  expect(added).toBe(COUNT);

  await expect(gallery(page).getByRole('option').first()).toBeVisible();
  const listedMs = Date.now() - started;
  await expect
    .poll(() =>
      gallery(page)
        .locator('img')
        .evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length),
    )
    .toBeGreaterThanOrEqual(8);
  const thumbsMs = Date.now() - started;

  const rendered = await gallery(page).getByRole('option').count();
  expect(rendered).toBeLessThan(300);

  // Scroll a frame at a time and time the frames: at a brisk wheel speed (120 px a frame), and
  // flinging through the whole library (every frame a screen of new cards).
  const scroll = (step: number | 'fling') =>
    gallery(page).evaluate(async (el, by) => {
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 120; i++) {
        el.scrollTop += by === 'fling' ? Math.ceil(el.scrollHeight / 120) : by;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      times.sort((a, b) => a - b);
      return { median: times[60] ?? 0, p95: times[114] ?? 0 };
    }, step);
  const wheel = await scroll(120);
  const fling = await scroll('fling');
  await expect(gallery(page).getByRole('option', { name: /^photo-4999\.png,/ })).toBeVisible();
  expect(await gallery(page).getByRole('option').count()).toBeLessThan(300);

  console.log(
    `[large library] ${COUNT} photos: scanned and added in ${scannedMs} ms, first cards ${listedMs} ms, ` +
      `first thumbnails ${thumbsMs} ms; ${rendered} cards in the page; frame time scrolling 120 px/frame ` +
      `median ${wheel.median.toFixed(1)} ms, p95 ${wheel.p95.toFixed(1)} ms; flinging through all ` +
      `median ${fling.median.toFixed(1)} ms, p95 ${fling.p95.toFixed(1)} ms`,
  );
});
