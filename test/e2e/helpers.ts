import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { FIXTURE_IMAGES } from '../helpers/fixtures.js';

/** The gallery (a listbox of photos) and one photo in it by file name. */
export const gallery = (page: Page): Locator => page.getByRole('listbox', { name: 'Photos' });
export const photo = (page: Page, name: string): Locator =>
  gallery(page).getByRole('option', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},`) });
export const nav = (page: Page, panel: string): Locator =>
  page.getByRole('navigation').getByRole('button', { name: panel, exact: true });
export const inspector = (page: Page): Locator => page.getByRole('complementary', { name: 'Options' });

export async function expectThumbnailLoaded(item: Locator): Promise<void> {
  const img = item.locator('img').first();
  await expect(img).toBeVisible();
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0))
    .toBe(true);
}

/**
 * A folder as a user might have it: seven real photos, a PNG cut short (damaged), and a text
 * file (not an image).
 */
export function holidayFolder(root: string): string {
  const folder = join(root, 'Holiday');
  mkdirSync(folder, { recursive: true });
  for (const name of [
    '00003.png',
    '00017_gray.png',
    '0014.jpg',
    '0030.jpg',
    'ADE_val_00000114.jpg',
    'esrgan_lq_comic.png',
    'children-alpha.png',
  ])
    copyFileSync(join(FIXTURE_IMAGES, name), join(folder, name));
  const png = readFileSync(join(FIXTURE_IMAGES, 'esrgan_gt_comic.png'));
  writeFileSync(join(folder, 'cut-short.png'), png.subarray(0, Math.floor(png.length / 2)));
  writeFileSync(join(folder, 'notes.txt'), 'packing list: camera, charger');
  return folder;
}

/** Screenshots of the window at the sizes the studio is designed for, kept as test artefacts. */
export async function screenshotSizes(page: Page, name: string): Promise<void> {
  for (const [w, h] of [
    [1280, 800],
    [800, 600],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `test-results/screens/${name}-${w}x${h}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Empties the server's library (tests share one server; an earlier one may have left photos). */
export async function emptyLibrary(page: Page): Promise<void> {
  const empty = page.getByRole('heading', { name: 'No photos yet' });
  await expect(empty.or(gallery(page))).toBeVisible();
  if (await gallery(page).isVisible()) await page.getByRole('button', { name: 'Clear library' }).click();
  await expect(empty).toBeVisible();
}
