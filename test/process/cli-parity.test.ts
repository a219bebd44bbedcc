import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName } from '../../core/contract/methods.js';
import { CONVERT_FLAGS } from '../../core/features/convert/cli.js';
import { ENHANCE_FLAGS } from '../../core/features/enhance/cli.js';
import { COST_FLAGS, KEY_FLAGS } from '../../core/features/keys/cli.js';
import { RESTYLE_FLAGS, STYLE_FLAGS } from '../../core/features/restyle/cli.js';
import { renameFields, type FlagWords } from '../../core/kernel/cli/words.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURE_IMAGES, tempDir } from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';

interface Case {
  what: string;
  /** The command line a user types. */
  argv: string[];
  stdin?: string;
  /** The call the studio would make for the same request. */
  method: MethodName;
  input: unknown;
  /** The command's flags for the contract's fields. */
  flags: FlagWords;
  /** What the user must read, in their words. */
  expect?: RegExp;
}

const missing = join(FIXTURE_IMAGES, 'no-such-folder');
const out = join(tempDir('pixelsmith-parity-out-').path, 'out');
const convertDefaults = {
  suffix: '',
  template: '{name}{suffix}.{ext}',
  priority: 'interactive',
  outDir: out,
};

const CASES: Case[] = [
  {
    what: 'a bogus tier and an empty secret',
    argv: ['keys', 'add', '--label', 'Work', '--project', 'p1', '--tier', 'bogus'],
    stdin: '',
    method: 'keys.add',
    input: { label: 'Work', project: 'p1', tier: 'bogus', secret: '' },
    flags: KEY_FLAGS,
    expect: /--tier: Invalid option/,
  },
  {
    what: 'a one-character secret',
    argv: ['keys', 'add', '--label', 'Work', '--project', 'p1'],
    stdin: 'x\n',
    method: 'keys.add',
    input: { label: 'Work', project: 'p1', tier: 'free', secret: 'x' },
    flags: KEY_FLAGS,
  },
  {
    what: 'a path that does not exist',
    argv: ['convert', missing, '--out', out],
    method: 'jobs.create',
    input: {
      kind: 'convert',
      options: { format: 'same', quality: 85 },
      paths: [missing],
      ...convertDefaults,
    },
    flags: CONVERT_FLAGS,
  },
  {
    what: 'a format convert does not write',
    argv: ['convert', FIXTURE_IMAGES, '--format', 'bmp', '--out', out],
    method: 'jobs.create',
    input: {
      kind: 'convert',
      options: { format: 'bmp', quality: 85 },
      paths: [FIXTURE_IMAGES],
      ...convertDefaults,
    },
    flags: CONVERT_FLAGS,
    expect: /Invalid convert options: --format: /,
  },
  {
    what: 'both a size and a scale',
    argv: ['convert', FIXTURE_IMAGES, '--max-size', '64', '--scale', '0.5', '--out', out],
    method: 'jobs.create',
    input: {
      kind: 'convert',
      options: { format: 'same', quality: 85, maxSize: 64, scale: 0.5 },
      paths: [FIXTURE_IMAGES],
      ...convertDefaults,
    },
    flags: CONVERT_FLAGS,
    expect: /give either --max-size or --scale, not both/,
  },
  {
    what: 'a model that does not exist',
    argv: ['enhance', join(FIXTURE_IMAGES, '0014.jpg'), '--model', 'nope', '--out', out],
    method: 'jobs.create',
    input: {
      kind: 'enhance',
      options: { outscale: 2, tile: 'auto', alpha: 'lanczos', format: 'same', quality: 92, model: 'nope' },
      paths: [join(FIXTURE_IMAGES, '0014.jpg')],
      outDir: out,
      suffix: '',
      priority: 'interactive',
    },
    flags: ENHANCE_FLAGS,
  },
  {
    what: 'a size the style’s model does not make',
    argv: ['restyle', join(FIXTURE_IMAGES, '0014.jpg'), '--style', 'ink_wash', '--size', '4K', '--yes'],
    method: 'restyle.estimate',
    input: {
      options: { styles: ['ink_wash'], imageSize: '4K' },
      paths: [join(FIXTURE_IMAGES, '0014.jpg')],
    },
    flags: RESTYLE_FLAGS,
    expect: /makes 1K images only; 4K needs gemini-3-pro-image-preview/,
  },
  {
    what: 'a style with a prompt too short',
    argv: ['styles', 'add', '--name', 'Pastel', '--prompt', 'pastel'],
    method: 'styles.create',
    input: { style: { name: 'Pastel', prompt: 'pastel' } },
    flags: STYLE_FLAGS,
    expect: /--prompt: write a prompt of at least 20 characters/,
  },
  {
    what: 'a ledger day that is not a day',
    argv: ['cost', '--day', 'yesterday'],
    method: 'cost.ledger',
    input: { day: 'yesterday' },
    flags: COST_FLAGS,
    expect: /--day: must be a day as YYYY-MM-DD/,
  },
];

/**
 * The CLI is one more shell over the contract: whatever the studio would be refused, the command
 * line is refused too, with the same code and the same sentence, and nothing is stored.
 */
describe('the CLI refuses exactly what RPC refuses', () => {
  let h: Harness;
  const data = tempDir('pixelsmith-parity-');
  const env = { PIXELSMITH_DATA_DIR: data.path };
  beforeAll(async () => {
    h = await startHarness('direct');
  });
  afterAll(async () => {
    await h.close();
    data.cleanup();
  });

  for (const c of CASES) {
    it(`${c.what}: same code and message, exit code 2`, async () => {
      const rpc = await h.transport.call(c.method, c.input);
      expect(rpc.ok).toBe(false);
      if (rpc.ok) return;
      const run = await runCli(c.argv, env, c.stdin ?? '');
      expect(run.code).toBe(2);
      // The same sentence, with the contract's field names as the command's flags.
      const words =
        rpc.error.code === 'INVALID_INPUT' ? renameFields(rpc.error.message, c.flags) : rpc.error.message;
      expect(run.err).toContain(`pixelsmith: ${words} (${rpc.error.code})`);
      if (c.expect) expect(run.err).toMatch(c.expect);
    });
  }

  it('stores nothing it refused: keys and jobs still list, over RPC and the CLI', async () => {
    const keys = await h.transport.call('keys.list', {});
    expect(keys).toEqual({ ok: true, value: [] });
    expect(await h.transport.call('jobs.list', {})).toEqual({ ok: true, value: [] });
    const listed = await runCli(['keys', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/No keys/);
    expect((await runCli(['jobs', 'list'], env)).out).toMatch(/No jobs yet/);
  });
});
