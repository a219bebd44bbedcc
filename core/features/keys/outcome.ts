/** How one leased request went, for the quota manager's accounting. */
export type Outcome =
  | { kind: 'ok'; inputTokens?: number; outputTokens?: number }
  | { kind: 'rate-limited'; retryAfterMs: number | null }
  | { kind: 'invalid-key'; reason: string }
  | { kind: 'server-error'; message?: string }
  | { kind: 'not-sent' };

interface GoogleErrorBody {
  error?: {
    code?: number;
    status?: string;
    message?: string;
    details?: { '@type'?: string; retryDelay?: string; reason?: string }[];
  };
}

/** "12s", "0.5s", "1.250s" → ms. */
function parseDuration(text: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(text ?? '');
  return m ? Math.ceil(Number(m[1]) * 1000) : null;
}

/**
 * How a failed Gemini call should count against its key, from the SDK's error (an `ApiError`
 * whose message is Google's JSON error body): 429 → rate-limited with the RetryInfo delay, a
 * refused key (400 API_KEY_INVALID, 401, 403 PERMISSION_DENIED) → invalid-key, 5xx and network
 * failures → server-error. Other 4xx are the request's own fault and say nothing about the key.
 */
export function outcomeFromError(error: unknown): Outcome | null {
  const status = (error as { status?: number } | null)?.status;
  let body: GoogleErrorBody = {};
  try {
    body = JSON.parse((error as Error).message) as GoogleErrorBody;
  } catch {
    // Not a JSON body (a network error, a timeout): handled by status below.
  }
  const details = body.error?.details ?? [];
  if (status === 429) {
    const retry = details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'));
    return { kind: 'rate-limited', retryAfterMs: parseDuration(retry?.retryDelay) };
  }
  const keyRefused =
    details.some((d) => d.reason === 'API_KEY_INVALID') ||
    status === 401 ||
    (status === 403 && body.error?.status === 'PERMISSION_DENIED');
  if (keyRefused)
    return { kind: 'invalid-key', reason: body.error?.message ?? `Google refused the key (HTTP ${status})` };
  if (status === undefined || status >= 500)
    return { kind: 'server-error', message: body.error?.message ?? (error as Error).message };
  return null;
}
