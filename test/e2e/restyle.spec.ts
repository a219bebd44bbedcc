import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import sharp from 'sharp';
import { startFakeGemini } from '../fakes/gemini/index.js';
import type { FakeGemini } from '../fakes/gemini/types.js';
import { FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { gallery, inspector, nav, photo } from './helpers.js';
import { startStudio, type StudioServer } from './server.js';

const FLASH = 'gemini-2.5-flash-image';
const KEY = 'AIzaSyE2E-restyle-0123456789abcdef-RS01';
let fake: FakeGemini;
let studio: StudioServer;
const work = tempDir('pixelsmith-restyle-e2e-');

test.beforeAll(async () => {
  fake = await startFakeGemini({
    keys: { [KEY]: { project: 'studio-prod' } },
    limits: { [FLASH]: { rpm: 1000, rpd: 100_000 } },
  });
  studio = await startStudio(['--root', work.path], { PIXELSMITH_GEMINI_BASE_URL: fake.url });
});
test.afterAll(async () => {
  await studio.stop();
  await fake.close();
  work.cleanup();
});

const generateCalls = (): number => fake.requests.filter((r) => r.path.endsWith(':generateContent')).length;

/** The value beside a term of the estimate's list. */
const estimateValue = (panel: Locator, term: string): Locator =>
  panel
    .getByRole('region', { name: 'Estimate' })
    .locator('dt', { hasText: new RegExp(`^${term}$`) })
    .locator('xpath=following-sibling::dd[1]');

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function portraits(): Promise<string> {
  const dir = join(work.path, 'Portraits');
  mkdirSync(dir, { recursive: true });
  for (const [name, width] of [
    ['adele.png', 96],
    ['blake.png', 104],
    ['children.png', 88],
  ] as const) {
    const source = {
      'adele.png': 'Adele_crop.png',
      'blake.png': 'Blake_Lively.jpg',
      'children.png': 'children-alpha.png',
    }[name];
    await sharp(join(FIXTURE_IMAGES, source)).resize({ width }).png().toFile(join(dir, name));
  }
  return dir;
}

test('a user adds a key, restyles two photos in two styles, compares a style with the original, runs again from the cache, and makes a style', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const crashes: string[] = [];
  page.on('pageerror', (e) => crashes.push(e.message));
  await page.goto(studio.url);
  await page
    .getByLabel('Add folder')
    .first()
    .setInputFiles(await portraits());
  await expect(gallery(page).getByRole('option')).toHaveCount(3);

  // Without a key Restyle says so and leads to Keys & usage.
  await nav(page, 'Restyle').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Restyle' })).toBeVisible();
  const panel = inspector(page);
  const styles = panel.getByRole('list', { name: 'Styles' });
  await expect(styles.getByRole('listitem')).toHaveCount(3);
  await expect(panel.getByText('No Gemini API key is enabled')).toBeVisible();
  await expect(panel.getByRole('button', { name: /^Restyle \d+ photos?$/ })).toBeDisabled();
  await panel.getByRole('button', { name: 'Open Keys & usage' }).click();
  const form = page.getByRole('form', { name: 'Add an API key' });
  await form.getByLabel('Label').fill('Studio');
  await form.getByLabel('Project').fill('studio-prod');
  await form.getByLabel('API key', { exact: true }).fill(KEY);
  await form.getByRole('button', { name: 'Add key' }).click();
  await expect(form.getByRole('status')).toContainText('Key added.');

  // A low cap, so this run passes half of it.
  await nav(page, 'Settings').click();
  await page.getByLabel('Daily cost cap (US$)').fill('0.25');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  await nav(page, 'Restyle').click();
  await expect(panel.getByText('No Gemini API key is enabled')).toBeHidden();
  await photo(page, 'adele.png').click();
  await photo(page, 'blake.png').click();
  await expect(panel.getByText('The 2 selected photos')).toBeVisible();
  await styles.getByRole('checkbox', { name: 'Ink wash' }).check();
  await styles.getByRole('checkbox', { name: 'Van Gogh' }).check();
  await expect(panel.getByRole('checkbox', { name: 'All styles' })).not.toBeChecked();

  // The estimate before running: 2 photos × 2 styles = 4 calls at the flash price.
  await expect(estimateValue(panel, 'Gemini calls')).toHaveText('4');
  await expect(estimateValue(panel, 'Images')).toHaveText('4');
  await expect(estimateValue(panel, 'From the cache')).toHaveText('0 (free)');
  await expect(estimateValue(panel, 'Cost')).toHaveText(/^\$0\.1[56]\d$/);
  await expect(estimateValue(panel, 'Time at your quota')).toHaveText(/about/);
  await expect(panel.getByText('$0.00 of $0.25 today')).toBeVisible();

  await panel.getByRole('button', { name: 'Restyle 2 photos' }).click();
  const results = panel.getByRole('list', { name: 'Results' });
  await expect(results.getByRole('listitem')).toHaveCount(2, { timeout: 60_000 });
  expect(generateCalls()).toBe(4);
  const adele = results.getByRole('listitem', { name: 'adele.png' });
  await expect(adele).toContainText('2 images · 2 calls, 0 cached');

  // The cost alert shows above the panel, as a notice, and can be dismissed.
  const alert = page.getByRole('alert').filter({ hasText: 'Today’s Gemini spend has passed' });
  await expect(alert).toContainText(/passed 50\s?% of your \$0\.25 cap/);
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(alert).toBeHidden();
  await expect(panel.getByText(/^\$0\.1[56]\d of \$0\.25 today$/)).toBeVisible();

  // Compare: the first style's output, then the other style's, against the original.
  await adele.getByRole('button', { name: 'Compare' }).click();
  const compare = page.getByRole('region', { name: 'Compare adele.png' });
  await expect(compare).toBeVisible();
  await expect(compare.getByText(/^This photo:/)).toHaveText(
    /^This photo: 2 Gemini calls, 0 from the cache, \$0\.0\d\d\.$/,
  );
  const picker = compare.getByLabel('Result');
  await expect(picker.getByRole('option')).toHaveText(['Ink wash', 'Van Gogh']);
  const afterSrc = () => compare.locator('.compare-layer.after img.compare-preview').getAttribute('src');
  await expect.poll(afterSrc).toBeTruthy();
  const inkSrc = await afterSrc();
  await picker.selectOption({ label: 'Van Gogh' });
  await expect.poll(afterSrc).not.toBe(inkSrc);
  await expect(compare.locator('.compare-layer.before img.compare-preview')).toBeVisible();
  await compare.getByRole('button', { name: /Back to the gallery/ }).click();

  // Again: everything comes from the content cache, nothing is called or billed.
  await expect(estimateValue(panel, 'From the cache')).toHaveText('4 (free)');
  await expect(estimateValue(panel, 'Gemini calls')).toHaveText('0');
  await expect(estimateValue(panel, 'Cost')).toHaveText('$0.00');
  // Into the same folder the photos are already made: left as they are, and said so.
  await panel.getByRole('button', { name: 'Restyle 2 photos' }).click();
  await expect(
    panel.getByText('2 photos were already restyled with these options into this folder'),
  ).toBeVisible({
    timeout: 60_000,
  });
  // Into another folder: made again from the cache.
  mkdirSync(join(work.path, 'Pixelsmith', 'again'));
  await panel.getByRole('button', { name: 'Choose…' }).click();
  const chooser = page.getByRole('dialog', { name: 'Choose an output folder' });
  await chooser.getByRole('button', { name: 'again' }).click();
  await chooser.getByRole('button', { name: 'Use this folder' }).click();
  await expect(chooser).toBeHidden();
  await panel.getByRole('button', { name: 'Restyle 2 photos' }).click();
  await expect(results.getByRole('listitem', { name: 'adele.png' })).toContainText('0 calls, 2 cached', {
    timeout: 60_000,
  });
  await expect(results.getByRole('listitem', { name: 'blake.png' })).toContainText('0 calls, 2 cached');
  expect(generateCalls()).toBe(4);
  // The styles show thumbnails of their results now.
  await expect(
    styles
      .getByRole('listitem', { name: 'Van Gogh' })
      .getByRole('img', { name: /Earlier result 1 in Van Gogh/ }),
  ).toBeVisible();

  // A style of one's own: a bad field is marked under it, the preview follows the fixed draft.
  await panel.getByRole('button', { name: 'Edit styles…' }).click();
  const editor = page.getByRole('dialog', { name: 'Styles' });
  await editor.getByRole('button', { name: 'New style' }).click();
  const styleForm = editor.getByRole('form', { name: 'New style' });
  await styleForm.getByLabel('Name').fill('Pencil sketch');
  await styleForm.getByLabel('Prompt', { exact: true }).fill('Pencil, please');
  await expect(styleForm.getByLabel('Prompt', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(styleForm.getByLabel('Prompt', { exact: true })).toHaveAccessibleDescription(
    /Write a prompt of at least 20 characters\./,
  );
  await styleForm.getByLabel('Temperature').fill('3');
  await expect(styleForm.getByLabel('Temperature')).toHaveAccessibleDescription(/Enter a number from 0 to 2/);
  await expect(editor.getByRole('region', { name: 'Prompt preview' })).toContainText(
    'The preview shows once the fields above are filled in correctly.',
  );
  await styleForm.getByRole('button', { name: 'Create style' }).click();
  await expect(styleForm.getByRole('alert')).toHaveText('Check the highlighted fields.');

  const prompt =
    'Restyle this photo as a soft graphite pencil sketch on cream paper, keeping the face exactly as it is.';
  await styleForm.getByLabel('Prompt', { exact: true }).fill(prompt);
  await styleForm.getByLabel('Temperature').fill('0.7');
  await styleForm.getByLabel('Aspect ratio').selectOption('1:1');
  await expect(styleForm.getByLabel('Prompt', { exact: true })).toHaveAttribute('aria-invalid', 'false');
  const preview = editor.getByRole('region', { name: 'Prompt preview' });
  await expect(preview.getByLabel('Prompt sent')).toContainText('soft graphite pencil sketch');
  await expect(preview.getByLabel('Generation config')).toContainText('"temperature": 0.7');
  await expect(preview.getByLabel('Generation config')).toContainText('"aspectRatio": "1:1"');
  await expect(preview).toContainText(/gemini-2\.5-flash-image: \$0\.039 per image/);
  await styleForm.getByRole('button', { name: 'Create style' }).click();
  await expect(editor.getByRole('status')).toHaveText('Created the style “Pencil sketch”.');
  await expect(editor.getByRole('form', { name: 'Pencil sketch' })).toBeVisible();
  expect(await seriousViolations(page), 'style editor').toEqual([]);
  await editor.getByRole('button', { name: 'Close' }).click();
  await expect(editor).toBeHidden();
  await expect(styles.getByRole('checkbox', { name: 'Pencil sketch' })).toBeVisible();
  await expect(styles.getByRole('listitem', { name: 'Pencil sketch' })).toContainText(
    'Gemini 2.5 Flash Image · 1K',
  );

  // All styles: the estimate follows (2 photos × 4 styles, 4 already made).
  await panel.getByRole('checkbox', { name: 'All styles' }).check();
  await expect(estimateValue(panel, 'Images')).toHaveText('8');
  await expect(estimateValue(panel, 'From the cache')).toHaveText('4 (free)');

  // Accessible, and nothing runs wider than the window at 800 × 600.
  expect(await seriousViolations(page), 'restyle panel').toEqual([]);
  await page.setViewportSize({ width: 800, height: 600 });
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).toBeLessThanOrEqual(0);
  expect(await panel.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: 'test-results/screens/restyle-800x600.png' });
  await panel.getByRole('button', { name: 'Edit styles…' }).click();
  await expect(editor).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/restyle-editor-800x600.png' });
  await editor.getByRole('button', { name: 'Close' }).click();
  await page.setViewportSize({ width: 1280, height: 800 });

  // A photo Gemini blocks fails with the reason, under the results.
  fake.inject({ match: { model: FLASH }, times: 1, respond: { safetyBlock: 'prompt', reason: 'SAFETY' } });
  await page.getByRole('button', { name: 'Select none' }).click();
  await photo(page, 'children.png').click();
  await panel.getByRole('checkbox', { name: 'All styles' }).uncheck();
  await styles.getByRole('checkbox', { name: 'B&W fine art' }).check();
  await expect(estimateValue(panel, 'Gemini calls')).toHaveText('1');
  await panel.getByRole('button', { name: 'Restyle 1 photo' }).click();
  const failed = panel.getByRole('list', { name: 'Photos that failed' });
  await expect(failed.getByRole('listitem', { name: 'children.png' })).toContainText(
    /blocked the photo \(SAFETY\)/,
    {
      timeout: 60_000,
    },
  );
  expect(crashes).toEqual([]);
});
