/** Request/response plumbing: the emulator's exchange, JSON bodies and Kubernetes `Status` errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One served request, as recorded for tests (bearer tokens redacted). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** HTTP status sent; 0 when the connection was dropped before a status. */
  status: number;
  bytesSent: number;
}

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly record: RecordedRequest;
}

export function sendJson(exchange: Exchange, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  const { res, record } = exchange;
  if (res.headersSent || res.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  record.status = status;
  record.bytesSent += payload.byteLength;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': payload.byteLength,
    ...headers,
  });
  res.end(payload);
}

/**
 * The reasons the emulator answers with, as apimachinery names them
 * (k8s.io/apimachinery pkg/apis/meta/v1/types.go, StatusReason*).
 */
export type StatusReason =
  | 'BadRequest'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Expired'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable';

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly retryAfterSeconds?: number;
}

/** A `Status` failure body (meta/v1 Status), the shape every API error takes. */
export function statusBody(
  code: number,
  reason: StatusReason,
  message: string,
  details?: StatusDetails,
  metadata: Record<string, string> = {},
): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata,
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details: stripUndefined(details) }),
    code,
  };
}

export function sendStatus(
  exchange: Exchange,
  code: number,
  reason: StatusReason,
  message: string,
  details?: StatusDetails,
  headers: Record<string, string | number> = {},
): void {
  sendJson(exchange, code, statusBody(code, reason, message, details), headers);
}

/** `pods "x" not found`: apierrors.NewNotFound's message and details. */
export function sendNotFound(exchange: Exchange, group: string, resource: string, name: string): void {
  const qualified = group === '' ? resource : `${resource}.${group}`;
  sendStatus(exchange, 404, 'NotFound', `${qualified} "${name}" not found`, { name, group, kind: resource });
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}
