import type { EventEnvelope, EventName, EventPayload } from '../contract/events.js';

export interface EventBus {
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
  /** Receives the named events (every event when `names` is omitted); returns an unsubscribe function. */
  subscribe(listener: (event: EventEnvelope) => void, names?: readonly EventName[]): () => void;
}

/** In-process fan-out of core events to the shells. A failing listener never affects the others. */
export function createEventBus(onListenerError: (error: unknown) => void = () => undefined): EventBus {
  const listeners = new Map<(event: EventEnvelope) => void, ReadonlySet<string> | null>();
  return {
    emit(name, payload) {
      const event = { name, payload } as EventEnvelope;
      for (const [listener, filter] of [...listeners]) {
        if (filter !== null && !filter.has(name)) continue;
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener, names) {
      listeners.set(listener, names ? new Set(names) : null);
      return () => listeners.delete(listener);
    },
  };
}
