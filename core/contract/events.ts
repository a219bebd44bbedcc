import { z } from 'zod';
import { jobEvents } from './jobs.js';
import { keyEvents } from './keys.js';
import { modelEvents } from './models.js';
import { settingsSchema } from './schemas.js';

/** Every event core pushes to its shells, name → payload schema. */
export const events = {
  'settings.changed': settingsSchema,
  'files.scanProgress': z.object({
    scanId: z.string().nullable(),
    /** Entries looked at so far (files and folders). */
    visited: z.number().int().nonnegative(),
    images: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    done: z.boolean(),
  }),
  ...jobEvents,
  ...modelEvents,
  ...keyEvents,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}

/** One event as it travels over a transport; a union discriminated by `name`. */
export type EventEnvelope<E extends EventName = EventName> = {
  [K in E]: { name: K; payload: EventPayload<K> };
}[E];
