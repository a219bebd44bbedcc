import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import {
  emptyLibrary,
  expectThumbnailLoaded,
  gallery,
  holidayFolder,
  inspector,
  nav,
  photo,
} from './helpers.js';
import { startStudio, type StudioServer } from './server.js';

let studio: StudioServer;
const work = tempDir('pixelsmith-studio-');
test.beforeAll(async () => {
  studio = await startStudio();
});
test.afterAll(async () => {
  await studio.stop();
  work.cleanup();
});

test('a folder with a damaged photo and a text file: the library shows what will be queued, and says why', async ({
  page,
}) => {
  const folder = holidayFolder(work.path);
  await page.goto(studio.url);
  await expect(page.getByRole('heading', { name: 'Enhance', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No photos yet' })).toBeVisible();

  await page.getByLabel('Add folder').first().setInputFiles(folder);
  await expect(page.getByRole('status').filter({ hasText: 'added' })).toHaveText(
    '8 added · 1 damaged · 1 not an image skipped',
  );
  await expect(gallery(page).getByRole('option')).toHaveCount(8);
  const damaged = photo(page, 'cut-short.png');
  await expect(damaged).toHaveAccessibleName(/damaged/);
  await expect(damaged).toContainText(/cut short|truncated|ends early/i);
  await expect(photo(page, '00017_gray.png')).toContainText('500 × 351');
  await expectThumbnailLoaded(photo(page, '0014.jpg'));
  await page.getByText('Files that could not be added').click();
  await expect(page.getByRole('region', { name: 'Files that could not be added' })).toContainText(
    'notes.txt',
  );

  // Nothing selected: Start takes every healthy photo, never the damaged one.
  const start = inspector(page).getByRole('button', { name: /^Enhance \d+ photos?$/ });
  await expect(start).toHaveText('Enhance 7 photos');
  await expect(inspector(page)).toContainText('1 damaged photo is left out.');

  // Click checks one, Shift+click a range, Ctrl+A all; Start follows the selection.
  await photo(page, '0014.jpg').click();
  await expect(photo(page, '0014.jpg')).toHaveAttribute('aria-selected', 'true');
  await expect(start).toHaveText('Enhance 1 photo');
  await photo(page, 'ADE_val_00000114.jpg').click({ modifiers: ['Shift'] });
  const selected = gallery(page).locator('[role=option][aria-selected=true]');
  const rangeCount = await selected.count();
  expect(rangeCount).toBeGreaterThanOrEqual(2);
  await expect(start).toHaveText(`Enhance ${rangeCount} photos`);
  await gallery(page).press('Control+a');
  await expect(selected).toHaveCount(8);
  await expect(start).toHaveText('Enhance 7 photos');
  await gallery(page).press('Escape');
  await expect(selected).toHaveCount(0);

  // Keyboard only: arrows move, Space checks, Delete takes it out of the library.
  await gallery(page).focus();
  await gallery(page).press('ArrowRight');
  const active = await gallery(page).getAttribute('aria-activedescendant');
  expect(active).toBeTruthy();
  await gallery(page).press('Space');
  await expect(page.locator(`[id="${active}"]`)).toHaveAttribute('aria-selected', 'true');
  const removedName = await page.locator(`[id="${active}"]`).getAttribute('aria-label');
  await gallery(page).press('Delete');
  await expect(gallery(page).getByRole('option')).toHaveCount(7);
  await expect(gallery(page).getByRole('option', { name: removedName ?? '' })).toHaveCount(0);

  // The library lives in core: a reload shows the same photos.
  await page.reload();
  await expect(gallery(page).getByRole('option')).toHaveCount(7);
  await expect(photo(page, 'cut-short.png')).toHaveAccessibleName(/damaged/);
});

test('photos dropped anywhere in the window are added, even from a drop without file entries', async ({
  page,
}) => {
  await page.goto(studio.url);
  await emptyLibrary(page);
  const bytes = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer();
  // A drop whose items carry no entries (as from some apps): only `dataTransfer.files`.
  await page.evaluate(async (b64) => {
    const data = new DataTransfer();
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    data.items.add(new File([raw], 'dropped.png', { type: 'image/png' }));
    const target = document.querySelector('.statusbar') ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop'])
      target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }, bytes.toString('base64'));
  await expect(photo(page, 'dropped.png')).toContainText('40 × 30');
  // The page is still the studio (the browser did not open the file in its place).
  await expect(page.getByRole('heading', { name: 'Enhance', level: 1 })).toBeVisible();
});

test('About says it is the web studio; Settings preview the theme live, check fields, and switch the language', async ({
  page,
}) => {
  await page.goto(studio.url);
  await page.getByRole('button', { name: 'About Pixelsmith' }).click();
  const about = page.getByRole('dialog', { name: 'About Pixelsmith' });
  await expect(about).toContainText('0.1.0');
  await expect(about).toContainText('Web studio (headless server)');
  await expect(about).toContainText(studio.dataDir);
  await expect(about).toContainText(/ONNX Runtime\s*1\.\d+/);
  await about.getByRole('button', { name: 'Close' }).click();
  await expect(about).toBeHidden();

  await nav(page, 'Settings').click();
  const html = page.locator('html');
  await page.getByLabel('Theme').selectOption('dark');
  // Live, before saving; leaving without saving reverts.
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await nav(page, 'Queue').click();
  await expect(html).not.toHaveAttribute('data-theme', 'dark');
  await nav(page, 'Settings').click();
  await page.getByLabel('Theme').selectOption('dark');
  await page.getByRole('button', { name: /^Save/ }).click();
  await expect(page.getByRole('status').filter({ hasText: /saved/i })).toBeVisible();
  await expect(html).toHaveAttribute('data-theme', 'dark');

  // An emptied number is an error on that field, never a 0 that gets saved.
  const attempts = page.getByLabel(/Attempts per photo/);
  await attempts.fill('');
  await page.getByRole('button', { name: /^Save/ }).click();
  await expect(attempts).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Enter a number.')).toBeVisible();
  await page.getByRole('button', { name: /Discard|Revert/ }).click();
  await expect(attempts).not.toHaveValue('');

  // A bad folder name is marked on its field, without method names.
  const name = page.getByLabel(/Output folder name/);
  await name.fill('../up');
  await page.getByRole('button', { name: /^Save/ }).click();
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('alert')).not.toContainText('settings.set');
  await page.getByRole('button', { name: /Discard|Revert/ }).click();

  await page.getByLabel(/Language/).selectOption('de');
  await page.getByRole('button', { name: /^Save/ }).click();
  await expect(nav(page, 'Einstellungen')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await page.reload();
  await expect(nav(page, 'Warteschlange')).toBeVisible();
  await nav(page, 'Einstellungen').click();
  await page.getByLabel(/Sprache/).selectOption('en');
  await page.getByRole('button', { name: /speichern/i }).click();
  await expect(nav(page, 'Settings')).toBeVisible();
});

test('when the server goes away a banner says so and actions are off', async ({ page }) => {
  const own = await startStudio();
  try {
    const pic = join(work.path, 'one.jpg');
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), pic);
    writeFileSync(join(work.path, 'x'), '');
    await page.goto(own.url);
    await expect(page.getByRole('heading', { name: 'No photos yet' })).toBeVisible();
    await own.stop();
    await expect(page.getByRole('alert').filter({ hasText: /Reconnecting|cannot be reached/ })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Choose…' })).toBeDisabled();
    await expect(page.getByLabel('Add photos').first()).toBeDisabled();
  } finally {
    await own.stop();
  }
});
