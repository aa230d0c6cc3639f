// Data-plane HTTP with undici: one request, its status checked, its error body parsed into an
// AzureHttpError. No retries here (core's requester retries), no URL ever in a message.
import { request, type Dispatcher } from 'undici';
import { AzureHttpError, parseErrorBody, retryAfterFrom, type Surface } from './errors.js';

export interface HttpOptions {
  readonly surface: Surface;
  /** Bearer token for the workspace APIs; never sent to storage (SAS links authorise by themselves). */
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** Undici dispatcher (tests pass a MockAgent); default: undici's global dispatcher. */
  readonly dispatcher?: Dispatcher;
  /** Statuses the caller handles itself (e.g. 416 for a range past the end). */
  readonly accept?: readonly number[];
  /** Printable name of what is fetched, for error messages (`log file 'user_logs/std_log.txt'`). */
  readonly subject?: string;
}

export type HttpResponse = Dispatcher.ResponseData;

const MAX_ERROR_BODY = 64 * 1024;

export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Sends a GET; a non-2xx answer (other than `accept`ed ones) is read, parsed and thrown. */
export function httpGet(url: string, options: HttpOptions): Promise<HttpResponse> {
  return send('GET', url, options);
}

async function send(method: 'GET' | 'POST', url: string, options: HttpOptions, body?: string): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'runlens-azureml', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(url, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    headersTimeout: 60_000,
    bodyTimeout: 120_000,
  });
  if ((response.statusCode >= 200 && response.statusCode < 300) || options.accept?.includes(response.statusCode)) return response;
  throw await errorFrom(response, options);
}

/** Builds the error for a failed answer; consumes (a bounded part of) the body. */
export async function errorFrom(response: HttpResponse, options: Pick<HttpOptions, 'surface' | 'subject'>): Promise<AzureHttpError> {
  let text = '';
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      if (size < MAX_ERROR_BODY) chunks.push(buffer);
      size += buffer.byteLength;
      if (size >= MAX_ERROR_BODY) break;
    }
    text = Buffer.concat(chunks).toString('utf8');
  } catch {
    // a broken error body still has a status
  } finally {
    discard(response);
  }
  const parsed = parseErrorBody(text, header(response, 'content-type'));
  const code = parsed.code ?? header(response, 'x-ms-error-code');
  return new AzureHttpError(
    options.surface,
    response.statusCode,
    code,
    parsed.message ?? `HTTP ${response.statusCode}`,
    retryAfterFrom((name) => header(response, name)),
    options.subject,
  );
}

/**
 * Stops reading a body and frees its connection. Undici reports a body destroyed before its end as an
 * 'error' event (RequestAbortedError); nobody is listening any more, so it is swallowed here.
 */
export function discard(response: HttpResponse): void {
  response.body.on('error', () => undefined);
  response.body.destroy();
}

export async function readJson<T>(response: HttpResponse): Promise<T> {
  const text = await response.body.text();
  if (text.trim() === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new AzureHttpError('history', response.statusCode, 'InvalidJson', 'the service answered with a body that is not JSON');
  }
}

export async function getJson<T>(url: string, options: HttpOptions): Promise<T> {
  return readJson<T>(await httpGet(url, options));
}

/** POSTs a JSON body and reads the JSON answer (the metric service's query calls are POSTs). */
export async function postJson<T>(url: string, body: unknown, options: HttpOptions): Promise<T> {
  return readJson<T>(await send('POST', url, options, JSON.stringify(body)));
}

/** A URL's origin and path, without the query (where SAS signatures live): safe to print. */
export function printable(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
