// The ONE place ModelArts, API Gateway and OBS failures become core's error taxonomy. Decisions are
// taken on structured fields (HTTP status, `error_code`, the S3 `<Code>`), never on message text alone.
import { authError, isNetworkError, notFound, providerError, RunlensError, throttled } from '@runlens/core';

export type Service = 'modelarts' | 'obs';

/** A non-2xx answer, with what its body said. Thrown inside `requester.call`, mapped by `mapError`. */
export class WireError extends Error {
  constructor(
    readonly service: Service,
    readonly operation: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly providerMessage: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`${operation}: HTTP ${status}${code ? ` ${code}` : ''}${providerMessage ? `: ${providerMessage}` : ''}`);
    this.name = 'WireError';
  }

  /** An OBS pre-signed URL past its lifetime (`AccessDenied` "Request has expired"). */
  get expiredUrl(): boolean {
    return this.service === 'obs' && this.status === 403 && this.code === 'AccessDenied' && /expired/i.test(this.providerMessage ?? '');
  }
}

/** A body the adapter could not make sense of (malformed JSON, a missing field). */
export class MalformedResponse extends Error {
  constructor(operation: string, detail: string) {
    super(`${operation}: unexpected response from ModelArts (${detail})`);
    this.name = 'MalformedResponse';
  }
}

/** A ModelArts answer without the fields the adapter needs: a ProviderError naming the operation. */
export function malformed(operation: string, detail: string, run?: string): RunlensError {
  return mapError(new MalformedResponse(operation, detail), { operation, ...(run ? { run } : {}) });
}

/** Token problems the error-code table lists under 401 (ModelArts.0201-0212, 4127). */
const AUTH_CODES = /^ModelArts\.(02(0\d|1[0-2])|4127)$/;
/** "Not found" codes: v2 job (HTTP 400!), v1 job version. */
const NOT_FOUND_CODES = new Set(['ModelArts.2775', 'ModelArts.0102']);
const OBS_NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket']);
const OBS_AUTH = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken']);
const OBS_THROTTLED = new Set(['SlowDown', 'TooManyRequests', 'RequestLimitExceeded']);

/** The message shown for an API Gateway auth failure. The gateway echoes its canonical request (with our headers) after `canonicalRequest:`: never show it. */
function gatewayMessage(message: string | undefined): string {
  return (message ?? '').replace(/,?\s*canonicalRequest:.*$/s, '').trim();
}

export function mapError(error: unknown, call: { operation: string; run?: string }): RunlensError {
  if (RunlensError.isInstance(error)) return error;
  const options = { provider: 'modelarts', ...(call.run ? { run: call.run } : {}) };
  if (error instanceof WireError) {
    const base = { ...options, status: error.status, ...(error.code ? { providerCode: error.code } : {}), cause: error };
    const said = error.providerMessage ? `: ${error.providerMessage}` : '';
    const code = error.code ?? '';
    if (error.service === 'modelarts') {
      if (NOT_FOUND_CODES.has(code)) return notFound(code === 'ModelArts.2775' ? 'training job not found' : 'training job version not found', base);
      if (code === 'ModelArts.2799' || error.status === 429) return throttled(`${call.operation} was throttled${said}`, { ...base, retryable: true, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
      if (code === 'APIGW.0301' || code.startsWith('APIGW.03') || AUTH_CODES.test(code) || error.status === 401) {
        return authError(`authentication failed (check HUAWEICLOUD_SDK_AK/SK, HUAWEICLOUD_SDK_SECURITY_TOKEN or HUAWEICLOUD_SDK_IAM_TOKEN): ${gatewayMessage(error.providerMessage) || `HTTP ${error.status}`}`, base);
      }
      if (code === 'ModelArts.2786') return authError(`the project id does not match the credentials (check HUAWEICLOUD_SDK_PROJECT_ID)${said}`, base);
      if (code === 'ModelArts.0108' || error.status === 403) return authError(`not allowed to ${call.operation}${said}`, base);
      if (code === 'APIGW.0101') return notFound(`${call.operation}: this API does not exist at the endpoint${said}`, base);
      if (error.status >= 500) return providerError(`${call.operation} failed${said || ` with HTTP ${error.status}`}`, { ...base, retryable: true, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
      return providerError(`${call.operation} failed${said || ` with HTTP ${error.status}`}`, base);
    }
    // OBS (S3 protocol)
    if (OBS_NOT_FOUND.has(code) || (error.status === 404 && !code)) return notFound(code === 'NoSuchBucket' ? 'the output bucket does not exist' : 'no such object', base);
    if (OBS_THROTTLED.has(code)) return throttled(`${call.operation} was throttled by OBS${said}`, { ...base, retryable: true, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
    if (OBS_AUTH.has(code) || error.status === 401 || error.status === 403) return authError(`OBS refused ${call.operation}${said}`, base);
    if (error.status >= 500) return providerError(`${call.operation} failed${said || ` with HTTP ${error.status}`}`, { ...base, retryable: true });
    return providerError(`${call.operation} failed${said || ` with HTTP ${error.status}`}`, base);
  }
  if (error instanceof MalformedResponse) return providerError(error.message, { ...options, cause: error });
  if (isNetworkError(error) || (error as { code?: unknown } | null)?.code === 'UND_ERR_RESPONSE_STATUS_CODE') {
    return providerError(`${call.operation}: connection failed (${(error as { code?: string }).code ?? 'network error'})`, { ...options, retryable: true, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return providerError(`${call.operation} failed: ${message}`, { ...options, cause: error });
}
