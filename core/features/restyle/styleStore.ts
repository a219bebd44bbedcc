import type { Database } from 'better-sqlite3';
import { RpcError } from '../../contract/errors.js';
import {
  sizeProblem,
  styleDraftSchema,
  type ResolvedStyle,
  type RestyleOptions,
  type Style,
  type StyleDraft,
} from '../../contract/restyle.js';
import { BUILTIN_STYLES, builtinStyle } from './builtins.js';

interface StyleRow {
  id: string;
  name: string;
  prompt: string;
  model: string;
  aspect_ratio: Style['aspectRatio'];
  image_size: Style['imageSize'];
  temperature: number | null;
  top_p: number | null;
  top_k: number | null;
  created_at: number;
  updated_at: number;
}

export interface StyleStoreOptions {
  db: Database;
  now: () => number;
  /** Thumbnail refs of a style's latest results, newest first. */
  samples?: (styleId: string) => string[];
  onChange?: (id: string, reason: 'created' | 'updated' | 'removed') => void;
}

/** An id from a name: "Watercolour (soft)" → `watercolour_soft`. */
export function idFromName(name: string): string {
  const id = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  return id || 'style';
}

/**
 * Styles: the built-ins (in code, read-only) and the user's own (the `styles` table). A job
 * freezes the styles it names (`resolve`), so editing one never changes a job already queued.
 */
export class StyleStore {
  private readonly s;

  constructor(private readonly o: StyleStoreOptions) {
    const db = o.db;
    this.s = {
      list: db.prepare<[], StyleRow>('SELECT * FROM styles ORDER BY name COLLATE NOCASE, id'),
      get: db.prepare<[string], StyleRow>('SELECT * FROM styles WHERE id = ?'),
      insert: db.prepare(
        'INSERT INTO styles (id, name, prompt, model, aspect_ratio, image_size, temperature, top_p, top_k, created_at, updated_at) ' +
          'VALUES (@id, @name, @prompt, @model, @aspectRatio, @imageSize, @temperature, @topP, @topK, @now, @now)',
      ),
      update: db.prepare(
        'UPDATE styles SET name = @name, prompt = @prompt, model = @model, aspect_ratio = @aspectRatio, image_size = @imageSize, ' +
          'temperature = @temperature, top_p = @topP, top_k = @topK, updated_at = @now WHERE id = @id',
      ),
      remove: db.prepare<[string]>('DELETE FROM styles WHERE id = ?'),
    };
  }

  private toStyle(r: StyleRow): Style {
    return {
      id: r.id,
      builtin: false,
      name: r.name,
      prompt: r.prompt,
      model: r.model,
      aspectRatio: r.aspect_ratio,
      imageSize: r.image_size,
      temperature: r.temperature,
      topP: r.top_p,
      topK: r.top_k,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      samples: this.o.samples?.(r.id) ?? [],
    };
  }

  /** Built-ins first, then the user's styles by name. */
  list(): Style[] {
    return [
      ...BUILTIN_STYLES.map((s) => ({ ...s, samples: this.o.samples?.(s.id) ?? [] })),
      ...this.s.list.all().map((r) => this.toStyle(r)),
    ];
  }

  find(id: string): Style | undefined {
    const builtin = builtinStyle(id);
    if (builtin) return { ...builtin, samples: this.o.samples?.(id) ?? [] };
    const row = this.s.get.get(id);
    return row ? this.toStyle(row) : undefined;
  }

  get(id: string): Style {
    const style = this.find(id);
    if (!style) {
      const known = this.list()
        .map((s) => s.id)
        .join(', ');
      throw new RpcError('NOT_FOUND', `There is no style "${id}". Styles: ${known}.`);
    }
    return style;
  }

  create(draft: StyleDraft, id?: string): Style {
    const style = styleDraftSchema.parse(draft);
    const chosen = id ?? this.freeId(idFromName(style.name));
    if (this.find(chosen)) {
      throw new RpcError(
        'INVALID_STATE',
        `A style with the id "${chosen}" already exists; choose another id or edit that one.`,
      );
    }
    this.s.insert.run({ ...style, id: chosen, now: this.o.now() });
    this.o.onChange?.(chosen, 'created');
    return this.get(chosen);
  }

  update(id: string, draft: StyleDraft): Style {
    this.refuseBuiltin(id, 'edited');
    const style = styleDraftSchema.parse(draft);
    if (this.s.update.run({ ...style, id, now: this.o.now() }).changes === 0) this.get(id);
    this.o.onChange?.(id, 'updated');
    return this.get(id);
  }

  duplicate(id: string, newId?: string, name?: string): Style {
    const from = this.get(id);
    const copyName = name ?? `${from.name} (copy)`;
    const { model, aspectRatio, imageSize, temperature, topP, topK, prompt } = from;
    return this.create(
      { name: copyName, prompt, model, aspectRatio, imageSize, temperature, topP, topK },
      newId ?? this.freeId(idFromName(copyName)),
    );
  }

  remove(id: string): boolean {
    this.refuseBuiltin(id, 'removed');
    const removed = this.s.remove.run(id).changes > 0;
    if (removed) this.o.onChange?.(id, 'removed');
    return removed;
  }

  /**
   * The styles a job names, frozen with the job's overrides. Refuses unknown styles and sizes a
   * model does not make, before anything is queued.
   */
  resolve(options: Pick<RestyleOptions, 'styles' | 'model' | 'imageSize'>): ResolvedStyle[] {
    return options.styles.map((id) => {
      const s = this.get(id);
      const resolved: ResolvedStyle = {
        id: s.id,
        name: s.name,
        prompt: s.prompt,
        model: options.model ?? s.model,
        aspectRatio: s.aspectRatio,
        imageSize: options.imageSize ?? s.imageSize,
        temperature: s.temperature,
        topP: s.topP,
        topK: s.topK,
      };
      const problem = sizeProblem(resolved.model, resolved.imageSize);
      if (problem) throw new RpcError('INVALID_INPUT', `Style "${id}": ${problem}.`);
      return resolved;
    });
  }

  private refuseBuiltin(id: string, what: string): void {
    if (builtinStyle(id)) {
      throw new RpcError(
        'FORBIDDEN',
        `"${id}" is a built-in style and cannot be ${what}; duplicate it to make a style of your own.`,
      );
    }
  }

  private freeId(base: string): string {
    if (!this.find(base)) return base;
    for (let n = 2; ; n += 1) {
      const id = `${base.slice(0, 40 - String(n).length - 1)}_${n}`;
      if (!this.find(id)) return id;
    }
  }
}
