// The ONE place Azure errors become RunlensErrors: from structured fields (HTTP status, the ARM /
// Run History / MLflow / Azure Storage error code, Retry-After), never from message text alone.
import { authError, isNetworkError, notFound, parseRetryAfter, providerError, RunlensError, throttled, type RunlensErrorOptions } from '@runlens/core';

/** Which wire surface answered: each words its errors differently. */
export type Surface = 'arm' | 'history' | 'metric' | 'mlflow' | 'artifact' | 'blob' | 'identity';

/** A non-success answer from a data-plane call (undici), with what its body said. */
export class AzureHttpError extends Error {
  override readonly name = 'AzureHttpError';
  constructor(
    readonly surface: Surface,
    readonly status: number,
    /** The service's own error code (`UserError`, `RESOURCE_DOES_NOT_EXIST`, `AuthenticationFailed`, …). */
    readonly code: string | undefined,
    message: string,
    readonly retryAfterMs?: number,
    /** What was asked for, in words safe to print (a path, never a URL with its query). */
    readonly subject?: string,
  ) {
    super(message);
  }
}

/** Retry-After (seconds or an HTTP date), or the Azure `x-ms-retry-after-ms` / `retry-after-ms` headers. */
export function retryAfterFrom(get: (name: string) => string | undefined, now = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(get(name));
    if (get(name) !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  return parseRetryAfter(get('retry-after'), now);
}

interface RestErrorLike {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  response?: { headers?: { get(name: string): string | undefined } };
}

const isRestError = (e: unknown): e is RestErrorLike =>
  typeof e === 'object' && e !== null && ((e as { name?: unknown }).name === 'RestError' || typeof (e as { statusCode?: unknown }).statusCode === 'number');

const THROTTLE_CODES = new Set(['TooManyRequests', 'RequestThrottled', 'ServerBusy', 'OperationThrottled', 'RESOURCE_EXHAUSTED', 'REQUEST_LIMIT_EXCEEDED']);
const NOT_FOUND_CODES = new Set(['RESOURCE_DOES_NOT_EXIST', 'BlobNotFound', 'ContainerNotFound', 'ResourceNotFound', 'NotFoundError']);

/**
 * Maps whatever a wire call threw. `what` names the thing asked for (`job 'x'`, `log file 'user_logs/…'`),
 * so a NotFound reads well without any URL in it.
 */
export function mapAzureError(error: unknown, call: { operation: string; run?: string }, what?: string): RunlensError {
  if (RunlensError.isInstance(error)) return error;
  const base: RunlensErrorOptions = { provider: 'azureml', ...(call.run ? { run: call.run } : {}), cause: error };

  let status: number | undefined;
  let code: string | undefined;
  let retryAfterMs: number | undefined;
  let message: string;
  let surface: Surface = 'arm';
  if (error instanceof AzureHttpError) {
    status = error.status;
    code = error.code;
    retryAfterMs = error.retryAfterMs;
    message = error.message;
    surface = error.surface;
    what ??= error.subject;
  } else if (isRestError(error) && error.statusCode !== undefined) {
    status = error.statusCode;
    code = error.code;
    retryAfterMs = error.response?.headers ? retryAfterFrom((n) => error.response!.headers!.get(n)) : undefined;
    message = firstLine(error.message) || `HTTP ${status}`;
  } else if (isIdentityError(error)) {
    return authError(`could not get an Azure access token (${(error as Error).name}): ${firstLine((error as Error).message)}; sign in with 'az login', set a service principal, or set AZUREML_ACCESS_TOKEN`, { ...base, providerCode: (error as Error).name });
  } else if (isNetworkError(error) || (isRestError(error) && error.code === 'REQUEST_SEND_ERROR')) {
    const netCode = (error as { code?: string }).code;
    return providerError(`${call.operation} failed: network error (${netCode})`, { ...base, providerCode: netCode, retryable: true });
  } else if (error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'UND_ERR_ABORTED')) {
    // Core answers an abort of the caller's own signal before asking here: this one is a request timeout.
    return providerError(`${call.operation} timed out`, { ...base, retryable: true });
  } else {
    return providerError(`${call.operation} failed: ${error instanceof Error ? firstLine(error.message) : String(error)}`, base);
  }

  const options: RunlensErrorOptions = { ...base, status, ...(code ? { providerCode: code } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  const detail = message ? `: ${message}` : '';
  const op = what ? `${call.operation} (${what})` : call.operation;
  if (status === 429 || (code !== undefined && THROTTLE_CODES.has(code))) {
    return throttled(`${op} was throttled (HTTP ${status})`, { ...options, retryable: true });
  }
  if (status === 404 || (code !== undefined && NOT_FOUND_CODES.has(code))) {
    return notFound(`${what ?? 'the resource'} was not found${detail}`, options);
  }
  if (status === 401) return authError(`${op}: authentication failed (HTTP 401)${detail}`, options);
  if (status === 403) {
    // An expired or altered SAS link is a 403 from storage; the caller fetches fresh links once.
    return authError(`${op}: access denied (HTTP 403)${surface === 'blob' ? ' by storage (the signed link may have expired)' : ''}${detail}`, options);
  }
  if (status === 408 || status >= 500) {
    return providerError(`${op} failed (HTTP ${status})${detail}`, { ...options, retryable: true });
  }
  return providerError(`${op} failed (HTTP ${status})${detail}`, options);
}

function isIdentityError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && ['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError', 'AuthenticationRequiredError'].includes(name);
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.trim().slice(0, 500);
}

/** The code and message of an error body in any of Azure's dialects. */
export function parseErrorBody(text: string, contentType: string | undefined): { code?: string; message?: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('<') || /xml/i.test(contentType ?? '')) {
    const code = /<Code>([^<]*)<\/Code>/i.exec(trimmed)?.[1];
    const message = /<Message>([^<]*)<\/Message>/i.exec(trimmed)?.[1]?.split('\n')[0];
    return { ...(code ? { code } : {}), ...(message ? { message: message.trim() } : {}) };
  }
  try {
    const json = JSON.parse(trimmed) as Record<string, unknown>;
    // MLflow: {error_code, message}
    if (typeof json.error_code === 'string') return { code: json.error_code, ...(typeof json.message === 'string' ? { message: json.message } : {}) };
    // ARM / Run History / gateway: {error: {code, message, innerError}}
    const inner = json.error as Record<string, unknown> | undefined;
    if (inner && typeof inner === 'object') {
      const innerCode = (inner.innerError as { code?: unknown } | null | undefined)?.code;
      const code = typeof inner.code === 'string' ? inner.code : undefined;
      // Run History answers a missing run with UserError + innerError NotFoundError: keep the more telling one.
      const chosen = code === 'UserError' && typeof innerCode === 'string' ? innerCode : code;
      return { ...(chosen ? { code: chosen } : {}), ...(typeof inner.message === 'string' ? { message: inner.message } : {}) };
    }
    if (typeof json.code === 'string') return { code: json.code, ...(typeof json.message === 'string' ? { message: json.message } : {}) };
  } catch {
    // not JSON: fall through
  }
  return {};
}
