/** Request/response plumbing of the MLflow emulator, in MLflow's error dialect. */
import type { ServerResponse } from 'node:http';

/** One served request, as recorded for tests and benchmarks. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** `?…` or ''. */
  readonly query: string;
  /** HTTP status sent; 0 when the connection was dropped. */
  status: number;
  bodyBytes: number;
}

export interface Exchange {
  readonly method: string;
  readonly url: URL;
  readonly body: Buffer;
  readonly res: ServerResponse;
  /** A `partial` fault: log-batch stores its first half, then fails. */
  readonly partial: boolean;
  /** The Range header, if any. */
  readonly range?: string;
}

/** An MLflow error: `{error_code, message}` with the status MLflow's ERROR_CODE_TO_HTTP_STATUS gives it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
export const missing = (message: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
export const exists = (message: string) => new ApiError(400, 'RESOURCE_ALREADY_EXISTS', message);

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': payload.byteLength, ...headers });
  res.end(payload);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, { error_code: error.code, message: error.message });
}

/** The request's JSON object (MLflow parses the body with the message's proto schema). */
export function jsonBody(exchange: Exchange): Record<string, unknown> {
  const text = exchange.body.toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'MALFORMED_REQUEST', 'Malformed request: the body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

export function requireString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined || value === null || value === '') throw invalid(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);
  if (typeof value !== 'string') throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied. Hint: Value was of type '${typeof value}'.`);
  return value;
}

export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied.`);
  return value;
}

/** int64 fields arrive as JSON numbers or decimal strings (proto3 JSON allows both). */
export function optionalInt(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied.`);
  return n;
}

export function optionalArray(body: Record<string, unknown>, name: string): unknown[] {
  const value = body[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied.`);
  return value;
}

export function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

export function decodeToken(token: string | undefined | null): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through
  }
  throw invalid('Invalid page token, could not base64-decode');
}
