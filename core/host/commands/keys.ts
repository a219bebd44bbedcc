import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Core } from '../../app/createCore.js';
import { KEY_TIERS } from '../../contract/keys.js';
import type { Io } from '../../kernel/cli/io.js';

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

export function registerKeysCommands(
  program: Command,
  openCore: () => Core,
  io: Io,
  setExit: (code: number) => void,
): void {
  const withCore =
    <A extends unknown[]>(fn: (core: Core, ...args: A) => Promise<void> | void) =>
    async (...args: A) => {
      const core = openCore();
      try {
        await fn(core, ...args);
      } finally {
        await core.close();
      }
    };
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
    .action(
      withCore(async (core, opts: { label: string; project: string; tier: string }) => {
        const secret = await readSecret('Paste the API key (it will not be shown): ', io);
        const info = await core.handlers['keys.add']({
          label: opts.label,
          project: opts.project,
          tier: opts.tier as (typeof KEY_TIERS)[number],
          secret,
        });
        io.out(`Added "${info.label}" (${info.masked}) for project ${info.project}.\n`);
      }),
    );
  keys
    .command('list', { isDefault: true })
    .description('list keys (masked)')
    .action(
      withCore((core) => {
        const all = core.keys.list();
        if (all.length === 0) io.out('No keys. Add one with `pixelsmith keys add --label L --project P`.\n');
        for (const k of all) {
          const state = k.disabledReason
            ? `disabled: ${k.disabledReason}`
            : k.circuitOpenUntil && k.circuitOpenUntil > Date.now()
              ? 'circuit open'
              : 'active';
          io.out(
            `${k.id.slice(0, 8)}  ${k.label.padEnd(16)} ${k.project.padEnd(20)} ${k.tier.padEnd(6)} ${k.masked}  ${state}\n`,
          );
        }
      }),
    );
  const byId = (core: Core, id: string): string => {
    const match = core.keys.list().filter((k) => k.id === id || k.id.startsWith(id) || k.label === id);
    if (match.length !== 1 || !match[0])
      throw new Error(
        match.length === 0 ? `No key matches "${id}".` : `"${id}" matches ${match.length} keys.`,
      );
    return match[0].id;
  };
  keys
    .command('test')
    .argument('<key>', 'key id (or prefix) or label')
    .description('call Gemini models.list with the key')
    .action(
      withCore(async (core, key: string) => {
        const r = await core.keys.test(byId(core, key));
        io.out(`${r.message}\n`);
        if (!r.ok) setExit(1);
      }),
    );
  for (const [verb, reason] of [
    ['disable', 'disabled by you'],
    ['enable', null],
  ] as const) {
    keys
      .command(verb)
      .argument('<key>', 'key id (or prefix) or label')
      .action(
        withCore((core, key: string) => {
          const info = core.keys.setDisabled(byId(core, key), reason);
          io.out(`${info.label}: ${info.disabledReason ? 'disabled' : 'enabled'}.\n`);
        }),
      );
  }
  keys
    .command('remove')
    .argument('<key>', 'key id (or prefix) or label')
    .action(
      withCore((core, key: string) => {
        core.keys.remove(byId(core, key));
        io.out('Removed.\n');
      }),
    );

  program
    .command('usage')
    .description('requests per project × model: this minute and today (reset at midnight Pacific)')
    .action(
      withCore((core) => {
        const rows = core.quota.summary();
        if (rows.length === 0) io.out('No Gemini requests today.\n');
        for (const r of rows) {
          const hold = r.cooldownUntil
            ? `  on hold ${Math.ceil((r.cooldownUntil - Date.now()) / 1000)} s`
            : '';
          io.out(
            `${r.project.padEnd(20)} ${r.model.padEnd(28)} ${r.rpm}/${r.rpmLimit} this minute  ${r.rpd}/${r.rpdLimit} today  ${r.usableKeys}/${r.keys} keys usable${hold}\n`,
          );
        }
        io.out(
          `Limits include a ${Math.round(core.quota.margin * 100)} % safety margin; days reset at midnight Pacific.\n`,
        );
      }),
    );
}
