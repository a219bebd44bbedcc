import type { z } from 'zod';

/** One RPC method, `namespace.verb`: what it takes and what it gives back. */
export interface MethodSpec {
  input: z.ZodType;
  output: z.ZodType;
  /**
   * Builds the INVALID_INPUT message from the issues, in the words the caller used (default:
   * `Invalid input for <method>: field: problem; …`).
   */
  describeInvalid?: (issues: readonly z.core.$ZodIssue[], raw: unknown) => string;
}

export type MethodTable = Record<string, MethodSpec>;
/** Event name → payload schema. */
export type EventTable = Record<string, z.ZodType>;
/** Job kind → the schema of its options (defaults filled in by parsing). */
export type JobKindTable = Record<string, z.ZodType<Record<string, unknown>>>;

/**
 * What one feature adds to the contract: its methods, its events and the job kinds it runs.
 * Slices are composed into the contract (`composeContract`); names never collide.
 */
export interface ContractSlice<
  M extends MethodTable = MethodTable,
  E extends EventTable = EventTable,
  K extends JobKindTable = JobKindTable,
> {
  methods: M;
  events: E;
  jobKinds: K;
}

/** Declares a feature's slice of the contract; omitted parts are empty. */
export function defineSlice<
  M extends MethodTable = Record<never, MethodSpec>,
  E extends EventTable = Record<never, z.ZodType>,
  K extends JobKindTable = Record<never, z.ZodType<Record<string, unknown>>>,
>(slice: { methods?: M; events?: E; jobKinds?: K }): ContractSlice<M, E, K> {
  return {
    methods: slice.methods ?? ({} as M),
    events: slice.events ?? ({} as E),
    jobKinds: slice.jobKinds ?? ({} as K),
  };
}

/** `describeInvalid`'s default, and a helper for custom ones: "paths.0: Too small …; scanId: …". */
export function summarizeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message,
    )
    .concat(issues.length > 5 ? [`…and ${issues.length - 5} more`] : [])
    .join('; ');
}
