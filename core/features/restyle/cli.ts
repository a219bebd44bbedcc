import type { Command } from 'commander';
import type { CliContext } from '../../kernel/cli/context.js';

/** `restyle`, `styles`, `cost` and `settings` (being written). */
export function registerRestyleCommands(_program: Command, _cli: CliContext): void {}
