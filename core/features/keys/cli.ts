import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Api } from '../../contract/client.js';
import { RpcError } from '../../contract/errors.js';
import { KEY_TIERS } from '../../contract/keys.js';
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
}
