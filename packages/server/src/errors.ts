// RunlensError codes → HTTP statuses and one JSON error body. Messages are already redacted by core;
// anything else is an internal error whose details stay out of the response.
import { redact, RunlensError, type ErrorCode } from '@runlens/core';

export type ApiErrorCode = ErrorCode | 'TooLarge' | 'Internal';

export interface ApiError {
  readonly status: number;
  readonly body: { error: { code: ApiErrorCode; message: string } };
  readonly headers: Record<string, string>;
}

const STATUS: Record<ErrorCode, number> = {
  InvalidInput: 400,
  AuthError: 401,
  NotFound: 404,
  // 501: the provider cannot do this at all (no log source, no listing); retrying will not help.
  Unsupported: 501,
  ProviderError: 502,
  Throttled: 503,
  // The client went away; nobody reads this status, but access logs show it (nginx's convention).
  Interrupted: 499,
};

export function apiError(error: unknown): ApiError {
  if (RunlensError.isInstance(error)) {
    let status = STATUS[error.code] ?? 500;
    // A provider's 403 (valid credentials, no permission) stays a 403.
    if (error.code === 'AuthError' && error.status === 403) status = 403;
    const headers: Record<string, string> = {};
    if (error.code === 'Throttled') headers['Retry-After'] = String(Math.max(1, Math.ceil((error.retryAfterMs ?? 1_000) / 1_000)));
    return { status, headers, body: { error: { code: error.code, message: redact(oneLine(error.message)) } } };
  }
  return { status: 500, headers: {}, body: { error: { code: 'Internal', message: 'internal error' } } };
}

export function simpleError(status: number, code: ApiErrorCode, message: string): ApiError {
  return { status, headers: {}, body: { error: { code, message: redact(message) } } };
}

export function errorResponse(error: ApiError): Response {
  return new Response(JSON.stringify(error.body), { status: error.status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...error.headers } });
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
