import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { FakeClock } from './clock.js';
import { fileNotAccessible, GoogleApiError, invalidArgument, notFound } from './errors.js';
import type { Ctx, Reply } from './http.js';
import type { WireImage } from './images.js';
import { paginate } from './models.js';

/** The public origin in `File.uri`: https, as the SDK only maps https URIs back to ids. */
const PUBLIC_ORIGIN = 'https://generativelanguage.googleapis.com';
const TTL_MS = 48 * 3600_000;
const MAX_FILE_BYTES = 2 * 1024 ** 3;
/** Granularity the real upload server announces; the SDK sends 8 MiB chunks anyway. */
const CHUNK_GRANULARITY = String(8 * 1024 * 1024);

/** A file as the fake keeps it. */
export interface StoredFile {
  id: string;
  project: string;
  displayName?: string | undefined;
  mimeType: string;
  bytes: Buffer;
  source: 'UPLOADED' | 'GENERATED';
  createTime: number;
  updateTime: number;
  /** The file is PROCESSING until this fake time, then ACTIVE. */
  activeAt: number;
  /** Set to make the file FAILED with this message. */
  failure?: string;
}

interface UploadSession {
  project: string;
  id?: string | undefined;
  displayName?: string | undefined;
  mimeType: string;
  declaredSize?: number | undefined;
  chunks: Buffer[];
  received: number;
}

const StartBody = z.looseObject({
  file: z
    .looseObject({
      name: z.string().optional(),
      displayName: z.string().optional(),
      mimeType: z.string().optional(),
      sizeBytes: z.union([z.string(), z.number()]).optional(),
    })
    .optional(),
});

/**
 * The Files API: resumable uploads, get/list/delete/download, 48 h expiry. Files belong to the
 * project of the key that uploaded them; another project gets the real 403 for them.
 */
export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly uploads = new Map<string, UploadSession>();

  /**
   * @param publicUrl the fake's own origin, used in `X-Goog-Upload-URL` (absolute, as required).
   * @param processingMs how long (fake ms) a new upload stays PROCESSING.
   * @param downloadUploaded whether UPLOADED files may be downloaded (the real API is said to
   *   serve only GENERATED ones; unverified, so allowed by default).
   */
  constructor(
    private readonly clock: FakeClock,
    private readonly publicUrl: () => string,
    public processingMs = 0,
    public downloadUploaded = true,
  ) {}

  /** Every live file, oldest first (for assertions). */
  all(): StoredFile[] {
    this.expire();
    return [...this.files.values()];
  }

  /** A file by `files/<id>` or `<id>`, ignoring projects (for assertions); undefined if none. */
  peek(name: string): StoredFile | undefined {
    this.expire();
    return this.files.get(name.replace(/^files\//, ''));
  }

  /** Adds a file, e.g. a batch's results; returns it. */
  add(
    project: string,
    bytes: Buffer,
    mimeType: string,
    opts: { id?: string; displayName?: string; source?: 'UPLOADED' | 'GENERATED' } = {},
  ): StoredFile {
    const now = this.clock.now();
    const id = opts.id ?? newId();
    if (this.files.has(id))
      throw new GoogleApiError(409, `File files/${id} already exists.`, 'ALREADY_EXISTS');
    const file: StoredFile = {
      id,
      project,
      displayName: opts.displayName,
      mimeType,
      bytes,
      source: opts.source ?? 'UPLOADED',
      createTime: now,
      updateTime: now,
      activeAt: opts.source === 'GENERATED' ? now : now + this.processingMs,
    };
    this.files.set(id, file);
    return file;
  }

  /** The file `name` (`files/x`, `x` or its https URI) as seen by `project`, or the real 403. */
  get(name: string, project: string): StoredFile {
    this.expire();
    const id = idOf(name);
    const file = this.files.get(id);
    if (!file || file.project !== project) throw fileNotAccessible(id);
    return file;
  }

  /** Bytes of a file used as `fileData` input; it must be ACTIVE, as on the real API. */
  resolveInput(fileUri: string, project: string): WireImage {
    const file = this.get(fileUri, project);
    if (this.state(file) !== 'ACTIVE') {
      throw new GoogleApiError(
        400,
        `The File ${file.id} is not in an ACTIVE state and usage is not allowed.`,
        'FAILED_PRECONDITION',
      );
    }
    return { bytes: file.bytes, mimeType: file.mimeType };
  }

  /** The File resource as the API returns it. */
  resource(f: StoredFile): Record<string, unknown> {
    const state = this.state(f);
    return {
      name: `files/${f.id}`,
      ...(f.displayName ? { displayName: f.displayName } : {}),
      mimeType: f.mimeType,
      sizeBytes: String(f.bytes.length),
      createTime: iso(f.createTime),
      updateTime: iso(f.updateTime),
      expirationTime: iso(f.createTime + TTL_MS),
      // The real API sends base64 of the hex digest, not of the raw digest.
      sha256Hash: Buffer.from(createHash('sha256').update(f.bytes).digest('hex')).toString('base64'),
      uri: `${PUBLIC_ORIGIN}/v1beta/files/${f.id}`,
      ...(f.source === 'GENERATED'
        ? { downloadUri: `${PUBLIC_ORIGIN}/download/v1beta/files/${f.id}:download?alt=media` }
        : {}),
      state,
      source: f.source,
      ...(state === 'FAILED' ? { error: { code: 3, message: f.failure } } : {}),
    };
  }

  /** `POST /upload/v1beta/files` with `X-Goog-Upload-Command: start`. */
  start(ctx: Ctx, project: string): Reply {
    if (
      ctx.headers['x-goog-upload-protocol'] !== 'resumable' ||
      ctx.headers['x-goog-upload-command'] !== 'start'
    ) {
      throw invalidArgument(
        'Only resumable uploads are supported: send X-Goog-Upload-Protocol: resumable and X-Goog-Upload-Command: start.',
      );
    }
    const parsed = StartBody.safeParse(ctx.json ?? {});
    if (!parsed.success) throw invalidArgument('Invalid JSON payload received in upload start.');
    const meta = parsed.data.file ?? {};
    const mimeType = ctx.headers['x-goog-upload-header-content-type'] ?? meta.mimeType;
    if (!mimeType) throw invalidArgument('Missing MIME type: set X-Goog-Upload-Header-Content-Type.');
    const sizeHeader = ctx.headers['x-goog-upload-header-content-length'] ?? meta.sizeBytes;
    const declaredSize = sizeHeader === undefined ? undefined : Number(sizeHeader);
    if (
      declaredSize !== undefined &&
      (!Number.isInteger(declaredSize) || declaredSize < 0 || declaredSize > MAX_FILE_BYTES)
    ) {
      throw invalidArgument(`Invalid upload size: ${String(sizeHeader)} (the limit is 2 GB per file).`);
    }
    let id: string | undefined;
    if (meta.name !== undefined) {
      id = meta.name.replace(/^files\//, '');
      if (!/^[a-z0-9-]{1,40}$/.test(id))
        throw invalidArgument(`Invalid file name: ${meta.name}. Use at most 40 characters of [a-z0-9-].`);
      if (this.files.has(id))
        throw new GoogleApiError(409, `File files/${id} already exists.`, 'ALREADY_EXISTS');
    }
    const uploadId = randomBytes(18).toString('base64url');
    this.uploads.set(uploadId, {
      project,
      id,
      displayName: meta.displayName,
      mimeType,
      declaredSize,
      chunks: [],
      received: 0,
    });
    return {
      empty: true,
      headers: {
        'x-goog-upload-url': `${this.publicUrl()}/upload/v1beta/files?upload_id=${uploadId}&upload_protocol=resumable`,
        'x-goog-upload-status': 'active',
        'x-goog-upload-chunk-granularity': CHUNK_GRANULARITY,
      },
    };
  }

  /** `POST <X-Goog-Upload-URL>`: upload / upload, finalize / query / cancel. Needs no key. */
  chunk(ctx: Ctx): Reply {
    const uploadId = ctx.query.get('upload_id') ?? '';
    const session = this.uploads.get(uploadId);
    if (!session) throw notFound(`Upload session ${uploadId} was not found or has expired.`);
    const commands = (ctx.headers['x-goog-upload-command'] ?? '')
      .split(',')
      .map((c) => c.trim().toLowerCase());
    const status = (s: string, extra: Record<string, string> = {}): Reply => ({
      empty: true,
      headers: {
        'x-goog-upload-status': s,
        'x-goog-upload-size-received': String(session.received),
        ...extra,
      },
    });
    if (commands.includes('query')) return status('active');
    if (commands.includes('cancel')) {
      this.uploads.delete(uploadId);
      return status('cancelled');
    }
    if (!commands.includes('upload') && !commands.includes('finalize')) {
      throw invalidArgument(
        `Unknown X-Goog-Upload-Command: ${ctx.headers['x-goog-upload-command'] ?? '(none)'}`,
      );
    }
    if (commands.includes('upload')) {
      const offset = Number(ctx.headers['x-goog-upload-offset']);
      if (offset !== session.received) {
        throw invalidArgument(
          `Invalid X-Goog-Upload-Offset ${String(ctx.headers['x-goog-upload-offset'])}: ${session.received} bytes received so far.`,
        );
      }
      session.chunks.push(ctx.raw);
      session.received += ctx.raw.length;
    }
    if (!commands.includes('finalize')) return status('active');
    if (session.declaredSize !== undefined && session.received !== session.declaredSize) {
      throw invalidArgument(
        `Upload size mismatch: declared ${session.declaredSize} bytes, received ${session.received}.`,
      );
    }
    this.uploads.delete(uploadId);
    const file = this.add(session.project, Buffer.concat(session.chunks), session.mimeType, {
      ...(session.id ? { id: session.id } : {}),
      ...(session.displayName ? { displayName: session.displayName } : {}),
    });
    return { headers: { 'x-goog-upload-status': 'final' }, json: { file: this.resource(file) } };
  }

  /** `GET /v1beta/files?pageSize=&pageToken=` (default 10, max 100). */
  list(ctx: Ctx, project: string): Reply {
    const mine = this.all().filter((f) => f.project === project);
    const { page, nextPageToken } = paginate(mine, ctx.query, { pageSize: 10, maxPageSize: 100 });
    // An empty list is `{}` in proto3 JSON.
    return {
      json: {
        ...(page.length > 0 ? { files: page.map((f) => this.resource(f)) } : {}),
        ...(nextPageToken ? { nextPageToken } : {}),
      },
    };
  }

  /** `DELETE /v1beta/files/{id}` → `{}`. */
  delete(id: string, project: string): Reply {
    const file = this.get(id, project);
    this.files.delete(file.id);
    return { json: {} };
  }

  /** `GET …/files/{id}:download?alt=media` → the raw bytes. */
  download(ctx: Ctx, id: string, project: string): Reply {
    const file = this.get(id, project);
    if (ctx.query.get('alt') !== 'media') throw invalidArgument('Download requires alt=media.');
    if (file.source !== 'GENERATED' && !this.downloadUploaded) {
      throw invalidArgument(`Only generated files can be downloaded; files/${file.id} was uploaded.`);
    }
    return { bytes: file.bytes, headers: { 'content-type': file.mimeType } };
  }

  /** Marks a file FAILED (for tests of processing failures). */
  fail(name: string, message = 'File processing failed.'): void {
    const file = this.peek(name);
    if (!file) throw new Error(`No file ${name}`);
    file.failure = message;
  }

  /** Forgets every file and upload session. */
  clear(): void {
    this.files.clear();
    this.uploads.clear();
  }

  private state(f: StoredFile): 'PROCESSING' | 'ACTIVE' | 'FAILED' {
    if (f.failure !== undefined) return 'FAILED';
    return this.clock.now() < f.activeAt ? 'PROCESSING' : 'ACTIVE';
  }

  private expire(): void {
    const now = this.clock.now();
    for (const [id, f] of this.files) if (f.createTime + TTL_MS <= now) this.files.delete(id);
  }
}

/** `files/abc`, `abc` or `https://…/v1beta/files/abc` → `abc`. */
export function idOf(name: string): string {
  const afterFiles = name.includes('files/')
    ? name.slice(name.lastIndexOf('files/') + 'files/'.length)
    : name;
  return afterFiles.split(/[:?]/)[0] ?? afterFiles;
}

function newId(): string {
  // Alphanumeric only: the SDK maps `https://…/files/<id>` back with /[a-z0-9]+/.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(12), (b) => alphabet[b % alphabet.length]).join('');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
