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
  await page.goto(studio.url);
  await page.getByRole('button', { name: 'Keys & usage' }).click();
  const form = page.getByRole('form', { name: 'Add an API key' });
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
  const table = page.getByRole('table', { name: 'API keys' });
  await expect(table.getByRole('row', { name: 'Shop main' })).toContainText('…AB12');
  await table.getByRole('button', { name: 'Test Shop main' }).click();
  await expect(table.getByRole('row', { name: 'Shop main' })).toContainText('works');
  await table.getByRole('button', { name: 'Test Old laptop' }).click();
  await expect(table.getByRole('row', { name: 'Old laptop' })).toContainText(/Disabled: .*refused/);

  await page.getByText('Model limits').click();
  const limits = page.getByRole('table', { name: 'Model limits' });
  await limits.getByLabel('RPM for gemini-2.5-flash-image').fill('40');
  await limits.getByRole('button', { name: 'Save limits for gemini-2.5-flash-image' }).click();
  await expect(page.getByText('Saved the limits for gemini-2.5-flash-image.')).toBeVisible();
  await expect(page.getByText(/Pixelsmith uses 90 % of every limit/)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Usage' })).toContainText('No usage yet today.');

  const html = await page.content();
  expect(html).not.toContain(GOOD);
  expect(html).not.toContain(BAD);
  await page.screenshot({ path: 'test-results/keys.png', fullPage: true });
});
