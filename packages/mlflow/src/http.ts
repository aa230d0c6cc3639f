// One HTTP exchange with a tracking server over undici: auth headers, status check, MLflow's error
// body parsed into an MlflowHttpError. No retries here (core's requester retries), no URL in messages.
import { request, type Dispatcher } from 'undici';
import type { MlflowAuth } from './auth.js';
import { MlflowHttpError, retryAfterFrom } from './errors.js';
import type { MlflowErrorBody } from './wire.js';

export type HttpResponse = Dispatcher.ResponseData;

export interface SendOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  /** JSON-encoded text or raw bytes (artifact uploads). */
  readonly body?: string | Buffer | Uint8Array | AsyncIterable<Uint8Array>;
  readonly contentType?: string;
  readonly contentLength?: number;
  /** Tracking-server requests are authorised; presigned part URLs must not be (they carry their own). */
  readonly auth?: MlflowAuth;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  readonly dispatcher?: Dispatcher;
  /** Printable name of what is asked for, for messages (`run 'abc'`). */
  readonly subject?: string;
}

const MAX_ERROR_BODY = 64 * 1024;

export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function send(options: SendOptions): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'runlens-mlflow', ...options.headers };
  if (options.contentType) headers['content-type'] = options.contentType;
  if (options.contentLength !== undefined) headers['content-length'] = String(options.contentLength);
  if (options.auth) {
    const body = options.body;
    const inMemory = typeof body === 'string' || body instanceof Uint8Array;
    Object.assign(headers, await options.auth.headers({ method: options.method, url: options.url, ...(inMemory ? { body } : body !== undefined ? { unsignedPayload: true } : {}) }, options.signal));
  }
  const response = await request(options.url, {
    method: options.method,
    headers,
    ...(options.body !== undefined ? { body: options.body as string | Buffer } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    headersTimeout: 120_000,
    bodyTimeout: 300_000,
  });
  if (response.statusCode >= 200 && response.statusCode < 300) return response;
  throw await errorFrom(response, options.subject);
}

/** The error for a failed answer; reads (a bounded part of) its body. */
export async function errorFrom(response: HttpResponse, subject?: string): Promise<MlflowHttpError> {
  let text = '';
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buffer);
      size += buffer.byteLength;
      if (size >= MAX_ERROR_BODY) break;
    }
    text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY);
  } catch {
    // a broken error body still has a status
  } finally {
    discard(response);
  }
  let parsed: MlflowErrorBody = {};
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object') parsed = json as MlflowErrorBody;
  } catch {
    // S3's REST errors are XML: <Error><Code>…</Code><Message>…</Message>…</Error>. Only those two are
    // read (a SignatureDoesNotMatch body also holds the string to sign). Else a proxy's HTML page: the status is all there is.
    const xmlCode = /<Error>[\s\S]*?<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1];
    const xmlMessage = /<Error>[\s\S]*?<Message>([^<]{0,500})<\/Message>/.exec(text)?.[1];
    if (xmlCode) parsed = { error_code: xmlCode, ...(xmlMessage !== undefined ? { message: xmlMessage.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') } : {}) };
  }
  // MLflow: {error_code, message}. Azure's gateway (a bad or missing token): {error: {code, message}}.
  // AWS's (a bad signature, unknown key): {message} or {Message} with the code in x-amzn-ErrorType.
  const nested = parsed.error && typeof parsed.error === 'object' ? (parsed.error as { code?: unknown; message?: unknown }) : undefined;
  const rawMessage = [parsed.message, nested?.message, (parsed as { Message?: unknown }).Message].find((m): m is string => typeof m === 'string');
  const amznType = header(response, 'x-amzn-errortype')?.split(':')[0];
  const code = [parsed.error_code, nested?.code, amznType].find((c): c is string => typeof c === 'string' && c !== '');
  const message = rawMessage !== undefined ? rawMessage.split('\n')[0]!.slice(0, 500) : `HTTP ${response.statusCode}`;
  return new MlflowHttpError(response.statusCode, code, message, retryAfterFrom(header(response, 'retry-after')), subject);
}

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
    throw new MlflowHttpError(response.statusCode, 'InvalidJson', 'the server answered with a body that is not JSON (is this an MLflow tracking server?)');
  }
}

/** A URL's origin and path, never its query or credentials: safe to print. */
export function printable(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
