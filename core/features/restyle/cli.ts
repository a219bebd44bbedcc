import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type Command } from 'commander';
import type { Api } from '../../contract/client.js';
import { RpcError } from '../../contract/errors.js';
import { formatDuration } from '../../contract/format.js';
import {
  ASPECT_RATIOS,
  GEMINI_IMAGE_MODELS,
  IMAGE_SIZES,
  MAX_VARIATIONS,
  type RestyleEstimate,
  type Style,
  type StyleDraft,
} from '../../contract/restyle.js';
import { absolute, withApi, type CliContext } from '../../kernel/cli/context.js';
import type { Io } from '../../kernel/cli/io.js';
import { runJobsToEnd } from '../../kernel/cli/jobs.js';
import { safeText } from '../../kernel/cli/words.js';

/** `$0.039`, `$5.02`: cents alone hide what one image costs. */
const money = (usd: number): string => `$${usd.toFixed(usd > 0 && usd < 1 ? 3 : 2)}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function wholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) {
    throw new InvalidArgumentError(`Expected a whole number, got "${value}".`);
  }
  return n;
}

/** A sampling setting: a number, or `default` to leave it to the model. */
function samplingNumber(value: string): number | null {
  if (value === 'default') return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`Expected a number or "default", got "${value}".`);
  }
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const MODEL_LIST = GEMINI_IMAGE_MODELS.map((m) => `${m.id} (${m.sizes.join('/')})`).join(', ');

// ---------------------------------------------------------------------------------------------
// restyle

interface RestyleFlags {
  style?: string[];
  allStyles?: boolean;
  variations?: number;
  model?: string;
  size?: string;
  out?: string;
  yes?: boolean;
  overwrite?: boolean;
  template?: string;
}

/**
 * Field labels of the contract's refusals (`options.imageSize: …`) as this command's flags. Only
 * a label followed by its colon is renamed: "model" or "prompt" in the sentence itself stays a word.
 */
function fieldLabels(fields: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([field, flag]) => [`${field}:`, `${flag}:`]));
}

/** The contract's fields as the restyle command's flags (estimate nests them in `options`). */
export const RESTYLE_FLAGS = fieldLabels({
  'options.styles': '--style',
  'options.variations': '--variations',
  'options.model': '--model',
  'options.imageSize': '--size',
  styles: '--style',
  variations: '--variations',
  model: '--model',
  imageSize: '--size',
  outDir: '--out',
  template: '--template',
  paths: '<paths…>',
});

/** Everything an estimate says, before anything is queued or paid for. */
export function estimateLines(e: RestyleEstimate): string[] {
  const lines = [
    `Estimate: ${plural(e.photos, 'photo')}, ${plural(e.outputs, 'image')} to make; ` +
      `${e.cached} already in the cache (free), ${plural(e.calls, 'Gemini call')}.`,
    `Cost: about ${money(e.costUsd)}` +
      (e.models.length > 0
        ? ` (${e.models.map((m) => `${m.model}: ${plural(m.calls, 'call')}, ${money(m.usd)}`).join('; ')})`
        : '') +
      `, at prices as of ${e.pricesAsOf}.`,
    e.seconds === null
      ? 'Time: unknown (no Gemini API key is enabled).'
      : e.calls === 0
        ? 'Time: no calls to wait for.'
        : `Time: about ${formatDuration(e.seconds * 1000)} at the current quota.`,
    `Today: ${money(e.today.spentUsd)} spent of the ${money(e.today.capUsd)} daily cap` +
      (e.fitsCap ? '; this run fits under it.' : '; this run does not fit under it.'),
  ];
  return [...lines, ...e.notes.map((n) => `Note: ${n}`)];
}

/** Asks on a terminal; null when there is none to ask on (a script, a pipe). */
async function confirm(question: string, io: Io): Promise<boolean | null> {
  if (!process.stdin.isTTY || !io.isTTY) return null;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `Cost alert: today's Gemini spend is $5.02, 50 % of the $10.00 daily cap.` */
function onCostAlerts(api: Api, io: Io): () => void {
  return api.on('cost.alert', (a) => {
    const clear = io.isTTY ? '\r\x1b[K' : '';
    io.err(
      `${clear}Cost alert: today's Gemini spend is ${money(a.spentUsd)}, ${a.threshold} % of the ${money(a.capUsd)} daily cap.\n`,
    );
  });
}

/** What this run made, what it cost and where it went (the job summary before it lists what waits, and why). */
async function printRestyleSummary(
  api: Api,
  jobId: string,
  outDir: string | undefined,
  io: Io,
): Promise<void> {
  const done = await allItems(api, jobId, 'done');
  const sum = (key: string): number => done.reduce((a, i) => a + Number(i.details?.[key] ?? 0), 0);
  const folders = [...new Set(done.flatMap((i) => i.outputs.map((o) => dirname(o))))];
  const where =
    outDir ??
    (folders.length <= 3
      ? folders.map(safeText).join(', ')
      : `${folders.slice(0, 3).map(safeText).join(', ')} and ${folders.length - 3} more folders`);
  const { job } = await api.jobs.get({ id: jobId, limit: 1 });
  const skipped =
    job.counts.skipped > 0
      ? ` ${plural(job.counts.skipped, 'photo was', 'photos were')} skipped: their outputs are already there and up to date${outDir ? ` in ${outDir}` : ''}.`
      : '';
  io.out(
    `Restyled: ${plural(sum('images'), 'image')} made (${sum('cached')} from the cache), ` +
      `${plural(sum('calls'), 'call')}, ${money(sum('costUsd'))} this run.` +
      (done.length > 0 ? ` Outputs are in ${where}.` : '') +
      `${skipped}\n`,
  );
}

async function allItems(api: Api, id: string, status: 'done') {
  const first = await api.jobs.get({ id, limit: 1000, status });
  const items = [...first.items];
  while (items.length < first.totalItems) {
    items.push(...(await api.jobs.get({ id, offset: items.length, limit: 1000, status })).items);
  }
  return items;
}

function registerRestyleCommand(program: Command, cli: CliContext): void {
  program
    .command('restyle')
    .description(
      'restyle photos with Gemini in one or more styles, as a resumable job (shows the cost first)',
    )
    .argument('<paths...>', 'files and folders (searched recursively)')
    .option('--style <id>', 'a style id (repeat for more; see `pixelsmith styles list`)', collect)
    .option('--all-styles', 'every style there is, built-in and your own')
    .option(`--variations <n>`, `images per photo and style, 1-${MAX_VARIATIONS} (_c2, _c3 …)`, wholeNumber)
    .option('--model <id>', `use this model for every style (default: each style's own): ${MODEL_LIST}`)
    .option('--size <size>', `use this output size for every style: ${IMAGE_SIZES.join(', ')}`)
    .option(
      '--out <dir>',
      'output folder; the input folders are mirrored under it (default: a "pixelsmith" folder next to each photo)',
    )
    .option('--yes', 'start without asking (needed when not run on a terminal)')
    .option(
      '--overwrite',
      'replace files already at the output paths (default: a free name, e.g. "photo_ink_wash (2).png")',
    )
    .option('--template <t>', 'output name template with {name}, {suffix} (_<first style>), {ext}')
    .addHelpText(
      'after',
      '\nEvery image is named <name>_<style>.png (then _c2, _c3 … for more variations), with a .json\n' +
        'sidecar holding the prompt, model and cost. Images already made with the same photo, prompt and\n' +
        'settings come from the cache: no call, no cost. Calls stop at the daily cost cap\n' +
        '(`pixelsmith settings set dailyCostCapUsd N`); what is left waits for midnight Pacific.\n\n' +
        'Examples:\n' +
        '  pixelsmith restyle ~/Photos/trip --style ink_wash --out ~/Restyled\n' +
        '  pixelsmith restyle a.jpg b.jpg --style van_gogh --style bw_fine_art --variations 2 --out out --yes\n' +
        '  pixelsmith restyle ~/Photos --all-styles --model gemini-3-pro-image-preview --size 2K --out out\n\n' +
        'Exit code 2 when refused (nothing queued), 1 when any photo failed.',
    )
    .action((paths: string[], flags: RestyleFlags) =>
      withApi(cli, (api) => restyle(api, cli, paths, flags), RESTYLE_FLAGS),
    );
}

async function restyle(api: Api, cli: CliContext, paths: string[], flags: RestyleFlags): Promise<void> {
  const { io } = cli;
  if (flags.allStyles && flags.style) {
    throw new RpcError('INVALID_INPUT', 'Give either --style or --all-styles, not both.');
  }
  const styles = flags.allStyles ? (await api.styles.list()).map((s) => s.id) : (flags.style ?? []);
  // The flags go to the contract as typed; it refuses what is wrong, as for every shell.
  const options = {
    styles,
    ...(flags.variations !== undefined && { variations: flags.variations }),
    ...(flags.model !== undefined && { model: flags.model }),
    ...(flags.size !== undefined && { imageSize: flags.size as never }),
  };
  const inputs = paths.map(absolute);
  const estimate = await api.restyle.estimate({ options, paths: inputs });
  io.out(`${estimateLines(estimate).join('\n')}\n`);
  if (!flags.yes) {
    const yes = await confirm('Go ahead? [y/N] ', io);
    if (yes === null) {
      io.err('pixelsmith: Nothing was queued: pass --yes to start a restyle without a terminal to ask on.\n');
      cli.setExit(2);
      return;
    }
    if (!yes) {
      io.out('Nothing was queued.\n');
      return;
    }
  }
  const offAlerts = onCostAlerts(api, io);
  try {
    const job = await api.jobs.create({
      kind: 'restyle',
      options,
      paths: inputs,
      outDir: flags.out === undefined ? undefined : absolute(flags.out),
      ...(flags.overwrite && { overwrite: true }),
      ...(flags.template !== undefined && { template: flags.template }),
      priority: 'interactive',
    });
    io.out(`Job ${job.id} started: ${plural(job.counts.total, 'photo')}.\n`);
    const code = await runJobsToEnd(api, [job.id], io);
    const outDir = flags.out === undefined ? undefined : safeText(absolute(flags.out));
    await printRestyleSummary(api, job.id, outDir, io);
    cli.setExit(code);
  } finally {
    offAlerts();
  }
}

// ---------------------------------------------------------------------------------------------
// styles

interface StyleFlags {
  name?: string;
  prompt?: string;
  promptFile?: string;
  model?: string;
  aspect?: string;
  size?: string;
  temperature?: number | null;
  topP?: number | null;
  topK?: number | null;
}

/** The contract's style fields as the styles commands' flags, for their refusals. */
export const STYLE_FLAGS = fieldLabels({
  'style.name': '--name',
  'style.prompt': '--prompt',
  'style.model': '--model',
  'style.aspectRatio': '--aspect',
  'style.imageSize': '--size',
  'style.temperature': '--temperature',
  'style.topP': '--top-p',
  'style.topK': '--top-k',
  id: '--id',
  newId: '--id',
  name: '--name',
});

function withStyleOptions(command: Command): Command {
  return command
    .option('--name <name>', 'the name shown in the studio')
    .option('--prompt <text>', 'what Gemini is asked to do with each photo (at least 20 characters)')
    .option('--prompt-file <file>', 'read the prompt from a text file instead')
    .option('--model <id>', `Gemini model: ${MODEL_LIST}`)
    .option('--aspect <ratio>', `aspect ratio: ${ASPECT_RATIOS.join(', ')}`)
    .option('--size <size>', `output size: ${IMAGE_SIZES.join(', ')}`)
    .option('--temperature <n>', 'sampling temperature 0-2, or "default" (the model\'s own)', samplingNumber)
    .option('--top-p <n>', 'nucleus sampling 0-1, or "default"', samplingNumber)
    .option('--top-k <n>', 'top-k sampling 1-500, or "default"', samplingNumber);
}

/** The draft fields the flags give (`--prompt-file` read here: core never reads a user's file for this). */
function draftFromFlags(flags: StyleFlags): Partial<StyleDraft> {
  if (flags.prompt !== undefined && flags.promptFile !== undefined) {
    throw new RpcError('INVALID_INPUT', 'Give either --prompt or --prompt-file, not both.');
  }
  const prompt = flags.promptFile === undefined ? flags.prompt : readPromptFile(flags.promptFile);
  const draft: Partial<StyleDraft> = {
    name: flags.name,
    prompt,
    model: flags.model,
    aspectRatio: flags.aspect as never,
    imageSize: flags.size as never,
    temperature: flags.temperature,
    topP: flags.topP,
    topK: flags.topK,
  };
  return Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== undefined));
}

function readPromptFile(file: string): string {
  try {
    return readFileSync(absolute(file), 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : String(error);
    throw new RpcError('INVALID_INPUT', `Could not read the prompt file ${safeText(file)}: ${why}.`);
  }
}

/** A prompt as a terminal shows it safely, line by line. */
const promptLines = (prompt: string): string[] => prompt.split(/\r?\n/).map(safeText);

function draftOf(s: Style): StyleDraft {
  const { name, prompt, model, aspectRatio, imageSize, temperature, topP, topK } = s;
  return { name, prompt, model, aspectRatio, imageSize, temperature, topP, topK };
}

const sampling = (v: number | null): string => (v === null ? 'model default' : String(v));

function styleDetails(s: Style): string {
  return [
    `${s.id}${s.builtin ? ' (built-in: duplicate it to change it)' : ''}`,
    `  name:        ${safeText(s.name)}`,
    `  model:       ${s.model}`,
    `  aspect:      ${s.aspectRatio}`,
    `  size:        ${s.imageSize}`,
    `  temperature: ${sampling(s.temperature)}`,
    `  top-p:       ${sampling(s.topP)}`,
    `  top-k:       ${sampling(s.topK)}`,
    ...(s.createdAt === null ? [] : [`  created:     ${new Date(s.createdAt).toISOString()}`]),
    ...(s.updatedAt === null ? [] : [`  updated:     ${new Date(s.updatedAt).toISOString()}`]),
    '  prompt:',
    ...promptLines(s.prompt).map((line) => `    ${line}`),
    '',
  ].join('\n');
}

function registerStylesCommands(program: Command, cli: CliContext): void {
  const { io } = cli;
  const styles = program
    .command('styles')
    .description('restyle styles: list, show, add, edit, duplicate, remove and preview them');
  styles
    .command('list', { isDefault: true })
    .description('every style: id, name, model, aspect ratio, size')
    .action(() =>
      withApi(cli, async (api) => {
        for (const s of await api.styles.list()) {
          io.out(
            `${s.id.padEnd(20)} ${safeText(s.name).padEnd(24)} ${s.model.padEnd(28)} ${s.aspectRatio.padEnd(5)} ${s.imageSize}${s.builtin ? '  built-in' : ''}\n`,
          );
        }
      }),
    );
  styles
    .command('show')
    .description('every field of a style and its full prompt')
    .argument('<id>', 'style id')
    .action((id: string) => withApi(cli, async (api) => io.out(styleDetails(await api.styles.get({ id })))));
  withStyleOptions(
    styles
      .command('add')
      .description('add a style of your own')
      .option('--id <id>', 'its id, used in output names (default: made from the name)'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  pixelsmith styles add --name "Charcoal" --prompt-file charcoal.txt --aspect 3:2\n',
    )
    .action((flags: StyleFlags & { id?: string }) =>
      withApi(
        cli,
        async (api) => {
          const s = await api.styles.create({
            ...(flags.id !== undefined && { id: flags.id }),
            style: draftFromFlags(flags) as StyleDraft,
          });
          io.out(`Added style ${s.id} ("${safeText(s.name)}").\n`);
        },
        STYLE_FLAGS,
      ),
    );
  withStyleOptions(
    styles
      .command('edit')
      .description('change a style of yours: only the fields given change')
      .argument('<id>', 'style id'),
  ).action((id: string, flags: StyleFlags) =>
    withApi(
      cli,
      async (api) => {
        const current = await api.styles.get({ id });
        const s = await api.styles.update({ id, style: { ...draftOf(current), ...draftFromFlags(flags) } });
        io.out(`Saved style ${s.id} ("${safeText(s.name)}").\n`);
      },
      STYLE_FLAGS,
    ),
  );
  styles
    .command('duplicate')
    .description('copy a style (a built-in one too) to change the copy')
    .argument('<id>', 'style id to copy')
    .option('--id <new>', 'id of the copy (default: made from the name)')
    .option('--name <name>', 'name of the copy (default: the name with "copy")')
    .action((id: string, flags: { id?: string; name?: string }) =>
      withApi(
        cli,
        async (api) => {
          const s = await api.styles.duplicate({
            id,
            ...(flags.id !== undefined && { newId: flags.id }),
            ...(flags.name !== undefined && { name: flags.name }),
          });
          io.out(`Duplicated ${id} as ${s.id} ("${safeText(s.name)}").\n`);
        },
        STYLE_FLAGS,
      ),
    );
  styles
    .command('remove')
    .description('delete a style of yours (outputs already made stay)')
    .argument('<id>', 'style id')
    .action((id: string) =>
      withApi(cli, async (api) => {
        const { removed } = await api.styles.remove({ id });
        io.out(removed ? `Removed style ${id}.\n` : `There was no style ${id} to remove.\n`);
      }),
    );
  styles
    .command('preview')
    .description(
      'the exact request a style makes: prompt, model, generationConfig, and the price of one image',
    )
    .argument('<id>', 'style id')
    .action((id: string) =>
      withApi(cli, async (api) => {
        const p = await api.styles.preview({ id });
        io.out(
          `Model: ${p.model}\nPrice: ${money(p.usdPerImage)} per image\n` +
            `generationConfig:\n${JSON.stringify(p.generationConfig, null, 2)}\n` +
            `Prompt:\n${promptLines(p.prompt).join('\n')}\n`,
        );
        for (const problem of p.problems) io.err(`Problem: ${safeText(problem)}.\n`);
        if (p.problems.length > 0) cli.setExit(1);
      }),
    );
}

/** `restyle` and `styles`. */
export function registerRestyleCommands(program: Command, cli: CliContext): void {
  registerRestyleCommand(program, cli);
  registerStylesCommands(program, cli);
}
