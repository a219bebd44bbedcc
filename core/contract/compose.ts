import type { z } from 'zod';
import type { ContractSlice, EventTable, JobKindTable, MethodTable } from './define.js';
import { jobEvents, jobMethods } from './jobs.js';

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type Merged<S extends readonly ContractSlice[], F extends keyof ContractSlice> = UnionToIntersection<
  S[number][F]
>;

/** The whole contract: every slice's methods and events, plus jobs.* over every slice's job kinds. */
export interface Contract<
  M extends MethodTable = MethodTable,
  E extends EventTable = EventTable,
  K extends JobKindTable = JobKindTable,
> {
  methods: M & ReturnType<typeof jobMethods<K>>;
  events: E & typeof jobEvents;
  jobKinds: K;
}

/** Narrows a merged table to its bound without adding an index signature (which would erase names). */
type As<T, Bound> = T extends Bound ? T : never;

export type ComposedContract<S extends readonly ContractSlice[]> = Contract<
  As<Merged<S, 'methods'>, MethodTable>,
  As<Merged<S, 'events'>, EventTable>,
  As<Merged<S, 'jobKinds'>, JobKindTable>
>;

function mergeInto(target: Record<string, unknown>, part: Record<string, unknown>, what: string): void {
  for (const [name, value] of Object.entries(part)) {
    if (Object.prototype.hasOwnProperty.call(target, name))
      throw new Error(`The ${what} "${name}" is defined twice`);
    target[name] = value;
  }
}

/**
 * Composes feature slices into one contract. The shipped contract is composed from the shipped
 * slices; a core composes its own from the modules it runs (a test may add one), so `dispatch`
 * always checks against exactly what that core offers. Duplicate names throw at once.
 */
export function composeContract<const S extends readonly ContractSlice[]>(slices: S): ComposedContract<S> {
  const methods: Record<string, unknown> = {};
  const events: Record<string, unknown> = {};
  const jobKinds: Record<string, z.ZodType<Record<string, unknown>>> = {};
  for (const slice of slices) {
    mergeInto(methods, slice.methods, 'method');
    mergeInto(events, slice.events, 'event');
    mergeInto(jobKinds, slice.jobKinds, 'job kind');
  }
  mergeInto(methods, jobMethods(jobKinds), 'method');
  mergeInto(events, jobEvents, 'event');
  return { methods, events, jobKinds } as unknown as ComposedContract<S>;
}
