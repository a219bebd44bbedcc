import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGemini } from '../fakes/gemini/index.js';
import type { FakeGemini } from '../fakes/gemini/types.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';

const SECRET = 'AIzaSyCLI-RESTYLE-0123456789abcdefXYZ';
const FLASH = 'gemini-2.5-flash-image';
const PHOTOS = ['Blake_Lively.jpg', 'Adele_crop.png'];

const generateCalls = (fake: FakeGemini): number =>
  fake.requests.filter((r) => r.path.endsWith(':generateContent')).length;

// Each command is a fresh process that opens core (about half a second); a test runs several.
describe('pixelsmith restyle / styles / cost / settings', { timeout: 120_000 }, () => {
  let fake: FakeGemini;
  const dir = tempDir('pixelsmith-cli-restyle-');
  const input = join(dir.path, 'trip');
  const out = join(dir.path, 'out');
  let env: Record<string, string>;
  const cli = (args: string[], stdin = ''): ReturnType<typeof runCli> => runCli(args, env, stdin);

  beforeAll(async () => {
    fake = await startFakeGemini({
      keys: { [SECRET]: { project: 'cli-project' } },
      limits: { [FLASH]: { rpm: 1000, rpd: 100_000 } },
    });
    env = {
      PIXELSMITH_DATA_DIR: join(dir.path, 'data'),
      PIXELSMITH_GEMINI_BASE_URL: fake.url,
    };
    // Small photos keep every call fast; the fake tints what it is sent.
    mkdirSync(input, { recursive: true });
    for (const name of PHOTOS) {
      await sharp(join(FIXTURE_IMAGES, name))
        .resize({ width: 96 })
        .png()
        .toFile(join(input, name.replace(/\.[a-z]+$/, '.png')));
    }
    const added = await cli(['keys', 'add', '--label', 'Main', '--project', 'cli-project'], `${SECRET}\n`);
    expect(added.code, added.err).toBe(0);
  });
  afterAll(async () => {
    await fake.close();
    dir.cleanup();
  });

  it('without --yes and no terminal, prints the estimate, refuses with exit 2 and queues nothing', async () => {
    const r = await cli(['restyle', input, '--style', 'ink_wash', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(
      /Estimate: 2 photos, 2 images to make; 0 already in the cache \(free\), 2 Gemini calls\./,
    );
    expect(r.out).toMatch(/Cost: about \$0\.0\d\d \(gemini-2\.5-flash-image: 2 calls/);
    expect(r.out).toMatch(/Time: about \d+:\d\d at the current quota\./);
    expect(r.out).toMatch(/Today: \$0\.00 spent of the \$10\.00 daily cap/);
    expect(r.err).toMatch(/Nothing was queued: pass --yes/);
    expect((await cli(['jobs'])).out).toMatch(/No jobs yet/);
    expect(generateCalls(fake)).toBe(0);
  });

  it("refuses a size the model does not make with the contract's sentence", async () => {
    const own = await cli(['restyle', input, '--style', 'ink_wash', '--size', '4K', '--out', out, '--yes']);
    expect(own.code).toBe(2);
    expect(own.err).toMatch(
      /Style "ink_wash": gemini-2\.5-flash-image makes 1K images only; 4K needs gemini-3-pro-image-preview\./,
    );
    const forced = await cli([
      'restyle',
      input,
      '--style',
      'ink_wash',
      '--model',
      FLASH,
      '--size',
      '4K',
      '--out',
      out,
      '--yes',
    ]);
    expect(forced.code).toBe(2);
    expect(forced.err).toMatch(/--size: this model does not make images of that size/);
    expect(generateCalls(fake)).toBe(0);
  });

  let firstCost = 0;
  it('with --yes writes <out>/<folder>/<name>_<style>.png and .json, and sums up the run', async () => {
    const r = await cli(['restyle', input, '--style', 'ink_wash', '--out', out, '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Estimate: 2 photos, 2 images to make/);
    expect(r.out).toMatch(/Job \S+ started: 2 photos\./);
    for (const name of ['Blake_Lively', 'Adele_crop']) {
      const png = join(out, 'trip', `${name}_ink_wash.png`);
      expect((await sharp(png).metadata()).format).toBe('png');
      const sidecar = JSON.parse(readFileSync(png.replace(/\.png$/, '.json'), 'utf8'));
      expect(sidecar).toMatchObject({ style: { id: 'ink_wash' }, model: FLASH, cacheHit: false });
      firstCost += sidecar.costUsd as number;
    }
    expect(generateCalls(fake)).toBe(2);
    const summary = r.out.match(
      /Restyled: 2 images made \(0 from the cache\), 2 calls, \$(\d+\.\d+) this run\./,
    );
    expect(summary, r.out).not.toBeNull();
    expect(Number(summary?.[1])).toBeCloseTo(firstCost, 3);
    expect(r.out).toContain(`Outputs are in ${out}.`);
  });

  it('a second identical run is all from the cache: no call, no cost', async () => {
    const before = generateCalls(fake);
    const again = join(dir.path, 'again');
    const r = await cli(['restyle', input, '--style', 'ink_wash', '--out', again, '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/2 already in the cache \(free\), 0 Gemini calls\./);
    expect(r.out).toMatch(/Restyled: 2 images made \(2 from the cache\), 0 calls, \$0\.00 this run\./);
    expect(existsSync(join(again, 'trip', 'Adele_crop_ink_wash.png'))).toBe(true);
    expect(generateCalls(fake)).toBe(before);
  });

  it("cost lists the run's calls with the right total and today's spend against the cap", async () => {
    const r = await cli(['cost', '--today']);
    expect(r.code, r.err).toBe(0);
    const rows = r.out.split('\n').filter((l) => l.includes(FLASH));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/ 1K\s+ok\s+\$0\.0\d\d\s+\d+\+\d+ tokens\s+\S+ · ink_wash/);
    expect(r.out).toContain(`for 2 calls.`);
    const total = r.out.match(/Total on \d{4}-\d\d-\d\d: \$(\d+\.\d+) for 2 calls/);
    expect(Number(total?.[1])).toBeCloseTo(firstCost, 3);
    expect(r.out).toMatch(/Today \(\d{4}-\d\d-\d\d, Pacific\): \$0\.0\d\d spent of the \$10\.00 daily cap/);
    const json = JSON.parse((await cli(['cost', '--json'])).out) as { totalUsd: number; calls: number };
    expect(json.calls).toBe(2);
    expect(json.totalUsd).toBeCloseTo(firstCost, 6);
    expect((await cli(['cost', '--day', 'yesterday'])).err).toMatch(/--day: must be a day as YYYY-MM-DD/);
  });

  it('at the cost cap: prints each alert, reports the photos left waiting and why; jobs resume finishes them', async () => {
    // About $0.078 is spent; at a $0.20 cap, three more calls fit and the fourth waits.
    expect((await cli(['settings', 'set', 'dailyCostCapUsd', '0.2'])).code).toBe(0);
    const capped = join(dir.path, 'capped');
    const r = await cli([
      'restyle',
      input,
      '--style',
      'van_gogh',
      '--variations',
      '2',
      '--out',
      capped,
      '--yes',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/this run does not fit under it\./);
    expect(r.err).toMatch(/Cost alert: today's Gemini spend is \$0\.1\d\d, 50 % of the \$0\.200 daily cap\./);
    expect(r.err).toMatch(/ {2}waiting: \S+\.png\n {11}Today's Gemini cost cap of \$0\.20 is reached/);
    const jobId = r.out.match(/Resume it with: pixelsmith jobs resume (\w+)/)?.[1];
    expect(jobId, r.out).toBeDefined();

    expect((await cli(['settings', 'set', 'dailyCostCapUsd', '10'])).code).toBe(0);
    const resumed = await cli(['jobs', 'resume', jobId ?? '']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/done: 2 done, 0 skipped \(already up to date\), 0 failed/);
    expect(existsSync(join(capped, 'trip', 'Blake_Lively_van_gogh_c2.png'))).toBe(true);
    expect(existsSync(join(capped, 'trip', 'Adele_crop_van_gogh_c2.png'))).toBe(true);
  });

  it('styles: add, show, edit, duplicate, preview, remove; a built-in is not edited', async () => {
    const promptFile = join(dir.path, 'charcoal.txt');
    writeFileSync(promptFile, 'Redraw this photo as a charcoal sketch on rough paper.\nKeep the faces.');
    const added = await cli([
      'styles',
      'add',
      '--name',
      'Charcoal',
      '--prompt-file',
      promptFile,
      '--aspect',
      '3:2',
    ]);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/Added style charcoal \("Charcoal"\)/);
    const shown = await cli(['styles', 'show', 'charcoal']);
    expect(shown.out).toMatch(/aspect:\s+3:2/);
    expect(shown.out).toMatch(/temperature:\s+model default/);
    expect(shown.out).toContain('    Keep the faces.');

    const edited = await cli(['styles', 'edit', 'charcoal', '--temperature', '0.4', '--name', 'Charcoal 2']);
    expect(edited.code, edited.err).toBe(0);
    const after = (await cli(['styles', 'show', 'charcoal'])).out;
    expect(after).toMatch(/name:\s+Charcoal 2/);
    expect(after).toMatch(/temperature:\s+0\.4/);
    expect(after).toMatch(/aspect:\s+3:2/); // unchanged

    const tooShort = await cli(['styles', 'edit', 'charcoal', '--prompt', 'short']);
    expect(tooShort.code).toBe(2);
    expect(tooShort.err).toMatch(/--prompt: write a prompt of at least 20 characters/);

    const builtin = await cli(['styles', 'edit', 'ink_wash', '--name', 'Mine']);
    expect(builtin.code).toBe(2);
    expect(builtin.err).toMatch(/built-in/i);

    const dup = await cli(['styles', 'duplicate', 'ink_wash', '--id', 'my_ink', '--name', 'My ink']);
    expect(dup.code, dup.err).toBe(0);
    const listed = (await cli(['styles'])).out;
    expect(listed).toMatch(/^my_ink\s+My ink\s+gemini-2\.5-flash-image\s+4:5\s+1K$/m);
    expect(listed).toMatch(/^ink_wash\s+.*built-in$/m);

    const preview = await cli(['styles', 'preview', 'charcoal']);
    expect(preview.out).toMatch(/Price: \$0\.0\d\d per image/);
    expect(preview.out).toMatch(/"aspectRatio": "3:2"/);
    expect(preview.out).toMatch(/"temperature": 0\.4/);
    expect(preview.out).toContain('Redraw this photo as a charcoal sketch');

    expect((await cli(['styles', 'remove', 'charcoal'])).out).toMatch(/Removed style charcoal\./);
    expect((await cli(['styles', 'remove', 'my_ink'])).code).toBe(0);
    const gone = await cli(['styles', 'show', 'charcoal']);
    expect(gone.code).toBe(2);
    expect(gone.err).toMatch(/There is no style "charcoal"/);
    const removeBuiltin = await cli(['styles', 'remove', 'van_gogh']);
    expect(removeBuiltin.code).toBe(2);
    expect(removeBuiltin.err).toMatch(/built-in/i);
  });

  it("settings: set and get a value; the contract's refusals, and unknown keys, exit 2", async () => {
    expect((await cli(['settings', 'set', 'dailyCostCapUsd', '2.5'])).out).toMatch(
      /dailyCostCapUsd is now 2\.5\./,
    );
    expect((await cli(['settings', 'get', 'dailyCostCapUsd'])).out).toBe('2.5\n');
    expect((await cli(['settings'])).out).toMatch(/^dailyCostCapUsd\s+2\.5\s+\(default: 10\)$/m);

    const negative = await cli(['settings', 'set', 'dailyCostCapUsd', '-1']);
    expect(negative.code).toBe(2);
    expect(negative.err).toMatch(/dailyCostCapUsd: Too small: expected number to be >=0/);
    const unknown = await cli(['settings', 'set', 'nope', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/There is no setting "nope"\. Settings: theme, .*dailyCostCapUsd/);
    expect((await cli(['settings', 'get', 'dailyCostCapUsd'])).out).toBe('2.5\n');
  });
});
