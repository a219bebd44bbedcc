import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import type { Api } from '../../contract/client.js';
import { RpcError } from '../../contract/errors.js';
import { KEY_TIERS, type CostToday, type LedgerRow } from '../../contract/keys.js';
import { withApi, type CliContext } from '../../kernel/cli/context.js';
import type { Io } from '../../kernel/cli/io.js';
import { safeText } from '../../kernel/cli/words.js';

/**
 * Reads a secret without it ever being an argument (argv is visible to other users): piped
 * stdin, or a prompt that echoes nothing.
 */
export async function readSecret(
  prompt: string,
  io: Io,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<string> {
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.trim();
  }
  io.err(prompt);
  const silent = new Writable({ write: (_c, _e, done) => done() });
  const rl = createInterface({ input: stdin, output: silent, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question('', (answer) => resolve(answer.trim())));
  } finally {
    rl.close();
    io.err('\n');
  }
}

/** A key by id, id prefix or label. */
async function keyId(api: Api, given: string): Promise<string> {
  const match = (await api.keys.list()).filter(
    (k) => k.id === given || k.id.startsWith(given) || k.label === given,
  );
  if (match.length === 1 && match[0]) return match[0].id;
  throw new RpcError(
    'NOT_FOUND',
    match.length === 0 ? `No key matches "${given}".` : `"${given}" matches ${match.length} keys.`,
  );
}

/** The contract's fields as `keys add`'s flags, for its refusals. */
export const KEY_FLAGS = {
  label: '--label',
  project: '--project',
  tier: '--tier',
  secret: 'the key (from stdin)',
};

export function registerKeysCommands(program: Command, cli: CliContext): void {
  const { io } = cli;
  const keys = program
    .command('keys')
    .description('your Gemini API keys (stored encrypted; quotas are per Google Cloud project)');
  keys
    .command('add')
    .description('add a key; the secret is read from stdin or a hidden prompt, never from the command line')
    .requiredOption('--label <label>', 'a name for the key')
    .requiredOption(
      '--project <project>',
      'the Google Cloud project the key belongs to (keys of one project share its quota)',
    )
    .option('--tier <tier>', `billing tier: ${KEY_TIERS.join(', ')}`, 'free')
    .action((opts: { label: string; project: string; tier: string }) =>
      withApi(
        cli,
        async (api) => {
          const secret = await readSecret('Paste the API key (it will not be shown): ', io);
          // The contract checks tier, label and secret exactly as it does for the studio.
          const info = await api.keys.add({
            label: opts.label,
            project: opts.project,
            tier: opts.tier as never,
            secret,
          });
          io.out(`Added "${safeText(info.label)}" (${info.masked}) for project ${safeText(info.project)}.\n`);
        },
        KEY_FLAGS,
      ),
    );
  keys
    .command('list', { isDefault: true })
    .description('list keys (masked)')
    .action(() =>
      withApi(cli, async (api) => {
        const all = await api.keys.list();
        if (all.length === 0) io.out('No keys. Add one with `pixelsmith keys add --label L --project P`.\n');
        for (const k of all) {
          const state = k.disabledReason
            ? `disabled: ${k.disabledReason}`
            : k.circuitOpenUntil && k.circuitOpenUntil > Date.now()
              ? 'circuit open'
              : 'active';
          io.out(
            `${k.id.slice(0, 8)}  ${safeText(k.label).padEnd(16)} ${safeText(k.project).padEnd(20)} ${k.tier.padEnd(6)} ${k.masked}  ${safeText(state)}\n`,
          );
        }
      }),
    );
  // Every command on one key: find it by id, prefix or label, act, say what happened.
  const onKey: [verb: string, about: string, act: (api: Api, id: string) => Promise<string>][] = [
    [
      'test',
      'call Gemini models.list with the key',
      async (api, id) => {
        const r = await api.keys.test({ id });
        if (!r.ok) cli.setExit(1);
        return r.message;
      },
    ],
    [
      'disable',
      'stop using the key',
      async (api, id) => `${(await api.keys.disable({ id })).label}: disabled.`,
    ],
    ['enable', 'use the key again', async (api, id) => `${(await api.keys.enable({ id })).label}: enabled.`],
    [
      'remove',
      'delete the key from this machine',
      async (api, id) => {
        await api.keys.remove({ id });
        return 'Removed.';
      },
    ],
  ];
  for (const [verb, about, act] of onKey) {
    keys
      .command(verb)
      .description(about)
      .argument('<key>', 'key id (or prefix) or label')
      .action((key: string) =>
        withApi(cli, async (api) => io.out(`${await act(api, await keyId(api, key))}\n`)),
      );
  }

  program
    .command('usage')
    .description('requests per project × model: this minute and today (reset at midnight Pacific)')
    .action(() =>
      withApi(cli, async (api) => {
        const { rows, margin } = await api.usage.summary();
        if (rows.length === 0) io.out('No Gemini requests today.\n');
        for (const r of rows) {
          const hold = r.cooldownUntil
            ? `  on hold ${Math.ceil((r.cooldownUntil - Date.now()) / 1000)} s`
            : '';
          io.out(
            `${r.project.padEnd(20)} ${r.model.padEnd(28)} ${r.rpm}/${r.rpmLimit} this minute  ` +
              `${r.rpd}/${r.rpdLimit} today  ${r.usableKeys}/${r.keys} keys usable${hold}\n`,
          );
        }
        io.out(
          `Limits include a ${Math.round(margin * 100)} % safety margin; days reset at midnight Pacific.\n`,
        );
      }),
    );
  registerCostCommands(program, cli);
}

/** `$0.039`, `$5.02`: cents alone hide what one image costs. */
const money = (usd: number): string => `$${usd.toFixed(usd > 0 && usd < 1 ? 3 : 2)}`;

function count(kind: 'int' | 'number') {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
      throw new InvalidArgumentError(
        `Expected ${kind === 'int' ? 'a whole number' : 'a number'}, got "${value}".`,
      );
    }
    return n;
  };
}

/**
 * The contract's fields as the cost commands' flags, for their refusals. Only a field label
 * (`day: …`) is renamed: "a day as YYYY-MM-DD" in the sentence itself stays a word.
 */
export const COST_FLAGS = {
  'day:': '--day:',
  'limit:': '--limit:',
  'imageSize:': '--size:',
  'usdPerImage:': '--usd:',
  'inputUsdPerMillion:': '--input-per-million:',
};

/** `2026-03-08 14:02:11  gemini-2.5-flash-image  1K  ok  $0.039  258+1290 tokens  IMG_0042.jpg · ink_wash` */
function ledgerLine(r: LedgerRow): string {
  const at = new Date(r.at).toISOString().replace('T', ' ').slice(0, 19);
  const tokens =
    r.totalTokens === null && r.promptTokens === null
      ? '-'
      : `${r.promptTokens ?? '?'}+${r.outputTokens ?? '?'} tokens`;
  return (
    `${at}  ${r.model.padEnd(28)} ${(r.imageSize ?? '-').padEnd(3)} ${r.status.padEnd(8)} ` +
    `${money(r.usd).padStart(8)}  ${tokens.padEnd(18)} ${safeText(r.label ?? '')}${r.batch ? ' (batch)' : ''}`
  );
}

/** Today's spend against the cap, the alerts passed and when the day starts again. */
function todayLine(t: CostToday): string {
  const pct = t.capUsd > 0 ? ` (${Math.round((t.spentUsd / t.capUsd) * 100)} %)` : '';
  const held = t.reservedUsd > 0 ? `, ${money(t.reservedUsd)} held by calls in flight` : '';
  const alerts =
    t.alerts.length > 0 ? ` Alerts passed today: ${t.alerts.map((a) => `${a} %`).join(', ')}.` : '';
  const hours = Math.max(0, (t.resetsAt - Date.now()) / 3_600_000);
  return (
    `Today (${t.day}, Pacific): ${money(t.spentUsd)} spent${held} of the ${money(t.capUsd)} daily cap${pct}, ` +
    `${t.calls} call${t.calls === 1 ? '' : 's'}.${alerts} The day resets at midnight Pacific, in ${hours.toFixed(1)} h.\n`
  );
}

function registerCostCommands(program: Command, cli: CliContext): void {
  const { io } = cli;
  const cost = program
    .command('cost')
    .description("what Gemini calls cost: the ledger, today's spend against the daily cap, and the prices")
    .addHelpText(
      'after',
      '\n`pixelsmith cost` alone runs `cost show`: see `pixelsmith cost show --help` for --today, --day,\n--limit and --json.',
    );
  cost
    .command('show', { isDefault: true })
    .description("ledger rows (newest first) and totals, and today's spend against the cap")
    .option('--today', "only today's calls (the Pacific day, as Google counts quotas)")
    .option('--day <YYYY-MM-DD>', 'only the calls of this Pacific day')
    .option('--limit <n>', 'at most this many rows', count('int'), 500)
    .option('--json', 'print the rows, totals and today as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  pixelsmith cost --today\n  pixelsmith cost --day 2026-03-08 --json\n\n' +
        'Set the daily cap with `pixelsmith settings set dailyCostCapUsd N`.',
    )
    .action((opts: { today?: boolean; day?: string; limit: number; json?: boolean }) =>
      withApi(
        cli,
        async (api) => {
          if (opts.today && opts.day !== undefined) {
            throw new RpcError('INVALID_INPUT', 'Give either --today or --day, not both.');
          }
          const today = await api.cost.today();
          const day = opts.today ? today.day : opts.day;
          const ledger = await api.cost.ledger({ ...(day !== undefined && { day }), limit: opts.limit });
          if (opts.json) {
            io.out(`${JSON.stringify({ ...ledger, today }, null, 2)}\n`);
            return;
          }
          if (ledger.rows.length === 0)
            io.out(day ? `No Gemini calls on ${day}.\n` : 'No Gemini calls yet.\n');
          for (const r of ledger.rows) io.out(`${ledgerLine(r)}\n`);
          io.out(
            `Total${day ? ` on ${day}` : ''}: ${money(ledger.totalUsd)} for ${ledger.calls} call${ledger.calls === 1 ? '' : 's'}` +
              (ledger.rows.length >= opts.limit
                ? ` (showing the newest ${opts.limit} rows; see --limit)`
                : '') +
              '.\n',
          );
          io.out(todayLine(today));
        },
        COST_FLAGS,
      ),
    );
  cost
    .command('prices')
    .description('the price table: US$ per image and per million input tokens, by model and size')
    .action(() =>
      withApi(cli, async (api) => {
        for (const p of await api.cost.prices()) {
          io.out(
            `${p.model.padEnd(28)} ${p.imageSize.padEnd(3)} ${money(p.usdPerImage).padStart(8)}/image  ` +
              `${money(p.inputUsdPerMillion).padStart(8)}/M input tokens  as of ${p.asOf}  ${safeText(p.source)}${p.edited ? '  (edited)' : ''}\n`,
          );
        }
      }),
    );
  cost
    .command('set-price')
    .description(
      'set what a model costs (e.g. after Google changes its prices); estimates and the cap use it',
    )
    .argument('<model>', 'Gemini model id')
    .option(
      '--size <size>',
      'the image size it applies to: 1K, 2K, 4K, or * for every size without its own',
      '*',
    )
    .requiredOption('--usd <n>', 'US dollars per output image', count('number'))
    .option('--input-per-million <n>', 'US dollars per million input tokens', count('number'))
    .action((model: string, opts: { size: string; usd: number; inputPerMillion?: number }) =>
      withApi(
        cli,
        async (api) => {
          const p = await api.cost.setPrice({
            model,
            imageSize: opts.size as never,
            usdPerImage: opts.usd,
            ...(opts.inputPerMillion !== undefined && { inputUsdPerMillion: opts.inputPerMillion }),
          });
          io.out(
            `${p.model} ${p.imageSize}: ${money(p.usdPerImage)} per image, ${money(p.inputUsdPerMillion)} per million input tokens.\n`,
          );
        },
        COST_FLAGS,
      ),
    );
  cost
    .command('reset-price')
    .description('back to the shipped price (a price you added is removed)')
    .argument('<model>', 'Gemini model id')
    .option('--size <size>', 'the image size: 1K, 2K, 4K, or *', '*')
    .action((model: string, opts: { size: string }) =>
      withApi(
        cli,
        async (api) => {
          const { removed } = await api.cost.resetPrice({ model, imageSize: opts.size as never });
          io.out(
            removed
              ? `${model} ${opts.size}: back to the shipped price.\n`
              : `${model} ${opts.size} had no price of yours; nothing changed.\n`,
          );
        },
        COST_FLAGS,
      ),
    );
}
