import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { FIXTURES, FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { buildModel } from '../helpers/onnx/models.js';
import { gallery, inspector, photo, screenshotSizes } from './helpers.js';
import { startStudio, type StudioServer } from './server.js';

let studio: StudioServer;
const work = tempDir('pixelsmith-face-');
test.beforeAll(async () => {
  studio = await startStudio(['--root', work.path], { PIXELSMITH_MODELS_DIR: join(FIXTURES, 'models') });
});
test.afterAll(async () => {
  await studio.stop();
  work.cleanup();
});

/** A face "restorer" with GFPGAN's inputs and outputs that gives every face back as it was. */
function identityFaceModel(path: string): void {
  const bytes = buildModel({
    nodes: [{ opType: 'Identity', inputs: ['input'], outputs: ['output'] }],
    inputs: [{ name: 'input', shape: [1, 3, 512, 512] }],
    outputs: [{ name: 'output', shape: [1, 3, 512, 512] }],
    graphName: 'identity-face',
  });
  writeFileSync(path, bytes);
}

/** Calls the studio's RPC from the page, as the renderer's client does (same origin and cookie). */
async function rpc<T>(page: Page, name: string, input: unknown): Promise<T> {
  const body = await page.evaluate(
    async ([method, payload]) => {
      const r = await fetch(`/rpc/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      return (await r.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
    },
    [name, input] as const,
  );
  if (!body.ok) throw new Error(`${name}: ${body.error?.message}`);
  return body.value as T;
}

async function seriousViolations(page: Page, include: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include(include).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('Restore faces in a photo of two people, then see each face before and after', async ({ page }) => {
  test.setTimeout(180_000);
  const modelFile = join(work.path, 'identity-face.onnx');
  identityFaceModel(modelFile);

  // This spec's studio is its own (a fresh data folder): the library starts empty.
  await page.goto(studio.url);
  await rpc(page, 'models.import', { path: modelFile, task: 'face-restore', id: 'identity-face' });
  await rpc(page, 'library.add', { paths: [join(FIXTURE_IMAGES, 'Blake_Lively.jpg')] });
  // The inspector reads the models when the page loads.
  await page.reload();
  await expect(gallery(page).getByRole('option')).toHaveCount(1);

  const panel = inspector(page);
  const faceSwitch = panel.getByRole('switch', { name: 'Restore faces' });
  await expect(faceSwitch).not.toBeChecked();
  await expect(panel.getByLabel('Face model')).toHaveCount(0);
  await faceSwitch.check();
  await expect(faceSwitch).toBeChecked();

  // The face options, with the imported model among the installed ones.
  const faceModel = panel.getByLabel('Face model');
  await expect(faceModel.locator('option').first()).toHaveText('Best installed');
  await expect(faceModel.locator('option')).toHaveText(['Best installed', /identity-face/i]);
  await expect(panel.getByLabel('Face detector')).toHaveValue('retinaface');
  await expect(panel.getByLabel('Which faces')).toHaveValue('all');
  const strength = panel.getByRole('slider', { name: 'Strength' });
  await expect(strength).toHaveValue('0.5');
  await expect(
    panel.getByText('50%', { exact: true }).or(panel.getByText('50 %', { exact: true })),
  ).toBeVisible();
  await strength.fill('0.75');
  await expect(panel.locator('output.strength-value')).toHaveText(/75\s?%/);
  await panel.getByLabel('Background').selectOption('lanczos');
  await expect(panel.getByLabel('Model', { exact: true })).toBeDisabled();

  // Accessible with the face options open.
  expect(await seriousViolations(page, 'aside.inspector')).toEqual([]);
  await screenshotSizes(page, 'face-options');

  const start = panel.getByRole('button', { name: 'Enhance 1 photo' });
  await expect(start).toBeEnabled();
  await start.click();
  const results = panel.getByRole('region', { name: 'Results' });
  const result = results.getByRole('listitem', { name: /^Blake_Lively/ });
  await expect(result).toBeVisible({ timeout: 120_000 });
  await expect(photo(page, 'Blake_Lively.jpg')).toHaveAccessibleName(/result/);

  await result.getByRole('button', { name: 'Compare' }).click();
  const compare = page.getByRole('region', { name: 'Compare Blake_Lively.jpg' });
  const stage = compare.getByRole('application');
  await expect(compare.getByText('2 faces restored')).toBeVisible();
  await expect(compare.getByText(/per face/)).toBeVisible();
  const show = compare.getByRole('button', { name: 'Show faces' });
  await expect(show).toHaveAttribute('aria-pressed', 'false');
  await expect(stage.locator('.face-box')).toHaveCount(0);
  await show.click();
  await expect(show).toHaveAttribute('aria-pressed', 'true');
  const boxes = stage.locator('.face-box');
  await expect(boxes).toHaveCount(2);
  await expect(boxes.nth(0)).toContainText('1');
  await expect(boxes.nth(1)).toContainText('2');

  const strip = compare.getByRole('list', { name: 'Faces found' });
  const entries = strip.getByRole('listitem');
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(0)).toContainText('Face 1');
  await expect(entries.nth(1)).toContainText('Face 2');
  await expect(entries.nth(0).locator('.face-crop img')).toHaveCount(2);

  // The boxes sit on the output's pixels under the view's transform: inside the shown image.
  const stageBox = (await stage.boundingBox())!;
  const scale = Number(await stage.getAttribute('data-scale'));
  const x = Number(await stage.getAttribute('data-x'));
  const y = Number(await stage.getAttribute('data-y'));
  for (const box of await boxes.all()) {
    const b = (await box.boundingBox())!;
    expect(b.x - stageBox.x).toBeGreaterThanOrEqual(x - 3);
    expect(b.y - stageBox.y).toBeGreaterThanOrEqual(y - 3);
    expect(b.x - stageBox.x + b.width).toBeLessThanOrEqual(x + 1400 * scale + 3);
    expect(b.y - stageBox.y + b.height).toBeLessThanOrEqual(y + 928 * scale + 3);
  }

  // Picking a face zooms and pans onto it: its box fills the stage, centred.
  await entries
    .nth(1)
    .getByRole('button', { name: /Face 2/ })
    .click();
  await expect(entries.nth(1).getByRole('button')).toHaveAttribute('aria-current', 'true');
  await expect.poll(async () => Number(await stage.getAttribute('data-scale'))).not.toBe(scale);
  const zoomed = (await boxes.nth(1).boundingBox())!;
  expect(Math.max(zoomed.width / stageBox.width, zoomed.height / stageBox.height)).toBeCloseTo(0.8, 1);
  expect(Math.abs(zoomed.x + zoomed.width / 2 - (stageBox.x + stageBox.width / 2))).toBeLessThan(4);
  expect(Math.abs(zoomed.y + zoomed.height / 2 - (stageBox.y + stageBox.height / 2))).toBeLessThan(4);

  expect(await seriousViolations(page, 'section.compare')).toEqual([]);
  await screenshotSizes(page, 'face-compare');
});
