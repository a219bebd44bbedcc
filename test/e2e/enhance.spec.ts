import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { FIXTURES, FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { startStudio, type StudioServer } from './server.js';

let studio: StudioServer;
const work = tempDir('pixelsmith-enhance-');
test.beforeAll(async () => {
  studio = await startStudio([], { PIXELSMITH_MODELS_DIR: join(FIXTURES, 'models') });
});
test.afterAll(async () => {
  await studio.stop();
  work.cleanup();
});

test('Models lists what is installed; Enhance upscales the selection and shows a before/after compare', async ({
  page,
}) => {
  await page.goto(studio.url);
  await page.getByRole('button', { name: 'Models' }).click();
  const table = page.getByRole('table', { name: 'Models' });
  await expect(table.getByRole('row', { name: /Real-ESRGAN anime video v3/ })).toContainText(
    'Installed (models folder)',
  );
  await expect(table.getByRole('row', { name: /GFPGAN v1.4/ })).toContainText('Import only');
  await expect(table.getByRole('row', { name: /Real-ESRGAN anime video v3/ })).toContainText(
    'not loaded yet',
  );

  const photos = join(work.path, 'Scans');
  mkdirSync(photos);
  copyFileSync(join(FIXTURE_IMAGES, 'esrgan_lq_comic.png'), join(photos, 'comic.png'));
  await sharp(join(FIXTURE_IMAGES, '0030.jpg')).resize(64, 64).toFile(join(photos, 'small.jpg'));
  const out = join(work.path, 'enhanced');

  await page.getByRole('button', { name: 'Enhance' }).click();
  await page.getByLabel('Add folder').setInputFiles(photos);
  await expect(page.getByRole('list', { name: 'Photos' }).getByRole('listitem')).toHaveCount(2);
  const form = page.getByRole('form', { name: 'Enhance' });
  await expect(form.getByLabel('Model')).toContainText('Real-ESRGAN anime video v3');
  await form.getByLabel('Scale').selectOption('2');
  await form.getByLabel('Output folder').fill(out);
  await form.getByRole('button', { name: 'Enhance 2 photos' }).click();

  const results = page.getByRole('region', { name: 'Results' });
  await expect(results).toContainText('2 of 2 done', { timeout: 30_000 });
  await expect(results).toContainText('realesr-animevideov3 on CPU');
  const compare = results.getByRole('figure');
  await expect(compare).toContainText(/60 × 90 → 120 × 180|64 × 64 → 128 × 128/);
  await expect(compare.getByRole('img', { name: /after/ })).toBeVisible();
  await expect
    .poll(() =>
      compare.getByRole('img', { name: /after/ }).evaluate((el: HTMLImageElement) => el.naturalWidth),
    )
    .toBeGreaterThan(0);
  await compare.getByRole('slider', { name: 'Before/after position' }).fill('20');
  await expect(compare.getByRole('img', { name: /after/ })).toHaveAttribute(
    'style',
    /inset\(0px 0px 0px 20%\)/,
  );
  await compare.getByRole('button', { name: '200%' }).click();
  await compare.getByLabel('Before and after; Space toggles').press('Space');
  await expect(compare.getByRole('img', { name: /after/ })).toHaveAttribute(
    'style',
    /inset\(0px 0px 0px 0%\)/,
  );
  // Named by what was done: a 2× upscale.
  expect(existsSync(join(out, 'Scans', 'comic_x2.png'))).toBe(true);
  const meta = await sharp(join(out, 'Scans', 'comic_x2.png')).metadata();
  expect([meta.width, meta.height]).toEqual([120, 180]);
  await page.screenshot({ path: 'test-results/enhance.png', fullPage: true });

  await page.getByRole('button', { name: 'Models' }).click();
  await expect(
    page.getByRole('table', { name: 'Models' }).getByRole('row', { name: /Real-ESRGAN anime video v3/ }),
  ).toContainText('CPU');
});
