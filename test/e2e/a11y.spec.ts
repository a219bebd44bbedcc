import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { FIXTURES, tempDir } from '../helpers/fixtures.js';
import { gallery, holidayFolder, nav, screenshotSizes } from './helpers.js';
import { startStudio, type StudioServer } from './server.js';

let studio: StudioServer;
const work = tempDir('pixelsmith-a11y-');
test.beforeAll(async () => {
  studio = await startStudio([], { PIXELSMITH_MODELS_DIR: join(FIXTURES, 'models') });
});
test.afterAll(async () => {
  await studio.stop();
  work.cleanup();
});

const PANELS = ['Enhance', 'Convert', 'Restyle', 'Batches', 'Queue', 'Keys & usage', 'Models', 'Settings'];

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('every panel, in light and dark, has no serious or critical accessibility violation; screenshots at both sizes', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto(studio.url);
  await page.getByLabel('Add folder').first().setInputFiles(holidayFolder(work.path));
  await expect(gallery(page).getByRole('option')).toHaveCount(8);
  // One finished job, so the Queue has a card to check.
  await nav(page, 'Convert').click();
  await page
    .getByRole('complementary', { name: 'Options' })
    .getByRole('button', { name: /^Convert 7 photos$/ })
    .click();
  await expect(
    page
      .getByRole('complementary', { name: 'Options' })
      .getByRole('region', { name: 'Results' })
      .getByRole('listitem'),
  ).toHaveCount(7, { timeout: 60_000 });

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const panel of PANELS) {
      await nav(page, panel).click();
      await expect(page.getByRole('heading', { level: 1, name: panel })).toBeVisible();
      expect(await seriousViolations(page), `${panel} in ${scheme}`).toEqual([]);
      await screenshotSizes(page, `${panel.replace(/\W+/g, '-').toLowerCase()}-${scheme}`);
    }
  }
});
