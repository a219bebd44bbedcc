/**
 * Stable error codes that cross process boundaries. A code never changes meaning once shipped;
 * the message is for people and may change.
 */
export const ERROR_CODES = [
  'UNKNOWN_METHOD',
  'INVALID_INPUT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'FILE_NOT_FOUND',
  'UNREADABLE',
  'NOT_AN_IMAGE',
  'UNSUPPORTED_FORMAT',
  'IMAGE_TOO_LARGE',
  'CORRUPT_IMAGE',
  'WRITE_FAILED',
  'CANCELLED',
  'INTERRUPTED',
  'INVALID_STATE',
  'LIMIT_EXCEEDED',
  'MODEL_MISSING',
  'DOWNLOAD_FAILED',
  'CHECKSUM_MISMATCH',
  /** A model file that cannot be read or converted (damaged zip, refused pickle, unknown network). */
  'BAD_CHECKPOINT',
  'OPTIONS_OUTDATED',
  'NO_KEYS',
  'QUOTA_EXHAUSTED',
  'COST_CAP_REACHED',
  'SAFETY_BLOCKED',
  'NO_IMAGE',
  'DB_TOO_NEW',
  'TRANSPORT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Failures that trying again cannot mend: the file itself is not a photo Pixelsmith reads, or
 * the request is wrong. Retry is offered only for the others (a full disk, a crash, a quota).
 */
export const PERMANENT_ERROR_CODES: readonly ErrorCode[] = [
  'NOT_AN_IMAGE',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_IMAGE',
  'BAD_CHECKPOINT',
  'INVALID_INPUT',
  'OPTIONS_OUTDATED',
  'FORBIDDEN',
  'UNKNOWN_METHOD',
];

/** Whether a failed item with this code may succeed when tried again. */
export function isRetryable(code: ErrorCode | null): boolean {
  return code === null || !PERMANENT_ERROR_CODES.includes(code);
}

export interface RpcErrorData {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The HTTP status each code maps to in the web shell. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  UNKNOWN_METHOD: 404,
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  UNREADABLE: 403,
  NOT_AN_IMAGE: 422,
  UNSUPPORTED_FORMAT: 422,
  IMAGE_TOO_LARGE: 422,
  CORRUPT_IMAGE: 422,
  WRITE_FAILED: 500,
  CANCELLED: 409,
  INTERRUPTED: 500,
  INVALID_STATE: 409,
  LIMIT_EXCEEDED: 422,
  MODEL_MISSING: 404,
  DOWNLOAD_FAILED: 502,
  CHECKSUM_MISMATCH: 422,
  BAD_CHECKPOINT: 422,
  OPTIONS_OUTDATED: 422,
  NO_KEYS: 409,
  QUOTA_EXHAUSTED: 429,
  COST_CAP_REACHED: 429,
  SAFETY_BLOCKED: 422,
  NO_IMAGE: 422,
  DB_TOO_NEW: 409,
  TRANSPORT: 502,
  INTERNAL: 500,
};

/** An error that carries a stable code; core throws these, `dispatch` turns them into data. */
export class RpcError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toData(): RpcErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromData(data: RpcErrorData): RpcError {
    return new RpcError(data.code, data.message, data.details);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Exhaustiveness guard for `switch` over unions (house rule 5). */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
