import { convertSlice } from '../../contract/convert.js';
import { defineModule } from '../module.js';
import { registerConvertCommand } from './cli.js';
import { convertOperation } from './operation.js';

/** `convert`: resize and change format, as a job. The smallest module: one job kind, one command. */
export const convertModule = defineModule({
  name: 'convert',
  contract: convertSlice,
  setup: () => ({ handlers: {}, operations: [convertOperation] }),
  cli: registerConvertCommand,
});
