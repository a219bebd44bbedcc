import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../../../test/helpers/engine.js';
import { FIXTURES, FIXTURE_IMAGES, REPO_ROOT } from '../../../test/helpers/fixtures.js';
import { pngBombHeader } from '../../../test/helpers/png.js';
import { createModelsRepo } from './modelsRepo.js';
import { loadCatalog } from './catalog.js';
import { ModelStore } from './models.js';
import { createEnhanceOperation } from './operation.js';
import { SessionCache } from './sessions.js';

let h: EngineHarness;
let sessions: SessionCache;
afterEach(async () => {
  await sessions.release();
  await h.close();
});

/** A real engine with the enhance operation, models from the fixtures folder (or none). */
function harness(withModels: boolean): EngineHarness {
  sessions = new SessionCache(() => 0);
  h = engineHarness((dir, db) => {
    const store = new ModelStore({
      catalog: loadCatalog(join(REPO_ROOT, 'resources')),
      repo: createModelsRepo(db),
      dir: join(dir, 'models'),
      extraDir: withModels ? join(FIXTURES, 'models') : join(dir, 'no-models'),
    });
    return [
      createEnhanceOperation(
        store,
        sessions,
        () => 256 * 1024 ** 2,
        () => h.settings.get(),
      ),
    ];
  });
  return h;
}

async function enhance(paths: string[], options: Record<string, unknown>) {
  const job = await h.engine.create({
    kind: 'enhance',
    options,
    paths,
    outDir: join(h.dir, 'out'),
    priority: 'interactive',
  });
  h.engine.start([job.id]);
  await h.engine.drain();
  return h.engine.get(job.id, 0, 100);
}

describe('enhance jobs', () => {
  it('honours EXIF orientation, keeps EXIF and ICC, reports the model and provider', async () => {
    harness(true);
    const input = join(h.dir, 'portrait.jpg');
    await sharp(join(FIXTURE_IMAGES, 'ADE_val_00000114.jpg'))
      .resize(48, 32)
      .withIccProfile('p3')
      .withExif({ IFD0: { Make: 'PixelsmithCam' } })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toFile(input);
    const { job, items } = await enhance([input], { outscale: 2 });
    expect(job.counts).toMatchObject({ done: 1, failed: 0 });
    const item = items[0];
    expect(item?.details).toMatchObject({
      model: 'realesr-animevideov3',
      provider: 'cpu',
      width: 64,
      height: 96,
      // One run on the (oriented) 32×48 photo plus its 10 px reflect pre-pad, nothing more.
      tiles: 1,
      modelPixelRatio: Number(((42 * 58) / (32 * 48)).toFixed(3)),
    });
    const meta = await sharp(item?.outputs[0]).metadata();
    expect([meta.format, meta.width, meta.height, meta.orientation ?? 1]).toEqual(['jpeg', 64, 96, 1]);
    expect(meta.exif?.toString('latin1')).toContain('PixelsmithCam');
    expect(meta.icc?.length).toBe((await sharp(input).metadata()).icc?.length);
  });

  it('keeps transparency (PNG out), and 4× is exactly 4×', async () => {
    harness(true);
    const input = join(h.dir, 'cutout.png');
    await sharp(join(FIXTURE_IMAGES, 'children-alpha.png'))
      .extract({ left: 180, top: 80, width: 40, height: 30 })
      .png()
      .toFile(input);
    const { items } = await enhance([input], { outscale: 4, alpha: 'model' });
    const meta = await sharp(items[0]?.outputs[0]).metadata();
    expect([meta.format, meta.width, meta.height, meta.hasAlpha]).toEqual(['png', 160, 120, true]);
  });

  it('fails each bad input on its own, and says how to get a model when none is installed', async () => {
    harness(true);
    const folder = join(h.dir, 'mixed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'text.jpg'), 'hello');
    const full = readFileSync(join(FIXTURE_IMAGES, '0014.jpg'));
    writeFileSync(join(folder, 'cut.jpg'), full.subarray(0, Math.floor(full.length / 2)));
    await sharp(join(FIXTURE_IMAGES, '0030.jpg')).resize(32, 32).toFile(join(folder, 'ok.jpg'));
    const { items } = await enhance([folder], {});
    const by = Object.fromEntries(items.map((i) => [i.inputPath.split('/').pop(), i]));
    expect(by['ok.jpg']?.status).toBe('done');
    // Not an image at all: left out of the job when the folder is listed.
    expect(by['text.jpg']).toBeUndefined();
    expect(by['cut.jpg']).toMatchObject({ status: 'failed', errorCode: 'CORRUPT_IMAGE' });
    await h.close();
    await sessions.release();

    harness(false);
    // Nothing to run it with: the job is refused before anything is queued.
    const refused = await enhance([join(FIXTURE_IMAGES, '0014.jpg')], {}).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringMatching(/models download|models import/),
    });
    expect(h.engine.list()).toEqual([]);
  });

  it('fails the items of a job whose model was removed after the job was made', async () => {
    sessions = new SessionCache(() => 0);
    let folder = '';
    h = engineHarness((dir, db) => {
      folder = join(dir, 'models-here');
      mkdirSync(folder);
      copyFileSync(
        join(FIXTURES, 'models', 'realesr-animevideov3.onnx'),
        join(folder, 'realesr-animevideov3.onnx'),
      );
      const store = new ModelStore({
        catalog: loadCatalog(join(REPO_ROOT, 'resources')),
        repo: createModelsRepo(db),
        dir: join(dir, 'models'),
        extraDir: folder,
      });
      return [createEnhanceOperation(store, sessions, () => 256 * 1024 ** 2)];
    });
    const job = await h.engine.create({
      kind: 'enhance',
      options: {},
      paths: [join(FIXTURE_IMAGES, '0014.jpg')],
      outDir: join(h.dir, 'out'),
      priority: 'interactive',
    });
    rmSync(join(folder, 'realesr-animevideov3.onnx'));
    h.engine.start([job.id]);
    await h.engine.drain();
    expect(h.engine.get(job.id, 0, 10).items[0]).toMatchObject({
      status: 'failed',
      errorCode: 'MODEL_MISSING',
      errorMessage: expect.stringMatching(/models download|models import/),
    });
  });

  it('refuses, before decoding, what this machine cannot finish: output pixels, format limits, time', async () => {
    harness(true);
    // 31 KB files that claim 16000×16000 and friends: only their headers are ever read.
    const write = (name: string, w: number, hgt: number): string => {
      const path = join(h.dir, name);
      writeFileSync(path, pngBombHeader(w, hgt));
      return path;
    };
    const huge = write('huge.png', 16_000, 16_000);
    const wide = write('wide.png', 17_000, 1_000);
    const slow = write('slow.png', 8_000, 8_000);
    const { items } = await enhance([huge], { outscale: 2 });
    expect(items[0]).toMatchObject({
      status: 'failed',
      errorCode: 'IMAGE_TOO_LARGE',
      errorMessage: expect.stringMatching(
        /16000×16000 → 32,000×32,000 is 1024 MP, over the 400 MP output limit/,
      ),
    });
    const jpeg = await enhance([wide], { outscale: 4, format: 'jpg' });
    expect(jpeg.items[0]).toMatchObject({
      errorCode: 'IMAGE_TOO_LARGE',
      errorMessage: expect.stringMatching(/JPEG holds at most 65,535 pixels per side/),
    });
    h.settings.update({ itemTimeLimitMinutes: 1 });
    const timed = await enhance([slow], { outscale: 2 });
    expect(timed.items[0]).toMatchObject({
      errorCode: 'LIMIT_EXCEEDED',
      errorMessage: expect.stringMatching(
        /would take about .* on the CPU here \(.* s per megapixel, measured\), over the 1-minute limit/,
      ),
    });
  });
});
