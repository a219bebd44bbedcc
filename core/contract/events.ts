import type { z } from 'zod';
import { contract } from './methods.js';

/** Every event core pushes to its shells, name → payload schema (the shipped contract's). */
export const events = contract.events;

export type Events = typeof events;
export type EventName = keyof Events & string;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}

/** One event as it travels over a transport; a union discriminated by `name`. */
export type EventEnvelope<E extends EventName = EventName> = {
  [K in E]: { name: K; payload: EventPayload<K> };
}[E];
