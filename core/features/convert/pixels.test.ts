import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../../../test/helpers/engine.js';
import { FIXTURE_IMAGES } from '../../../test/helpers/fixtures.js';

let h: EngineHarness;
afterEach(() => h.close());

async function convert(input: string, options: Record<string, unknown>) {
  const job = await h.engine.create({
    kind: 'convert',
    options,
    paths: [input],
    outDir: join(h.dir, 'out'),
    priority: 'background',
  });
  h.engine.start([job.id]);
  await h.engine.drain();
  return { item: h.engine.get(job.id, 0, 1).items[0], log: h.engine.logOf(job.id, 20) };
}

/** Pixels are never lost in silence: depth, frames and damage either survive or are said. */
describe('convert keeps what the format can hold and says what it cannot', () => {
  it('keeps 16-bit PNG at 16 bits, and says so when JPEG can hold only 8', async () => {
    h = engineHarness();
    const input = join(h.dir, 'deep.png');
    await sharp({
      create: {
        width: 64,
        height: 16,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 30 },
      },
    })
      .toColourspace('rgb16')
      .png()
      .toFile(input);
    expect((await sharp(input).metadata()).depth).toBe('ushort');
    const png = await convert(input, { format: 'png' });
    expect(png.item).toMatchObject({ status: 'done', details: null });
    const pngMeta = await sharp(png.item?.outputs[0]).metadata();
    expect(pngMeta.depth).toBe('ushort');
    const jpg = await convert(input, { format: 'jpg' });
    expect(jpg.item?.details?.note).toMatch(/16-bit input written as 8-bit \(JPG holds 8 bits/);
    expect(jpg.log.some((e) => e.level === 'warn' && /16-bit/.test(e.message))).toBe(true);
  });

  it('says when frames of an animation are dropped', async () => {
    h = engineHarness();
    const frame = (colour: string) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const input = join(h.dir, 'anim.webp');
    await sharp([await frame('#f00'), await frame('#00f'), await frame('#0f0')], { join: { animated: true } })
      .webp()
      .toFile(input);
    const { item } = await convert(input, { format: 'png' });
    expect(item).toMatchObject({
      status: 'done',
      details: { note: expect.stringMatching(/first of 3 frames/) },
    });
  });

  it('flags a JPEG whose middle is damaged instead of passing its grey band as done', async () => {
    h = engineHarness();
    const full = readFileSync(join(FIXTURE_IMAGES, '00.jpg'));
    const damaged = Buffer.from(full);
    const from = Math.floor(full.length / 2);
    for (let i = from; i < from + 4000; i += 1) damaged[i] = (i * 7) & 0xff;
    const input = join(h.dir, 'damaged.jpg');
    writeFileSync(input, damaged);
    const { item } = await convert(input, { format: 'jpg', maxSize: 256 });
    expect(item).toMatchObject({
      status: 'done',
      details: { note: expect.stringMatching(/decoder reported damage \(Corrupt JPEG data/) },
    });
    const clean = join(h.dir, 'clean.jpg');
    writeFileSync(clean, full);
    expect((await convert(clean, { format: 'jpg', maxSize: 256 })).item?.details).toBeNull();
  });

  it('refuses an output its format cannot hold, naming the limit instead of blaming the input', async () => {
    h = engineHarness();
    const input = join(h.dir, 'wide.png');
    await sharp({ create: { width: 1100, height: 10, channels: 3, background: '#888' } })
      .png()
      .toFile(input);
    const { item } = await convert(input, { format: 'webp', scale: 16 });
    expect(item).toMatchObject({
      status: 'failed',
      errorCode: 'IMAGE_TOO_LARGE',
      errorMessage: expect.stringMatching(/WebP holds at most 16,383 pixels per side; choose PNG or TIFF/),
    });
  });
});
