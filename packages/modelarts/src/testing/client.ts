/** A minimal signed undici client for tests that talk to the emulator directly. */
import { request, type Dispatcher } from 'undici';
import { signRequest } from '../signer.js';
import type { ModelartsEmulator } from './emulator.js';

export interface CallOptions {
  method?: string;
  query?: Record<string, string | number>;
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  headers?: Record<string, string>;
  /** `aksk` (default) signs with the emulator's credentials, `token` sends X-Auth-Token. */
  auth?: 'aksk' | 'token' | 'none';
  /** Sign with this secret instead (to provoke APIGW.0301). */
  secretKey?: string;
  /** Signing time; default the emulator's clock. */
  now?: Date;
  dispatcher?: Dispatcher;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export async function callEmulator(emulator: ModelartsEmulator, path: string, options: CallOptions = {}): Promise<CallResult> {
  const method = options.method ?? (options.json === undefined ? 'GET' : 'POST');
  const url = new URL(path, emulator.endpoint);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.append(key, String(value));
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  let headers: Record<string, string> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
  if ((options.auth ?? 'aksk') === 'aksk') {
    headers = signRequest(
      { method, url: url.href, headers, ...(body === undefined ? {} : { body }) },
      { accessKey: emulator.credentials.accessKey, secretKey: options.secretKey ?? emulator.credentials.secretKey, projectId: emulator.projectId },
      options.now ?? new Date(emulator.now()),
    );
  } else if (options.auth === 'token') {
    headers['X-Auth-Token'] = emulator.iamToken;
  }
  const response = await request(url, {
    method: method as Dispatcher.HttpMethod,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) flat[key] = Array.isArray(value) ? value.join(',') : value;
  return { status: response.statusCode, headers: flat, text: await response.body.text() };
}
