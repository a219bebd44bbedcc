import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { writeFileAtomic } from '../../kernel/atomicWrite.js';

/** One image Gemini made, as the cache keeps it. */
export interface CachedImage {
  key: string;
  file: string;
  mimeType: string;
  styleId: string;
  model: string;
  /** What the call that made it cost. */
  usd: number;
  promptTokens: number | null;
  outputTokens: number | null;
  text: string | null;
  jobId: string | null;
  itemId: number | null;
  createdAt: number;
}

interface Row {
  key: string;
  file: string;
  mime_type: string;
  size: number;
  style_id: string;
  model: string;
  usd: number;
  prompt_tokens: number | null;
  output_tokens: number | null;
  text: string | null;
  job_id: string | null;
  item_id: number | null;
  created_at: number;
}

/**
 * The content key of one call: sha256 over the input's sha256, the prompt, the model, the
 * generation config as sent and the variation number, so a repeat of exactly this call is found
 * and nothing else is.
 */
export function contentKey(parts: {
  inputSha256: string;
  prompt: string;
  model: string;
  config: Record<string, unknown>;
  variation: number;
}): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
        )
      : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical({ ...parts, config: parts.config })))
    .digest('hex');
}

/**
 * The restyle content cache: key → the image file under `<data>/cache/restyle/`. A row whose
 * file is gone (someone cleaned the folder) is a miss, and is replaced by the next call.
 */
export class ContentCache {
  private readonly s;

  constructor(
    private readonly db: Database,
    private readonly dir: string,
    private readonly now: () => number,
  ) {
    this.s = {
      get: db.prepare<[string], Row>('SELECT * FROM restyle_cache WHERE key = ?'),
      touch: db.prepare<[number, string]>('UPDATE restyle_cache SET used_at = ? WHERE key = ?'),
      put: db.prepare(
        'INSERT INTO restyle_cache (key, file, mime_type, size, style_id, model, usd, prompt_tokens, output_tokens, text, job_id, item_id, created_at, used_at) ' +
          'VALUES (@key, @file, @mimeType, @size, @styleId, @model, @usd, @promptTokens, @outputTokens, @text, @jobId, @itemId, @createdAt, @createdAt) ' +
          'ON CONFLICT (key) DO UPDATE SET file = excluded.file, mime_type = excluded.mime_type, size = excluded.size, ' +
          'usd = excluded.usd, prompt_tokens = excluded.prompt_tokens, output_tokens = excluded.output_tokens, text = excluded.text, ' +
          'job_id = excluded.job_id, item_id = excluded.item_id, created_at = excluded.created_at, used_at = excluded.used_at',
      ),
      latest: db.prepare<[string, number], { file: string }>(
        'SELECT file FROM restyle_cache WHERE style_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
      ),
    };
  }

  /** The cached image and its bytes, or null. */
  get(key: string): { image: CachedImage; data: Buffer } | null {
    const row = this.s.get.get(key);
    if (!row) return null;
    const file = join(this.dir, row.file);
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      return null;
    }
    if (data.length !== row.size) return null;
    this.s.touch.run(this.now(), key);
    return {
      data,
      image: {
        key,
        file,
        mimeType: row.mime_type,
        styleId: row.style_id,
        model: row.model,
        usd: row.usd,
        promptTokens: row.prompt_tokens,
        outputTokens: row.output_tokens,
        text: row.text,
        jobId: row.job_id,
        itemId: row.item_id,
        createdAt: row.created_at,
      },
    };
  }

  /** Whether a key's image is there (for estimates; no bytes read). */
  has(key: string): boolean {
    const row = this.s.get.get(key);
    return row !== undefined && existsSync(join(this.dir, row.file));
  }

  /** Keeps a new image: the file first (atomically), then its row. */
  async put(image: Omit<CachedImage, 'file' | 'createdAt'>, data: Buffer): Promise<void> {
    const name = `${image.key}.png`;
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, name), data, { replace: true });
    this.s.put.run({ ...image, file: name, size: data.length, createdAt: this.now() });
  }

  /** The files of a style's latest results, newest first (those still there). */
  latestFiles(styleId: string, limit: number): string[] {
    return this.s.latest
      .all(styleId, limit * 2)
      .map((r) => join(this.dir, r.file))
      .filter((f) => existsSync(f))
      .slice(0, limit);
  }
}
