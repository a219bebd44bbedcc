import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGemini } from '../fakes/gemini/index.js';
import type { FakeGemini } from '../fakes/gemini/types.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';

const SECRET = 'AIzaSyCLI-0123456789abcdefghijk-WXYZ';

const cli = runCli;

describe('pixelsmith keys / usage', () => {
  let fake: FakeGemini;
  const dir = tempDir('pixelsmith-cli-keys-');
  let env: Record<string, string>;
  beforeAll(async () => {
    fake = await startFakeGemini({ keys: { [SECRET]: { project: 'my-project' } } });
    env = { PIXELSMITH_DATA_DIR: dir.path, PIXELSMITH_GEMINI_BASE_URL: fake.url };
  });
  afterAll(async () => {
    await fake.close();
    dir.cleanup();
  });

  it('adds a key from stdin (never argv), lists it masked, tests it, and shows usage', async () => {
    const added = await cli(
      ['keys', 'add', '--label', 'Main', '--project', 'my-project'],
      env,
      `${SECRET}\n`,
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/Added "Main" \(…WXYZ\) for project my-project/);
    const listed = await cli(['keys'], env);
    expect(listed.out).toMatch(/Main\s+my-project\s+free\s+…WXYZ\s+active/);
    const tested = await cli(['keys', 'test', 'Main'], env);
    expect(tested.code).toBe(0);
    expect(tested.out).toMatch(/"Main" works/);
    expect((await cli(['usage'], env)).out).toMatch(/No Gemini requests today/);
    for (const r of [added, listed, tested]) expect(r.out + r.err).not.toContain(SECRET);
    const missing = await cli(['keys', 'add', '--label', 'x'], env, SECRET);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/--project/);
    expect((await cli(['keys', 'remove', 'Main'], env)).out).toMatch(/Removed/);
  });
});
