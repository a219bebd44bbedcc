import type { Command } from 'commander';
import type { z } from 'zod';
import { RpcError } from '../../contract/errors.js';
import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../../contract/schemas.js';
import { withApi, type CliContext } from '../../kernel/cli/context.js';
import { safeText } from '../../kernel/cli/words.js';

type SettingKey = keyof Settings;
const KEYS = Object.keys(settingsSchema.shape) as SettingKey[];

function settingKey(given: string): SettingKey {
  if ((KEYS as string[]).includes(given)) return given as SettingKey;
  throw new RpcError(
    'INVALID_INPUT',
    `There is no setting "${safeText(given)}". Settings: ${KEYS.join(', ')}.`,
  );
}

/** What a setting takes, for `--help` and refusals: `a number`, `true or false`, `system, light or dark`. */
function kindOf(key: SettingKey): string {
  const schema = settingsSchema.shape[key] as z.ZodType;
  const def = schema.def as { type: string; entries?: Record<string, string> };
  if (def.type === 'number') return 'a number';
  if (def.type === 'boolean') return 'true or false';
  if (def.type === 'enum' && def.entries) {
    const values = Object.values(def.entries);
    return `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  }
  return 'text';
}

/**
 * The typed word as the setting's type, so the contract checks its range and values and refuses
 * with the same sentence the studio shows. Only a word that is no number or boolean at all is
 * refused here (there is nothing to send).
 */
function parseValue(key: SettingKey, value: string): unknown {
  const type = (settingsSchema.shape[key] as z.ZodType).def.type;
  if (type === 'number') {
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n)) {
      throw new RpcError('INVALID_INPUT', `${key} takes a number, not "${safeText(value)}".`);
    }
    return n;
  }
  if (type === 'boolean') {
    if (value === 'true' || value === 'false') return value === 'true';
    throw new RpcError('INVALID_INPUT', `${key} takes true or false, not "${safeText(value)}".`);
  }
  return value;
}

const shown = (v: unknown): string => (typeof v === 'string' ? safeText(v) : JSON.stringify(v));

/** `settings`, `settings get KEY`, `settings set KEY VALUE`. */
export function registerSettingsCommand(program: Command, cli: CliContext): void {
  const { io } = cli;
  const settings = program
    .command('settings')
    .description('show and change your settings (the same ones the studio shows)')
    .addHelpText(
      'after',
      '\nExamples:\n  pixelsmith settings\n  pixelsmith settings get dailyCostCapUsd\n  pixelsmith settings set dailyCostCapUsd 2.5',
    );
  settings
    .command('list', { isDefault: true })
    .description('every setting with its value and default')
    .action(() =>
      withApi(cli, async (api) => {
        const current = await api.settings.get();
        const width = Math.max(...KEYS.map((k) => k.length));
        for (const key of KEYS) {
          const changed = current[key] !== DEFAULT_SETTINGS[key];
          io.out(
            `${key.padEnd(width)}  ${shown(current[key]).padEnd(12)} ${changed ? `(default: ${shown(DEFAULT_SETTINGS[key])})` : '(default)'}\n`,
          );
        }
      }),
    );
  settings
    .command('get')
    .description("print one setting's value")
    .argument('<key>', `one of: ${KEYS.join(', ')}`)
    .action((given: string) =>
      withApi(cli, async (api) => {
        const key = settingKey(given);
        io.out(`${shown((await api.settings.get())[key])}\n`);
      }),
    );
  settings
    .command('set')
    .description('change one setting (checked exactly as in the studio)')
    .argument('<key>', 'the setting (see `pixelsmith settings`)')
    .argument('<value>', 'its new value: a number, true/false, or one of its choices')
    .addHelpText(
      'after',
      `\nSettings and what they take:\n${KEYS.map((k) => `  ${k}: ${kindOf(k)}`).join('\n')}\n\n` +
        'Examples:\n  pixelsmith settings set dailyCostCapUsd 2.5\n  pixelsmith settings set overwriteOutputs true\n',
    )
    .action((given: string, value: string) =>
      withApi(cli, async (api) => {
        const key = settingKey(given);
        const next = await api.settings.set({ [key]: parseValue(key, value) });
        io.out(`${key} is now ${shown(next[key])}.\n`);
      }),
    );
}
