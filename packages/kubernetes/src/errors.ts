// The ONE place Kubernetes API and Prometheus failures become core's error taxonomy. Decisions are
// taken on the HTTP status and the Status object's `reason` (apimachinery meta/v1 Status), never on
// message text alone; the message is the server's own, which names the verb and resource of a 403.
import { authError, isNetworkError, notFound, providerError, RunlensError, throttled } from '@runlens/core';

import { KubeconfigError } from './kubeconfig.js';

export type Service = 'kubernetes' | 'prometheus';

/** A non-2xx answer, with what its Status (or Prometheus error envelope) said. Thrown inside `requester.call`. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly service: Service,
    readonly operation: string,
    readonly status: number,
    /** Status `reason` (`NotFound`, `Forbidden`, `Expired`…) or Prometheus `errorType`. */
    readonly reason: string | undefined,
    readonly providerMessage: string | undefined,
    readonly retryAfterMs: number | undefined,
    /** A 410's `metadata.continue`: where an expired list can go on (inconsistently). */
    readonly continueToken?: string,
  ) {
    super(`${operation}: HTTP ${status}${reason === undefined ? '' : ` ${reason}`}${providerMessage === undefined ? '' : `: ${providerMessage}`}`);
  }
}

/** An answer the adapter cannot read (not JSON, a missing field). */
export class MalformedAnswer extends Error {
  override readonly name = 'MalformedAnswer';
}

/** Parses a Status (or Prometheus error) body; a body that is neither keeps the status alone. */
export function apiError(service: Service, operation: string, status: number, text: string, retryAfterMs: number | undefined): KubeApiError {
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // a proxy's HTML page, a plain-text 401
  }
  const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  if (service === 'prometheus') {
    return new KubeApiError(service, operation, status, str(body['errorType']), str(body['error'])?.slice(0, 500) ?? plain(text), retryAfterMs);
  }
  const details = (body['details'] ?? {}) as Record<string, unknown>;
  const detailRetry = typeof details['retryAfterSeconds'] === 'number' ? details['retryAfterSeconds'] * 1000 : undefined;
  const continueToken = str(((body['metadata'] ?? {}) as Record<string, unknown>)['continue']);
  return new KubeApiError(service, operation, status, str(body['reason']), str(body['message'])?.slice(0, 500) ?? plain(text), retryAfterMs ?? detailRetry, continueToken);
}

function plain(text: string): string | undefined {
  const line = text.trim().split('\n')[0]?.trim();
  return line === undefined || line === '' || line.startsWith('<') ? undefined : line.slice(0, 200);
}

export function mapError(error: unknown, call: { operation: string; run?: string }): RunlensError {
  if (RunlensError.isInstance(error)) return error;
  const options = { provider: 'k8s', ...(call.run === undefined ? {} : { run: call.run }) };
  if (error instanceof KubeApiError) {
    const base = { ...options, status: error.status, ...(error.reason === undefined ? {} : { providerCode: error.reason }), cause: error };
    const said = error.providerMessage === undefined ? '' : `: ${error.providerMessage}`;
    const retry = error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs };
    const who = error.service === 'prometheus' ? 'Prometheus' : 'the Kubernetes API';
    if (error.status === 401) return authError(`${who} did not accept the credentials (${call.operation}); check the kubeconfig's user or run the exec plugin's login${said}`, base);
    if (error.status === 403) return authError(`not allowed (${call.operation})${said}`, base);
    if (error.status === 404) return notFound(error.providerMessage ?? `${call.operation}: not found`, base);
    if (error.status === 429) return throttled(`${call.operation} was throttled by ${who}${said}`, { ...base, retryable: true, ...retry });
    if (error.status >= 500 || error.status === 410) {
      // 410 Expired is retryable only by the list (which resumes with the token); elsewhere it is final.
      return providerError(`${call.operation} failed${said || ` with HTTP ${error.status}`}`, { ...base, retryable: error.status !== 410, ...retry });
    }
    return providerError(`${call.operation} failed${said || ` with HTTP ${error.status}`}`, base);
  }
  if (error instanceof KubeconfigError) return authError(error.message, { ...options, cause: error });
  if (error instanceof MalformedAnswer) return providerError(`${call.operation}: ${error.message}`, { ...options, cause: error });
  const code = (error as { code?: unknown } | null)?.code;
  if (isNetworkError(error)) return providerError(`${call.operation}: connection failed (${String(code)})`, { ...options, retryable: true, cause: error });
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'CERT_HAS_EXPIRED') {
    return authError(`${call.operation}: the server's TLS certificate was refused (${String(code)}); check the cluster's certificate-authority and tls-server-name`, { ...options, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return providerError(`${call.operation} failed: ${message}`, { ...options, cause: error });
}

/** The KubeApiError behind a RunlensError from the requester (or itself), if any. */
export function wireCause(error: unknown): KubeApiError | undefined {
  if (error instanceof KubeApiError) return error;
  if (RunlensError.isInstance(error) && error.cause instanceof KubeApiError) return error.cause;
  return undefined;
}
