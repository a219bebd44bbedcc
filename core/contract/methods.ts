import type { z } from 'zod';
import { appSlice } from './app.js';
import { composeContract } from './compose.js';
import { convertSlice } from './convert.js';
import { enhanceSlice } from './enhance.js';
import { filesSlice } from './files.js';
import { keysSlice } from './keys.js';
import { restyleSlice } from './restyle.js';

/**
 * The shipped contract: every feature's slice, composed. It is the only list of what crosses a
 * process boundary: the Electron IPC handlers, the preload bridge, the HTTP routes and the typed
 * client are all derived from it. Adding a feature adds its slice here.
 */
export const contract = composeContract([
  appSlice,
  filesSlice,
  convertSlice,
  enhanceSlice,
  keysSlice,
  restyleSlice,
]);

export const methods = contract.methods;
export type Methods = typeof methods;
export type MethodName = keyof Methods & string;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

/** The shipped job kinds (`jobs.create`'s `kind`). */
export type JobKinds = typeof contract.jobKinds;
export type JobKind = keyof JobKinds & string;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
