import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../../test/helpers/engine.js';
import { FIXTURE_IMAGES } from '../../test/helpers/fixtures.js';
import type { JobEngine } from './engine.js';
import type { CreateJobRequest } from './plan.js';
import type { Operation } from './types.js';

let h: EngineHarness;
afterEach(() => h.close());

async function run(engine: JobEngine, req: CreateJobRequest) {
  const job = await engine.create(req);
  engine.start([job.id]);
  await engine.drain();
  return engine.get(job.id, 0, 1000);
}
const convert = (
  paths: string[],
  outDir: string,
  extra: Partial<CreateJobRequest> = {},
): CreateJobRequest => ({
  kind: 'convert',
  options: { format: 'jpg' },
  paths,
  outDir,
  priority: 'background',
  ...extra,
});
const names = (dir: string): string[] => readdirSync(dir).sort();

/**
 * An operation that copies its input and writes a marker once the output path is planned, as
 * someone else's program could: the file appears between planning and writing.
 */
function racingOperation(): Operation<{ scale: number }> {
  return {
    kind: 'stamp',
    version: 1,
    inputs: 'any',
    optionsSchema: z.strictObject({ scale: z.number().default(2) }),
    resource: () => 'cpu',
    nameSuffix: (o) => `_x${o.scale}`,
    outputExtension: () => 'txt',
    run(ctx) {
      writeFileSync(ctx.outputPath, 'a file someone saved meanwhile');
      return Promise.resolve({ outputs: [ctx.writeOutput(Buffer.from(`stamped x${ctx.options.scale}`))] });
    },
  };
}

describe('outputs never clobber a file that is not Pixelsmith’s', () => {
  it('keeps a file that was already there and writes beside it; two inputs with one name both survive', async () => {
    h = engineHarness();
    const out = join(h.dir, 'ov');
    mkdirSync(out);
    writeFileSync(join(out, 'img.jpg'), 'my own photo, not made by Pixelsmith');
    for (const [folder, fixture] of [
      ['ovA', '0014.jpg'],
      ['ovB', '0030.jpg'],
    ] as const) {
      mkdirSync(join(h.dir, folder));
      copyFileSync(join(FIXTURE_IMAGES, fixture), join(h.dir, folder, 'img.jpg'));
    }
    const a = await run(h.engine, convert([join(h.dir, 'ovA', 'img.jpg')], out));
    const b = await run(h.engine, convert([join(h.dir, 'ovB', 'img.jpg')], out));
    expect(readFileSync(join(out, 'img.jpg'), 'utf8')).toBe('my own photo, not made by Pixelsmith');
    expect(a.items[0]?.outputs).toEqual([join(out, 'img (2).jpg')]);
    expect(b.items[0]?.outputs).toEqual([join(out, 'img (3).jpg')]);
    expect(names(out)).toEqual(['img (2).jpg', 'img (3).jpg', 'img.jpg']);
  });

  it('replaces its own output when the same input changes, but not one a user edited since', async () => {
    h = engineHarness();
    const src = join(h.dir, 'in');
    mkdirSync(src);
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(src, 'photo.jpg'));
    const out = join(h.dir, 'out');
    // The input folder is mirrored under the output folder.
    const made = join(out, 'in');
    await run(h.engine, convert([src], out));
    // The same command again: already made from these bytes with these options.
    expect((await run(h.engine, convert([src], out))).job.counts).toMatchObject({ done: 0, skipped: 1 });
    // The photo was edited: its output is remade in place (it is ours, made from this file).
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(src, 'photo.jpg'));
    const remade = await run(h.engine, convert([src], out));
    expect(remade.items[0]?.outputs).toEqual([join(made, 'photo.jpg')]);
    expect(names(made)).toEqual(['photo.jpg']);
    // The user retouched the output: it is theirs now, and stays.
    writeFileSync(join(made, 'photo.jpg'), 'retouched by hand');
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(src, 'photo.jpg'));
    const again = await run(h.engine, convert([src], out));
    expect(readFileSync(join(made, 'photo.jpg'), 'utf8')).toBe('retouched by hand');
    expect(again.items[0]?.outputs).toEqual([join(made, 'photo (2).jpg')]);
    // Unless the job asks to overwrite.
    await run(h.engine, convert([src], out, { overwrite: true }));
    expect(readFileSync(join(made, 'photo.jpg'), 'utf8')).not.toBe('retouched by hand');
  });

  it('takes a free name when someone’s file appears at the planned path before it is written, and says so', async () => {
    h = engineHarness([racingOperation()]);
    const input = join(h.dir, 'note.md');
    writeFileSync(input, 'x');
    const out = join(h.dir, 'out');
    mkdirSync(out);
    const done = await run(h.engine, {
      kind: 'stamp',
      options: { scale: 4 },
      paths: [input],
      outDir: out,
      priority: 'background',
    });
    expect(readFileSync(join(out, 'note_x4.txt'), 'utf8')).toBe('a file someone saved meanwhile');
    expect(done.items[0]).toMatchObject({
      status: 'done',
      outputs: [join(out, 'note_x4 (2).txt')],
      details: {
        note: expect.stringMatching(/note_x4\.txt is already there.*written as note_x4 \(2\)\.txt/),
      },
    });
  });

  it('names outputs by what was done, so a 2× run never replaces a 4× one', async () => {
    h = engineHarness([
      {
        ...racingOperation(),
        run: (ctx) => Promise.resolve({ outputs: [ctx.writeOutput(Buffer.from('x'))] }),
      },
    ]);
    const input = join(h.dir, 'a.md');
    writeFileSync(input, 'x');
    const out = join(h.dir, 'out');
    for (const scale of [2, 4]) {
      await run(h.engine, {
        kind: 'stamp',
        options: { scale },
        paths: [input],
        outDir: out,
        priority: 'background',
      });
    }
    expect(names(out)).toEqual(['a_x2.txt', 'a_x4.txt']);
  });

  it('never reads its own output folder back as input, whatever it is called', async () => {
    h = engineHarness();
    const nest = join(h.dir, 'nest');
    mkdirSync(nest);
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), join(nest, 'a.jpg'));
    copyFileSync(join(FIXTURE_IMAGES, '0030.jpg'), join(nest, 'b.jpg'));
    for (let i = 0; i < 3; i += 1) {
      const job = await run(h.engine, convert([nest], join(nest, 'converted')));
      expect(job.job.counts.total, `run ${i + 1}`).toBe(2);
    }
    expect(names(join(nest, 'converted', 'nest'))).toEqual(['a.jpg', 'b.jpg']);
  });

  it('refuses outputs inside Pixelsmith’s own folders, and templates that would hide or escape', async () => {
    h = engineHarness();
    const input = join(h.dir, 'in.jpg');
    copyFileSync(join(FIXTURE_IMAGES, '0014.jpg'), input);
    const guarded = h.restart({ protectedDirs: [join(h.dir, 'data')] });
    await expect(guarded.create(convert([input], join(h.dir, 'data', 'out')))).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/belongs to Pixelsmith itself; choose another output folder/),
    });
    await expect(
      h.engine.create(convert([input], join(h.dir, 'o'), { template: '.{name}.{ext}' })),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/must not start with "\."/),
    });
    await expect(
      h.engine.create(convert([input], join(h.dir, 'o'), { template: '../{name}.{ext}' })),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/slashes/),
    });
    const dotted = join(h.dir, '.hidden.jpg');
    copyFileSync(input, dotted);
    const plan = await run(h.engine, convert([dotted], join(h.dir, 'o')));
    expect(plan.items[0]?.outputs).toEqual([join(h.dir, 'o', '_hidden.jpg')]);
  });
});

describe('outputs encoded straight into their temporary file', () => {
  /** Writes its output through writeOutputWith; `fail` names inputs that fail, and where. */
  function streamingOperation(fail: Record<string, 'encode' | 'after'>): Operation<Record<string, never>> {
    return {
      kind: 'stream',
      version: 1,
      inputs: 'any',
      optionsSchema: z.strictObject({}),
      resource: () => 'cpu',
      outputExtension: () => 'txt',
      async run(ctx) {
        const name = ctx.inputPath.split('/').pop() ?? '';
        const output = await ctx.writeOutputWith(async (temp) => {
          writeFileSync(temp, `streamed from ${name}`);
          if (fail[name] === 'encode') throw new Error('the encoder ran out of disk');
        });
        if (fail[name] === 'after') throw new Error('a later step failed');
        return { outputs: [output] };
      },
    };
  }

  it('moves a complete file into place, and leaves no temporary file when the item fails at any step', async () => {
    h = engineHarness([streamingOperation({ 'b.txt': 'encode', 'c.txt': 'after' })]);
    const inputs = join(h.dir, 'in');
    mkdirSync(inputs);
    for (const n of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(inputs, n), n);
    const out = join(h.dir, 'out');
    const result = await run(h.engine, {
      kind: 'stream',
      options: {},
      paths: [inputs],
      outDir: out,
      priority: 'background',
    });
    const byName = Object.fromEntries(result.items.map((i) => [i.inputPath.split('/').pop(), i]));
    expect(byName['a.txt']?.status).toBe('done');
    expect(readFileSync(byName['a.txt']?.outputs[0] ?? '', 'utf8')).toBe('streamed from a.txt');
    expect(byName['b.txt']).toMatchObject({
      status: 'failed',
      errorMessage: expect.stringContaining('out of disk'),
    });
    expect(byName['c.txt']).toMatchObject({
      status: 'failed',
      errorMessage: expect.stringContaining('later step'),
    });
    // Only the finished output is there: no `.pixelsmith-*.tmp` left behind.
    expect(names(join(out, 'in'))).toEqual(['a.txt']);
  });
});
