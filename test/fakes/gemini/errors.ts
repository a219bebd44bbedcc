/**
 * Google's error envelope (`{"error":{code,message,status,details}}`), as the real API sends it
 * (wire reference §5). Handlers throw `GoogleApiError`; the router turns it into the HTTP reply,
 * and the batch runner turns it into a per-line `{code,message}`.
 */

/** Canonical gRPC status names the fake uses, keyed by the HTTP code Google maps them to. */
export type CanonicalStatus =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'CANCELLED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

/** One `details[]` entry: a `google.rpc.*` message tagged with its `@type`. */
export type ErrorDetail = { '@type': string } & Record<string, unknown>;

/** The JSON body of every error reply. */
export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details?: ErrorDetail[] };
}

const DEFAULT_STATUS: Record<number, CanonicalStatus> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Messages observed from the real API for errors a test injects without saying more. */
const DEFAULT_MESSAGE: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  429: 'Resource has been exhausted (e.g. check quota).',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

/** An error the fake answers with; `body()` is exactly what goes on the wire. */
export class GoogleApiError extends Error {
  readonly code: number;
  readonly status: string;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: number, message?: string, status?: string, details?: ErrorDetail[]) {
    super(message ?? DEFAULT_MESSAGE[code] ?? `HTTP ${code}`);
    this.name = 'GoogleApiError';
    this.code = code;
    this.status = status ?? DEFAULT_STATUS[code] ?? 'UNKNOWN';
    this.details = details;
  }

  /** The reply body; `details` is left out when empty, as proto3 JSON does. */
  body(): GoogleErrorBody {
    const error: GoogleErrorBody['error'] = { code: this.code, message: this.message, status: this.status };
    if (this.details && this.details.length > 0) error.details = this.details;
    return { error };
  }
}

const TYPE = 'type.googleapis.com/google.rpc.';

/** 400 for a malformed request (bad JSON, missing fields, bad page token…). */
export function invalidArgument(message: string): GoogleApiError {
  return new GoogleApiError(400, message, 'INVALID_ARGUMENT');
}

/** 400 API_KEY_INVALID, with the ErrorInfo detail the real API attaches. */
export function apiKeyInvalid(): GoogleApiError {
  return new GoogleApiError(400, 'API key not valid. Please pass a valid API key.', 'INVALID_ARGUMENT', [
    {
      '@type': `${TYPE}ErrorInfo`,
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    {
      '@type': `${TYPE}LocalizedMessage`,
      locale: 'en-US',
      message: 'API key not valid. Please pass a valid API key.',
    },
  ]);
}

/** 403 for a request without any key. */
export function unregisteredCaller(): GoogleApiError {
  return new GoogleApiError(
    403,
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    'PERMISSION_DENIED',
  );
}

/** 403 for a key Google has blocked because it leaked. */
export function leakedKey(): GoogleApiError {
  return new GoogleApiError(
    403,
    'Your API key was reported as leaked. Please use another API key.',
    'PERMISSION_DENIED',
  );
}

/** 403 for a file that is missing or belongs to another project: the real API does not tell which. */
export function fileNotAccessible(id: string): GoogleApiError {
  return new GoogleApiError(
    403,
    `You do not have permission to access the File ${id} or it may not exist.`,
    'PERMISSION_DENIED',
  );
}

/** 404 for a model the fake does not serve. */
export function modelNotFound(model: string, method = 'generateContent'): GoogleApiError {
  return new GoogleApiError(
    404,
    `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
    'NOT_FOUND',
  );
}

/** 404 for anything else that is missing (batches, routes, upload sessions). */
export function notFound(message = 'Requested entity was not found.'): GoogleApiError {
  return new GoogleApiError(404, message, 'NOT_FOUND');
}

/** What a quota violation reports: which metric and limit, and when to come back. */
export interface QuotaViolation {
  quotaMetric: string;
  quotaId: string;
  model: string;
  limit: number;
  retryDelayMs: number;
}

/**
 * 429 RESOURCE_EXHAUSTED with Help, QuotaFailure and RetryInfo details, shaped like the real reply
 * quoted in wire reference §5. The message carries the delay to 2 decimals ("Please retry in
 * 28.32s."), while RetryInfo carries whole seconds ("28s"), as observed.
 */
export function quotaExceeded(v: QuotaViolation): GoogleApiError {
  const seconds = Math.max(0, v.retryDelayMs) / 1000;
  const message =
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. ' +
    `\n* Quota exceeded for metric: ${v.quotaMetric}, limit: ${v.limit}, model: ${v.model}` +
    `\nPlease retry in ${seconds.toFixed(2)}s.`;
  return new GoogleApiError(429, message, 'RESOURCE_EXHAUSTED', [
    {
      '@type': `${TYPE}Help`,
      links: [
        {
          description: 'Learn more about Gemini API quotas',
          url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
        },
      ],
    },
    {
      '@type': `${TYPE}QuotaFailure`,
      violations: [
        {
          quotaMetric: v.quotaMetric,
          quotaId: v.quotaId,
          quotaDimensions: { location: 'global', model: v.model },
          quotaValue: String(v.limit),
        },
      ],
    },
    { '@type': `${TYPE}RetryInfo`, retryDelay: `${Math.floor(seconds)}s` },
  ]);
}
