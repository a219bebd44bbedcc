/**
 * A kind of capacity items wait for: `cpu`, `gpu`, one per Gemini model (`gemini:<model>`),
 * `gcs`… Either one named resource, or a family of them by prefix whose members appear at run
 * time. Concurrency may change while the engine runs (it is read again at every scheduling step).
 */
export type ResourceSpec =
  | { name: string; concurrency: number | (() => number) }
  | { prefix: string; concurrency: (name: string) => number };

/** The resources an engine can schedule, registered by modules at any time. */
export class ResourceRegistry {
  private readonly named = new Map<string, number | (() => number)>();
  private readonly families = new Map<string, (name: string) => number>();

  private listener: () => void = () => undefined;

  /** Called whenever capacity may have grown (the engine schedules again). */
  onChange(listener: () => void): void {
    this.listener = listener;
  }

  /** Adds a resource or family; returns a function that removes it again. */
  register(spec: ResourceSpec): () => void {
    if ('name' in spec) {
      if (this.named.has(spec.name)) throw new Error(`Resource "${spec.name}" is registered twice`);
      this.named.set(spec.name, spec.concurrency);
      this.listener();
      return () => this.named.delete(spec.name);
    }
    if (this.families.has(spec.prefix)) {
      throw new Error(`Resource family "${spec.prefix}*" is registered twice`);
    }
    this.families.set(spec.prefix, spec.concurrency);
    this.listener();
    return () => this.families.delete(spec.prefix);
  }

  /**
   * Tells the engine that a resource's concurrency may have grown (a quota window moved, a key
   * was added), so waiting items are claimed without waiting for the next item to finish.
   */
  changed(): void {
    this.listener();
  }

  /** How many items of `name` may run at once now; null when nothing here serves it. */
  concurrency(name: string): number | null {
    const fixed = this.named.get(name);
    if (fixed !== undefined) return Math.max(0, Math.floor(typeof fixed === 'function' ? fixed() : fixed));
    for (const [prefix, of] of this.families) {
      if (name.startsWith(prefix)) return Math.max(0, Math.floor(of(name)));
    }
    return null;
  }
}
