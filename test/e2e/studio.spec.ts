import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import sharp from 'sharp';
import { FIXTURE_IMAGE_COUNT, FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { startStudio, type StudioServer } from './server.js';

let studio: StudioServer;
test.beforeAll(async () => {
  studio = await startStudio();
});
test.afterAll(async () => {
  await studio.stop();
});

const card = (page: Page, name: string): Locator =>
  page.getByRole('list', { name: 'Photos' }).getByRole('listitem', { name });

async function expectThumbnailLoaded(item: Locator): Promise<void> {
  const img = item.getByRole('img');
  await expect(img).toBeVisible();
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0))
    .toBe(true);
}

test('a user adds single photos and a folder, sees them with real dimensions and thumbnails, and sees why a file was refused', async ({
  page,
}) => {
  const picks = tempDir('pixelsmith-picks-');
  try {
    // A non-image disguised as a photo, and a portrait shot stored sideways with an EXIF rotation.
    writeFileSync(join(picks.path, 'holiday-notes.jpg'), 'these are notes, not a photo');
    await sharp({ create: { width: 300, height: 120, channels: 3, background: '#4a7' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(join(picks.path, 'sideways.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '00017_gray.png'), join(picks.path, '00017_gray.png'));

    await page.goto(studio.url);
    await expect(page.getByRole('heading', { name: 'Enhance', level: 1 })).toBeVisible();
    for (const panel of ['Restyle', 'Batches', 'Queue', 'Keys & usage', 'Models', 'Settings']) {
      await expect(
        page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: new RegExp(panel) }),
      ).toBeVisible();
    }

    // Single files through the real "Add photos" file input.
    await page
      .getByLabel('Add photos')
      .setInputFiles([
        join(picks.path, '00017_gray.png'),
        join(picks.path, 'sideways.jpg'),
        join(picks.path, 'holiday-notes.jpg'),
      ]);
    await expect(card(page, '00017_gray.png')).toContainText('500 × 351');
    await expect(card(page, 'sideways.jpg')).toContainText('120 × 300');
    await expectThumbnailLoaded(card(page, 'sideways.jpg'));
    const refused = page.getByRole('region', { name: 'Files that could not be added' });
    await expect(refused).toContainText('holiday-notes.jpg');
    await expect(refused).toContainText('is not an image Pixelsmith can read');
    await expect(refused).not.toContainText('/imports/');

    // A whole folder through the real "Add folder" (webkitdirectory) input.
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect(page.getByRole('list', { name: 'Photos' }).getByRole('listitem')).toHaveCount(0);
    await page.getByLabel('Add folder').setInputFiles(FIXTURE_IMAGES);
    await expect(page.getByRole('list', { name: 'Photos' }).getByRole('listitem')).toHaveCount(
      FIXTURE_IMAGE_COUNT,
    );
    await expect(card(page, '00.jpg')).toContainText('1297 × 1920');
    await expect(card(page, '00.jpg')).toContainText('JPEG');
    await expect(card(page, 'children-alpha.png')).toContainText('566 × 350');
    await expect(card(page, 'esrgan_lq_comic.png')).toContainText('60 × 90');
    await expect(page.getByText(new RegExp(`^${FIXTURE_IMAGE_COUNT} photos, `))).toBeVisible();
    await expectThumbnailLoaded(card(page, '00.jpg'));
    await expectThumbnailLoaded(card(page, '00003.png'));
    await page.screenshot({ path: 'test-results/studio.png', fullPage: true });
  } finally {
    picks.cleanup();
  }
});

test('About shows the version and ONNX Runtime; Settings persist and switch the theme', async ({ page }) => {
  await page.goto(studio.url);
  await page.getByRole('button', { name: 'About Pixelsmith' }).click();
  const about = page.getByRole('dialog', { name: 'About Pixelsmith' });
  await expect(about).toContainText('0.1.0');
  await expect(about).toContainText(studio.dataDir);
  await expect(about).toContainText(/ONNX Runtime\s*1\.\d+/);
  await expect(about).toContainText('cpu');
  await about.getByRole('button', { name: 'Close' }).click();
  await expect(about).toBeHidden();

  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Theme').selectOption('dark');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByLabel('Output folder name').fill('../up');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('alert')).toContainText('outputFolderName');

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByLabel('Output folder name')).toHaveValue('pixelsmith');
  await page.getByRole('button', { name: 'Restyle' }).click();
  await expect(page.getByRole('note')).toContainText('Coming soon');
  await page.screenshot({ path: 'test-results/studio-dark.png' });
});

test('README screenshot: a folder of Real-ESRGAN sample photos (no people)', async ({ page }) => {
  const folder = tempDir('pixelsmith-samples-');
  try {
    const samples = join(folder.path, 'Samples');
    mkdirSync(samples);
    for (const name of [
      '00003.png',
      '00017_gray.png',
      '0014.jpg',
      '0030.jpg',
      'ADE_val_00000114.jpg',
      'esrgan_gt_comic.png',
      'esrgan_lq_comic.png',
    ]) {
      copyFileSync(join(FIXTURE_IMAGES, name), join(samples, name));
    }
    writeFileSync(join(samples, 'contact-sheet.pdf'), '%PDF-1.4 not really');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(studio.url);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Theme').selectOption('system');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('button', { name: 'Enhance' }).click();
    await page.getByLabel('Add folder').setInputFiles(samples);
    await expect(page.getByRole('list', { name: 'Photos' }).getByRole('listitem')).toHaveCount(7);
    for (const item of await page.getByRole('list', { name: 'Photos' }).getByRole('listitem').all())
      await expectThumbnailLoaded(item);
    await page.screenshot({ path: 'test-results/readme-screenshot.png' });
  } finally {
    folder.cleanup();
  }
});
