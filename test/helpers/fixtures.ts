import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `../shared/fixtures` beside the checkout (override with PIXELSMITH_FIXTURES). Never copied in. */
export const FIXTURES = resolve(
  process.env.PIXELSMITH_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures'),
);
export const FIXTURE_IMAGES = join(FIXTURES, 'images');
export const REPO_ROOT = repoRoot;

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'pixelsmith-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Known facts about fixture images, from ../shared/fixtures/MANIFEST.md. */
export const KNOWN_IMAGES = {
  '00.jpg': { width: 1297, height: 1920, format: 'jpeg', hasAlpha: false },
  '00003.png': { width: 512, height: 256, format: 'png', hasAlpha: false },
  '00017_gray.png': { width: 500, height: 351, format: 'png', hasAlpha: false },
  'children-alpha.png': { width: 566, height: 350, format: 'png', hasAlpha: true },
  'esrgan_lq_comic.png': { width: 60, height: 90, format: 'png', hasAlpha: false },
  'Blake_Lively.jpg': { width: 700, height: 464, format: 'jpeg', hasAlpha: false },
} as const;
export const FIXTURE_IMAGE_COUNT = 14;
