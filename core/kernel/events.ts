import type { EventEnvelope, EventName, EventPayload } from '../contract/events.js';

export interface EventBus {
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
  /** Receives every event; returns an unsubscribe function. */
  subscribe(listener: (event: EventEnvelope) => void): () => void;
}

/** In-process fan-out of core events to the shells. A failing listener never affects the others. */
export function createEventBus(onListenerError: (error: unknown) => void = () => undefined): EventBus {
  const listeners = new Set<(event: EventEnvelope) => void>();
  return {
    emit(name, payload) {
      const event = { name, payload } as EventEnvelope;
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
