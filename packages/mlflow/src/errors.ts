// The ONE place MLflow wire failures become RunlensErrors: from the HTTP status and MLflow's
// `error_code`, never from message text. Retries are core's; this only says what may be retried.
import { authError, invalidInput, isNetworkError, notFound, parseRetryAfter, providerError, RunlensError, throttled, unsupported, type RunlensErrorOptions } from '@runlens/core';

/** A non-2xx answer from a tracking server (or a presigned part URL). */
export class MlflowHttpError extends Error {
  override readonly name = 'MlflowHttpError';
  constructor(
    readonly status: number,
    /** MLflow's `error_code` (`RESOURCE_DOES_NOT_EXIST`, `INVALID_PARAMETER_VALUE`, …), when the body had one. */
    readonly code: string | undefined,
    message: string,
    readonly retryAfterMs?: number,
    /** What was asked for, safe to print (`run 'abc'`, `artifact 'model.bin'`). */
    readonly subject?: string,
  ) {
    super(message);
  }
}

const THROTTLE_CODES = new Set(['REQUEST_LIMIT_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ThrottlingException', 'TooManyRequests']);
const NOT_FOUND_CODES = new Set(['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND', 'ENDPOINT_NOT_FOUND', 'NoSuchKey', 'NoSuchBucket']);
const INVALID_CODES = new Set(['INVALID_PARAMETER_VALUE', 'BAD_REQUEST', 'RESOURCE_ALREADY_EXISTS', 'INVALID_STATE', 'MALFORMED_REQUEST']);
// MLflow's; then AWS's gateway codes (x-amzn-ErrorType) and Azure's (error.code) for a refused signature or token.
const AUTH_CODES = new Set([
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'CUSTOMER_UNAUTHORIZED',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'ExpiredTokenException',
  'AccessDeniedException',
  'InvalidAuthenticationToken',
  'AuthenticationFailed',
  // S3's (an artifact read or write to a SageMaker tracking server's bucket)
  'AccessDenied',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'ExpiredToken',
]);

export function retryAfterFrom(value: string | undefined, now = Date.now()): number | undefined {
  return parseRetryAfter(value, now);
}

export function mapMlflowError(error: unknown, call: { operation: string; run?: string }): RunlensError {
  if (RunlensError.isInstance(error)) return error;
  const base: RunlensErrorOptions = { provider: 'mlflow', ...(call.run ? { run: call.run } : {}), cause: error };
  if (!(error instanceof MlflowHttpError)) {
    if (isNetworkError(error)) {
      const code = (error as { code?: string }).code;
      return providerError(`${call.operation} failed: network error (${code})`, { ...base, providerCode: code, retryable: true });
    }
    if (error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'UND_ERR_ABORTED')) {
      return providerError(`${call.operation} timed out`, { ...base, retryable: true });
    }
    return providerError(`${call.operation} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, base);
  }
  const { status, code } = error;
  const options: RunlensErrorOptions = { ...base, status, ...(code ? { providerCode: code } : {}), ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
  const op = error.subject ? `${call.operation} (${error.subject})` : call.operation;
  const detail = error.message ? `: ${error.message}` : '';
  if (status === 429 || (code !== undefined && THROTTLE_CODES.has(code))) return throttled(`${op} was throttled (HTTP ${status})${detail}`, { ...options, retryable: true });
  if (status === 401 || status === 403 || (code !== undefined && AUTH_CODES.has(code))) {
    return authError(`${op}: ${status === 403 ? 'access denied' : 'authentication failed'} (HTTP ${status})${detail}`, options);
  }
  if (code !== undefined && NOT_FOUND_CODES.has(code)) return notFound(`${error.subject ?? 'the resource'} was not found${detail}`, options);
  if (status === 404) return notFound(`${error.subject ?? 'the resource'} was not found (HTTP 404; is this an MLflow tracking server?)`, options);
  if (status === 501 || code === 'NOT_IMPLEMENTED') return unsupported(`${op} is not implemented by this server${detail}`, options);
  if ((code !== undefined && INVALID_CODES.has(code)) || status === 400) return invalidInput(`${op} was rejected${detail}`, options);
  if (status === 408 || status >= 500) return providerError(`${op} failed (HTTP ${status})${detail}`, { ...options, retryable: true });
  return providerError(`${op} failed (HTTP ${status})${detail}`, options);
}
