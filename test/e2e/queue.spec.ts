import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { tempDir } from '../helpers/fixtures.js';
import { emptyLibrary, gallery, holidayFolder, inspector, nav } from './helpers.js';
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

async function chooseOutput(page: Page, folder: string): Promise<void> {
  await inspector(page).getByRole('button', { name: 'Choose…' }).click();
  const chooser = page.getByRole('dialog', { name: 'Choose an output folder' });
  await chooser.getByRole('button', { name: folder, exact: true }).click();
  await chooser.getByRole('button', { name: 'Use this folder' }).click();
  await expect(chooser).toBeHidden();
}

test('convert what the library shows: damaged and non-images never queued; a failure that can mend is retried; Clear finished', async ({
  page,
}) => {
  // A file where the job's output folder must go: every photo fails, in a way that can mend.
  const out = join(studio.root, 'converted');
  mkdirSync(out);
  writeFileSync(join(out, 'Holiday'), 'in the way');

  await page.goto(studio.url);
  await nav(page, 'Convert').click();
  await page.getByLabel('Add folder').first().setInputFiles(holidayFolder(work.path));
  await expect(gallery(page).getByRole('option')).toHaveCount(8);
  await inspector(page).getByLabel('Format').selectOption('webp');
  await chooseOutput(page, 'converted');
  await inspector(page).getByRole('button', { name: 'Convert 7 photos' }).click();
  await inspector(page)
    .getByRole('button', { name: /7 failed/ })
    .click();

  await expect(page.getByRole('heading', { name: 'Queue', level: 1 })).toBeVisible();
  await expect(job(page)).toContainText('done, 7 failed');
  await expect(job(page)).toContainText('7 of 7 photos');
  await expect(job(page)).toContainText('Holiday');
  await expect(job(page)).toContainText(out);
  const items = job(page).getByRole('list', { name: 'Items' });
  await expect(items.getByRole('listitem')).toHaveCount(7);
  await expect(items).not.toContainText('/imports/');
  await expect(items).not.toContainText('cut-short.png');

  rmSync(join(out, 'Holiday'));
  await job(page).getByRole('button', { name: 'Retry 7 failed' }).click();
  await expect(job(page).getByText('done', { exact: true }).first()).toBeVisible({ timeout: 60_000 });
  await expect(job(page)).not.toContainText('done, 7 failed');
  await expect(job(page)).toContainText('Failed (0)');
  await expect(job(page).getByRole('list', { name: 'First results' }).getByRole('img').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/queue-job-1280x800.png' });

  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Cleared 1 finished job/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No jobs yet' })).toBeVisible();
});

test('pause stops a running job and keeps its panel from starting another; resume finishes it; cancel ends another', async ({
  page,
}) => {
  test.setTimeout(180_000);
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
  await nav(page, 'Convert').click();
  await emptyLibrary(page);
  await page.getByLabel('Add folder').first().setInputFiles(folder);
  await expect(gallery(page).getByRole('option')).toHaveCount(12);
  await inspector(page).getByLabel('Format').selectOption('avif');
  const start = inspector(page).getByRole('button', { name: 'Convert 12 photos' });
  await start.click();
  await inspector(page).getByRole('button', { name: 'Open in Queue' }).click();

  await job(page).getByRole('button', { name: 'Pause' }).click();
  await expect(job(page).getByText('paused', { exact: true })).toBeVisible({ timeout: 30_000 });
  const progressAtPause = await job(page).getByRole('progressbar').getAttribute('value');
  await expect(job(page)).not.toContainText('left');

  // Its panel waits for it: Start is off while the job is unfinished, and says where it stands.
  await nav(page, 'Convert').click();
  await expect(inspector(page)).toContainText('Paused at');
  await expect(start).toBeDisabled();
  await nav(page, 'Queue').click();
  expect(await job(page).getByRole('progressbar').getAttribute('value')).toBe(progressAtPause);

  await job(page).getByRole('button', { name: 'Resume' }).click();
  await expect(job(page)).toContainText('12 of 12 photos', { timeout: 120_000 });
  await expect(job(page).getByText('done', { exact: true }).first()).toBeVisible();

  await nav(page, 'Convert').click();
  await expect(start).toBeEnabled();
  // Other options, so the photos are not already up to date.
  await inspector(page).getByLabel('Quality').fill('60');
  await start.click();
  await inspector(page).getByRole('button', { name: 'Open in Queue' }).click();
  await job(page).getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(job(page).getByText('cancelled', { exact: true }).first()).toBeVisible({ timeout: 30_000 });
});
