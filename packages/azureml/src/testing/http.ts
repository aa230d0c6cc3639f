/** Request/response plumbing shared by the ARM, Run History, MLflow, artifact and blob surfaces. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Surface = 'arm' | 'history' | 'metric' | 'mlflow' | 'artifact' | 'blob' | 'discovery' | 'unknown';

/** One served request, as recorded for tests and benchmarks (bearer tokens and SAS signatures redacted). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly surface: Surface;
  /** HTTP status sent; 0 when the connection was dropped. */
  status: number;
  /** The request body, for the routes that read one (the metric service's POSTs). */
  body?: string;
  /** Response body bytes written. */
  bytesSent: number;
}

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly record: RecordedRequest;
  readonly requestId: string;
}

/** How a surface words a problem on the wire (ARM JSON, Run History ErrorResponse, MLflow, Blob XML). */
export type Fail = (exchange: Exchange, problem: Problem, message: string) => void;

export type Handler = (exchange: Exchange, params: readonly string[]) => void | Promise<void>;

export interface Route {
  readonly methods: readonly string[];
  readonly pattern: RegExp;
  readonly handle: Handler;
}

/** Problems every surface must be able to express in its own error dialect. */
export type Problem =
  | 'missing-auth'
  | 'bad-token'
  | 'throttled'
  | 'internal'
  | 'unavailable'
  | 'not-found'
  | 'bad-request';

/**
 * First value of a query parameter. The ARM SDK re-applies query parameters to `nextLink`, so a
 * parameter may be repeated; the first occurrence is the one the server put in the link.
 */
export function queryParam(exchange: Exchange, name: string): string | undefined {
  return exchange.url.searchParams.get(name) ?? undefined;
}

export function send(
  exchange: Exchange,
  status: number,
  headers: Record<string, string | number>,
  body?: Buffer,
): void {
  const { res, record } = exchange;
  if (res.headersSent || res.destroyed) return;
  record.status = status;
  res.writeHead(status, { 'x-ms-request-id': exchange.requestId, ...headers });
  const payload = exchange.req.method === 'HEAD' ? undefined : body;
  record.bytesSent += payload?.byteLength ?? 0;
  res.end(payload);
}

export function sendJson(
  exchange: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  send(exchange, status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': payload.byteLength,
    ...headers,
  }, payload);
}

/** Azure Resource Manager error body; also what the data-plane gateway sends for auth and throttling. */
export function sendArmError(
  exchange: Exchange,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string | number> = {},
): void {
  sendJson(exchange, status, { error: { code, message, details: [], additionalInfo: [] } }, {
    'x-ms-failure-cause': status >= 500 ? 'service' : 'gateway',
    ...headers,
  });
}

/**
 * Gateway-level problems share one shape on every JSON surface (the request never reaches the
 * service). A throttling caller sets Retry-After on the response first.
 */
export function gatewayProblem(exchange: Exchange, problem: 'missing-auth' | 'bad-token' | 'throttled'): void {
  if (problem === 'throttled') {
    sendArmError(exchange, 429, 'TooManyRequests',
      'The request is being throttled as the limit has been reached for operation type.');
    return;
  }
  const missing = problem === 'missing-auth';
  sendArmError(
    exchange,
    401,
    missing ? 'AuthenticationFailed' : 'InvalidAuthenticationToken',
    missing
      ? "Authentication failed. The 'Authorization' header is missing."
      : 'The access token is invalid.',
    {
      'www-authenticate':
        `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", ` +
        `error_description="${missing ? 'missing Authorization header' : 'the token is invalid'}"`,
    },
  );
}

/** Base64url page token carrying an offset; opaque to clients, needs no percent-encoding. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`, 'utf8').toString('base64url');
}

export function decodePageToken(token: string | undefined): number | undefined {
  if (token === undefined || token === '') return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** RFC 1123 date as used in Last-Modified and Azure Storage headers. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Run History RootError fields as the service serialises them (absent fields are null). */
export interface RootErrorBody {
  code: string;
  message: string;
  target?: string | undefined;
  messageFormat?: string | undefined;
  messageParameters?: Record<string, string> | undefined;
  referenceCode?: string | undefined;
  details?: readonly RootErrorBody[] | undefined;
  innerError?: { code: string } | undefined;
}

export function rootError(error: RootErrorBody): Record<string, unknown> {
  return {
    code: error.code,
    severity: null,
    message: error.message,
    messageFormat: error.messageFormat ?? null,
    messageParameters: error.messageParameters ?? {},
    referenceCode: error.referenceCode ?? null,
    detailsUri: null,
    target: error.target ?? null,
    details: (error.details ?? []).map(rootError),
    innerError: error.innerError ?? null,
    debugInfo: null,
    additionalInfo: null,
  };
}

/** Data-plane ErrorResponse (Run History, artifact service): RootError plus correlation and location. */
export function sendServiceError(
  exchange: Exchange,
  status: number,
  error: RootErrorBody,
  where: { region: string; now: number },
): void {
  sendJson(exchange, status, {
    error: rootError(error),
    correlation: { operation: exchange.requestId, request: exchange.requestId },
    environment: where.region,
    location: where.region,
    time: isoTime(where.now),
    componentName: exchange.record.surface,
  });
}
