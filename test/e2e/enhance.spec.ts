import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator } from '@playwright/test';
import sharp from 'sharp';
import yauzl from 'yauzl';
import { FIXTURES, FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { emptyLibrary, expectThumbnailLoaded, gallery, inspector, nav, photo } from './helpers.js';
import { startStudio, type StudioServer } from './server.js';

let studio: StudioServer;
const work = tempDir('pixelsmith-enhance-');
test.beforeAll(async () => {
  studio = await startStudio(['--root', work.path], { PIXELSMITH_MODELS_DIR: join(FIXTURES, 'models') });
});
test.afterAll(async () => {
  await studio.stop();
  work.cleanup();
});

function zipNames(bytes: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const stageView = async (stage: Locator) => ({
  scale: Number(await stage.getAttribute('data-scale')),
  x: Number(await stage.getAttribute('data-x')),
  y: Number(await stage.getAttribute('data-y')),
});

test('Enhance one photo of several, reach its result (download, zip), and compare it at real pixels', async ({
  page,
}) => {
  const photos = join(work.path, 'Scans');
  mkdirSync(photos);
  copyFileSync(join(FIXTURE_IMAGES, 'esrgan_lq_comic.png'), join(photos, 'comic.png'));
  await sharp(join(FIXTURE_IMAGES, '0030.jpg')).resize(64, 64).toFile(join(photos, 'small.jpg'));

  await page.goto(studio.url);
  await page.getByLabel('Add folder').first().setInputFiles(photos);
  await expect(gallery(page).getByRole('option')).toHaveCount(2);

  // Select one photo: the inspector speaks about it, with an estimate of its output.
  await photo(page, 'comic.png').click();
  const panel = inspector(page);
  await expect(panel.getByLabel('Model')).toContainText('Real-ESRGAN anime video v3');
  await panel.getByLabel('Scale').selectOption('2');
  await expect(panel.getByRole('region', { name: 'Estimate' })).toContainText('120 × 180');
  // Quality is a number field: emptied, it is an error on the field and Start waits.
  await panel.getByLabel('Quality').fill('');
  await expect(panel.getByLabel('Quality')).toHaveAttribute('aria-invalid', 'true');
  await expect(panel.getByRole('button', { name: 'Enhance 1 photo' })).toBeDisabled();
  await panel.getByLabel('Quality').fill('90');

  // Uploads live in Pixelsmith's own folder, so results default to the server's offered folder;
  // another is chosen from the folders under it.
  await expect(panel).toContainText(`${work.path}/Pixelsmith`);
  mkdirSync(join(work.path, 'enhanced'));
  await panel.getByRole('button', { name: 'Choose…' }).click();
  const chooser = page.getByRole('dialog', { name: 'Choose an output folder' });
  await chooser.getByRole('button', { name: 'enhanced' }).click();
  await chooser.getByRole('button', { name: 'Use this folder' }).click();
  await expect(chooser).toBeHidden();
  await expect(panel).toContainText(join(work.path, 'enhanced'));

  await panel.getByRole('button', { name: 'Enhance 1 photo' }).click();
  const results = panel.getByRole('region', { name: 'Results' });
  const result = results.getByRole('listitem', { name: 'comic_x2.png' });
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expect(photo(page, 'comic.png')).toHaveAccessibleName(/result/);
  await expect(photo(page, 'small.jpg')).not.toHaveAccessibleName(/result/);

  // The result's file, downloaded through the browser studio, is the file on disk.
  const link = result.getByRole('link', { name: 'Download comic_x2.png' });
  const href = await link.getAttribute('href');
  const file = await page.request.get(new URL(href ?? '', page.url()).toString());
  expect(file.status()).toBe(200);
  const bytes = await file.body();
  const meta = await sharp(bytes).metadata();
  expect([meta.width, meta.height]).toEqual([120, 180]);
  expect(bytes.equals(readFileSync(join(work.path, 'enhanced', 'Scans', 'comic_x2.png')))).toBe(true);
  const zipHref = await results.getByRole('link', { name: 'Download all as zip' }).getAttribute('href');
  const zip = await page.request.get(new URL(zipHref ?? '', page.url()).toString());
  expect(zip.headers()['content-type']).toContain('zip');
  expect(await zipNames(await zip.body())).toContain('Scans/comic_x2.png');

  // Compare: fit shows the whole output inside the stage, touching two opposite edges.
  await result.getByRole('button', { name: 'Compare' }).click();
  const compare = page.getByRole('region', { name: 'Compare comic.png' });
  const stage = compare.getByRole('application');
  await expect(compare.getByText('Before', { exact: true }).last()).toBeVisible();
  await expect(compare.getByText('After', { exact: true }).last()).toBeVisible();
  const box = (await stage.boundingBox())!;
  let view = await stageView(stage);
  const shown = { w: 120 * view.scale, h: 180 * view.scale };
  expect(shown.w).toBeLessThanOrEqual(box.width + 0.5);
  expect(shown.h).toBeLessThanOrEqual(box.height + 0.5);
  expect(Math.max(shown.w / box.width, shown.h / box.height)).toBeCloseTo(1, 2);

  // Space: split → after → before → split.
  await stage.focus();
  for (const mode of ['after', 'before', 'split']) {
    await stage.press('Space');
    await expect(stage).toHaveAttribute('data-mode', mode);
  }
  // The handle is on the image and moves by keyboard.
  const handle = compare.getByRole('slider', { name: 'Split position' });
  await handle.focus();
  await handle.press('ArrowLeft');
  await expect(handle).toHaveAttribute('aria-valuenow', '45');

  // Wheel zoom keeps the image point under the pointer where it is (to the pointer's rounding).
  view = await stageView(stage);
  const px = box.width / 2 + 13;
  const py = box.height / 2 - 7;
  const before = { u: (px - view.x) / view.scale, v: (py - view.y) / view.scale };
  await page.mouse.move(box.x + px, box.y + py);
  await page.mouse.wheel(0, -300);
  await expect.poll(async () => (await stageView(stage)).scale).toBeGreaterThan(view.scale);
  view = await stageView(stage);
  expect((px - view.x) / view.scale).toBeCloseTo(before.u, 0);
  expect((py - view.y) / view.scale).toBeCloseTo(before.v, 0);

  // 100 %: one output pixel per screen pixel, from the full-resolution file, not a preview.
  await compare.getByRole('button', { name: '100 %' }).click();
  await compare.getByRole('button', { name: 'After', exact: true }).click();
  await expect(stage).toHaveAttribute('data-scale', '1');
  await expect(stage.locator('.compare-layer.after img.compare-tile')).toHaveCount(1);
  await expect
    .poll(() =>
      stage
        .locator('.compare-layer.after img.compare-tile')
        .evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth === 120),
    )
    .toBe(true);
  view = await stageView(stage);
  const shot = await page.screenshot({
    clip: { x: box.x + view.x, y: box.y + view.y, width: 120, height: 180 },
  });
  const screen = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const truth = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect([screen.info.width, screen.info.height]).toEqual([truth.info.width, truth.info.height]);
  let worst = 0;
  for (let i = 0; i < truth.data.length; i++)
    worst = Math.max(worst, Math.abs(truth.data[i]! - screen.data[i]!));
  expect(worst).toBeLessThanOrEqual(2);
  await page.screenshot({ path: 'test-results/screens/compare-1280x800.png' });

  await compare.getByRole('button', { name: /Back to the gallery/ }).click();
  await expect(gallery(page)).toBeVisible();

  await nav(page, 'Models').click();
  await expect(
    page.getByRole('list', { name: 'Models' }).getByRole('listitem', { name: /Real-ESRGAN anime video v3/ }),
  ).toContainText('CPU');
});

test('README screenshot: a folder of Real-ESRGAN sample photos (no people), two selected', async ({
  page,
}) => {
  const folder = tempDir('pixelsmith-samples-');
  try {
    const samples = join(folder.path, 'Samples');
    mkdirSync(samples);
    for (const name of [
      '00003.png',
      '0014.jpg',
      '0030.jpg',
      'ADE_val_00000114.jpg',
      'esrgan_gt_comic.png',
      'esrgan_lq_comic.png',
    ])
      copyFileSync(join(FIXTURE_IMAGES, name), join(samples, name));
    writeFileSync(join(samples, 'contact-sheet.pdf'), '%PDF-1.4 not really');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(studio.url);
    await emptyLibrary(page);
    await page.getByLabel('Add folder').first().setInputFiles(samples);
    await expect(gallery(page).getByRole('option')).toHaveCount(6);
    for (const item of await gallery(page).getByRole('option').all()) await expectThumbnailLoaded(item);
    await photo(page, '0014.jpg').click();
    await photo(page, 'esrgan_lq_comic.png').click();
    await expect(inspector(page).getByRole('button', { name: 'Enhance 2 photos' })).toBeEnabled();
    await expect(inspector(page).getByRole('region', { name: 'Estimate' })).toContainText('358 × 358');
    await page.screenshot({ path: 'test-results/readme-screenshot.png' });
  } finally {
    folder.cleanup();
  }
});
