import { expect, test } from '@playwright/test';
import { startFakeGemini } from '../fakes/gemini/index.js';
import type { FakeGemini } from '../fakes/gemini/types.js';
import { startStudio, type StudioServer } from './server.js';

const GOOD = 'AIzaSyE2E-good-key-0123456789abcdef-AB12';
const BAD = 'AIzaSyE2E-bad-key-0123456789abcdef-CD34';
let fake: FakeGemini;
let studio: StudioServer;
test.beforeAll(async () => {
  fake = await startFakeGemini({
    keys: { [GOOD]: { project: 'shop-prod' }, [BAD]: { project: 'shop-prod', valid: false } },
  });
  studio = await startStudio([], { PIXELSMITH_GEMINI_BASE_URL: fake.url });
});
test.afterAll(async () => {
  await studio.stop();
  await fake.close();
});

test('a user adds keys, tests them (an invalid one gets disabled), edits a limit, and never sees a secret again', async ({
  page,
}) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await page.goto(studio.url);
  await page.getByRole('button', { name: 'Keys & usage' }).click();
  const form = page.getByRole('form', { name: 'Add an API key' });

  // Checked before sending: the fields at fault are marked, the sentence names no method.
  await form.getByRole('button', { name: 'Add key' }).click();
  await expect(form.getByRole('alert')).toHaveText('Check the highlighted fields.');
  await expect(form.getByLabel('Label')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Label')).toHaveAccessibleDescription(/Give the key a label/);
  await expect(form.getByLabel('API key', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  for (const [label, secret] of [
    ['Shop main', GOOD],
    ['Old laptop', BAD],
  ] as const) {
    await form.getByLabel('Label').fill(label);
    await form.getByLabel('Project').fill('shop-prod');
    await form.getByLabel('API key', { exact: true }).fill(secret);
    await form.getByRole('button', { name: 'Add key' }).click();
    await expect(form.getByRole('status')).toContainText('Key added.');
    await expect(form.getByLabel('API key', { exact: true })).toHaveValue('');
  }
  await expect(form.getByLabel('Label')).toHaveAttribute('aria-invalid', 'false');

  const keys = page.getByRole('list', { name: 'API keys' });
  const shopMain = keys.getByRole('listitem', { name: 'Shop main' });
  const oldLaptop = keys.getByRole('listitem', { name: 'Old laptop' });
  await expect(shopMain).toContainText('…AB12');
  await expect(shopMain).toContainText('Not tested yet');
  await keys.getByRole('button', { name: 'Test Shop main' }).click();
  await expect(shopMain).toContainText('works');
  await expect(shopMain).toContainText('Verified');
  await keys.getByRole('button', { name: 'Test Old laptop' }).click();
  await expect(oldLaptop).toContainText('Test failed');
  await expect(oldLaptop).toContainText('Disabled');
  await expect(oldLaptop).toContainText(/Reason: .*refused/);
  await expect(oldLaptop).not.toContainText('Active');
  await expect(keys.getByRole('button', { name: 'Enable Old laptop' })).toBeVisible();

  await page.getByText('Model limits').click();
  const limit = page
    .getByRole('list', { name: 'Model limits' })
    .getByRole('listitem', { name: 'gemini-2.5-flash-image' });
  await limit.getByLabel('Requests per minute').fill('40');
  await limit.getByRole('button', { name: 'Save limits for gemini-2.5-flash-image' }).click();
  await expect(page.getByText('Saved the limits for gemini-2.5-flash-image.')).toBeVisible();
  await expect(limit.getByLabel('Requests per minute')).toHaveValue('40');
  await expect(page.getByText(/Pixelsmith uses 90\s?% of every limit/)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Usage today' })).toContainText('No usage yet today.');

  // At 800 × 600 nothing in the panel runs wider than the panel.
  const main = page.getByRole('main');
  expect(await main.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).toBeLessThanOrEqual(0);

  const html = await page.content();
  expect(html).not.toContain(GOOD);
  expect(html).not.toContain(BAD);
  await page.screenshot({ path: 'test-results/keys.png', fullPage: true });
});
