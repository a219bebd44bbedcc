import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { startStudio, type StudioServer } from './server.js';

let studio: StudioServer;
const work = tempDir('pixelsmith-queue-');
test.beforeAll(async () => {
  studio = await startStudio();
});
test.afterAll(async () => {
  await studio.stop();
  work.cleanup();
});

const job = (page: Page) => page.getByRole('list', { name: 'Jobs' }).getByRole('listitem').first();

test('convert from the library: the Queue shows progress, the failure and its reason; Retry failed fixes it', async ({
  page,
}) => {
  const folder = join(work.path, 'Holiday');
  mkdirSync(folder);
  for (const name of ['0014.jpg', '0030.jpg', 'ADE_val_00000114.jpg', 'esrgan_lq_comic.png'])
    copyFileSync(join(FIXTURE_IMAGES, name), join(folder, name));
  writeFileSync(join(folder, 'beach.jpg'), 'not really a photo');
  const out = join(work.path, 'converted');

  await page.goto(studio.url);
  await page.getByLabel('Add folder').setInputFiles(folder);
  await expect(page.getByRole('list', { name: 'Photos' }).getByRole('listitem')).toHaveCount(4);
  const convert = page.getByRole('form', { name: 'Convert' });
  await convert.getByLabel('Format').selectOption('webp');
  await convert.getByLabel('Longest side (px)').fill('64');
  await convert.getByLabel('Output folder').fill(out);
  await convert.getByRole('button', { name: 'Convert 4 photos' }).click();

  await expect(page.getByRole('heading', { name: 'Queue', level: 1 })).toBeVisible();
  await expect(job(page).getByText('done', { exact: true }).first()).toBeVisible();
  await expect(job(page)).toContainText('5 of 5');
  await expect(job(page)).toContainText('1 failed');
  const failedRow = job(page)
    .getByRole('table', { name: 'Items' })
    .getByRole('row', { name: /beach\.jpg/ });
  await expect(failedRow).toContainText('is not an image Pixelsmith can read');
  const outputs = readdirSync(join(out, 'Holiday')).sort();
  expect(outputs).toEqual(['0014.webp', '0030.webp', 'ADE_val_00000114.webp', 'esrgan_lq_comic.webp']);
  const meta = await sharp(join(out, 'Holiday', '0030.webp')).metadata();
  expect(Math.max(meta.width, meta.height)).toBe(64);

  // The user replaces the broken file with a real photo (it lives where the server stored the upload).
  const uploaded = readdirSync(join(studio.dataDir, 'imports'), {
    recursive: true,
    withFileTypes: true,
  }).find((e) => e.name === 'beach.jpg');
  expect(uploaded).toBeDefined();
  copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(uploaded?.parentPath ?? '', 'beach.jpg'));
  await job(page).getByRole('button', { name: 'Retry failed' }).click();
  await expect(job(page).getByRole('button', { name: 'Failed (0)' })).toBeVisible({ timeout: 15_000 });
  await job(page).getByRole('button', { name: /^All/ }).click();
  await expect(
    job(page)
      .getByRole('table', { name: 'Items' })
      .getByRole('row', { name: /beach\.jpg/ }),
  ).toContainText('done');
  await expect(job(page)).not.toContainText('1 failed');
  await expect(job(page)).toContainText('5 of 5');
  expect(existsSync(join(out, 'Holiday', 'beach.webp'))).toBe(true);
  await page.screenshot({ path: 'test-results/queue.png', fullPage: true });
});

test('pause stops a running job, resume finishes it, and cancel ends another', async ({ page }) => {
  const folder = join(work.path, 'Big');
  mkdirSync(folder);
  // Noisy photos make AVIF encoding slow enough (about a second each here) to pause mid-job.
  for (let i = 0; i < 12; i += 1) {
    await sharp({
      create: {
        width: 480,
        height: 320,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 + i },
      },
    })
      .jpeg({ quality: 92 })
      .toFile(join(folder, `shot-${i}.jpg`));
  }
  await page.goto(studio.url);
  await page.getByLabel('Add folder').setInputFiles(folder);
  await expect(page.getByRole('list', { name: 'Photos' }).getByRole('listitem')).toHaveCount(12);
  const convert = page.getByRole('form', { name: 'Convert' });
  await convert.getByLabel('Format').selectOption('avif');
  await convert.getByLabel('Output folder').fill(join(work.path, 'slow'));
  await convert.getByRole('button', { name: 'Convert 12 photos' }).click();

  await job(page).getByRole('button', { name: 'Pause' }).click();
  await expect(job(page).getByText('paused', { exact: true })).toBeVisible();
  const progressAtPause = await job(page).getByRole('progressbar').getAttribute('value');
  await page.waitForTimeout(1500);
  expect(await job(page).getByRole('progressbar').getAttribute('value')).toBe(progressAtPause);
  await expect(job(page)).not.toContainText('left');

  await job(page).getByRole('button', { name: 'Resume' }).click();
  // The job's own count, not an item's "done" badge (which appears long before the job ends).
  await expect(job(page)).toContainText('12 of 12', { timeout: 90_000 });
  await expect(job(page).getByText('done', { exact: true }).first()).toBeVisible();

  await page.getByRole('button', { name: 'Enhance' }).click();
  await page
    .getByRole('form', { name: 'Convert' })
    .getByLabel('Output folder')
    .fill(join(work.path, 'cancelled'));
  await page.getByRole('form', { name: 'Convert' }).getByLabel('Format').selectOption('avif');
  await page
    .getByRole('form', { name: 'Convert' })
    .getByRole('button', { name: 'Convert 12 photos' })
    .click();
  await job(page).getByRole('button', { name: 'Cancel' }).first().click();
  await expect(job(page).getByText('cancelled', { exact: true })).toBeVisible();
  await expect(job(page)).toContainText('cancelled');
});
