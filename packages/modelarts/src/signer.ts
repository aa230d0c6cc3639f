/**
 * Huawei Cloud AK/SK request signing, algorithm `SDK-HMAC-SHA256`, as implemented by
 * `@huaweicloud/huaweicloud-sdk-core` (AKSKSigner.js) and the Python core (signer.py).
 * Pure: node:crypto only, no clock reads (the caller passes `now`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignableRequest {
  method: string;
  /** Absolute URL, as it will go on the wire (path may be percent-encoded or not). */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface AkSkCredentials {
  accessKey: string;
  secretKey: string;
  /** Temporary credentials: sent (and signed) as X-Security-Token. */
  securityToken?: string;
  /** Project-scoped services: sent (and signed) as X-Project-Id. */
  projectId?: string;
}

/** `YYYYMMDD'T'HHMMSS'Z'` in UTC, the X-Sdk-Date format. */
export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Returns the headers to send: the caller's headers plus X-Sdk-Date, Host (when absent),
 * X-Project-Id / X-Security-Token (when given) and Authorization. Every header returned
 * except Authorization is signed, so send exactly these.
 */
export function signRequest(
  request: SignableRequest,
  credentials: AkSkCredentials,
  now: Date,
): Record<string, string> {
  const sdkDate = formatSdkDate(now);
  const headers = omitHeaders(request.headers, ['x-sdk-date', 'authorization']);
  headers['X-Sdk-Date'] = sdkDate;
  if (findHeader(headers, 'host') === undefined) headers.Host = new URL(request.url).host;
  if (credentials.projectId !== undefined) setHeader(headers, 'X-Project-Id', credentials.projectId);
  if (credentials.securityToken !== undefined) setHeader(headers, 'X-Security-Token', credentials.securityToken);

  const names = signedHeaderNames(headers);
  const canonical = canonicalRequest({ ...request, headers }, names);
  const signature = hmacHex(credentials.secretKey, stringToSign(sdkDate, canonical));
  headers.Authorization =
    `${SIGNING_ALGORITHM} Access=${credentials.accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

/**
 * The canonical request (six `\n`-joined lines). `signedHeaders` restricts and orders the
 * header block; by default every header present is signed, as the SDKs do.
 */
export function canonicalRequest(request: SignableRequest, signedHeaders?: readonly string[]): string {
  const url = new URL(request.url, 'http://origin.invalid');
  const names = signedHeaders ?? signedHeaderNames(request.headers);
  const headerBlock = names.map((name) => `${name}:${(findHeader(request.headers, name) ?? '').trim()}\n`).join('');
  return [
    request.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.searchParams),
    headerBlock,
    names.join(';'),
    payloadHash(request),
  ].join('\n');
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

/** A request as it arrived at a server (node's IncomingHttpHeaders fit `headers`). */
export interface ArrivedRequest {
  method: string;
  /** Origin-form target (`/v2/...?...`) or an absolute URL. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: string | Uint8Array;
}

export type SignatureCheck =
  | { ok: true; accessKey: string; sdkDate: string }
  | { ok: false; reason: 'malformed'; detail: string }
  | { ok: false; reason: 'unknown-access-key'; accessKey: string }
  | { ok: false; reason: 'expired'; accessKey: string; sdkDate: string }
  | { ok: false; reason: 'mismatch'; accessKey: string; canonicalRequest: string };

/**
 * Server side: recomputes the canonical request from what arrived, using the header list
 * in SignedHeaders, and compares signatures. On mismatch the server's canonical request is
 * returned so the caller can echo it (the gateway does, with `|` for `\n`).
 */
export function verifySignature(
  request: ArrivedRequest,
  secretFor: (accessKey: string) => string | undefined,
  now: Date,
  maxSkewMs = 15 * 60 * 1000,
): SignatureCheck {
  const headers = flattenHeaders(request.headers);
  const auth = parseAuthorization(findHeader(headers, 'authorization') ?? '');
  if (!auth) return { ok: false, reason: 'malformed', detail: 'authorization header is not SDK-HMAC-SHA256' };
  const sdkDate = findHeader(headers, 'x-sdk-date');
  const signedAt = sdkDate === undefined ? undefined : parseSdkDate(sdkDate);
  if (sdkDate === undefined || !signedAt) return { ok: false, reason: 'malformed', detail: 'x-sdk-date is missing or invalid' };

  const secret = secretFor(auth.accessKey);
  if (secret === undefined) return { ok: false, reason: 'unknown-access-key', accessKey: auth.accessKey };
  if (Math.abs(now.getTime() - signedAt.getTime()) > maxSkewMs) {
    return { ok: false, reason: 'expired', accessKey: auth.accessKey, sdkDate };
  }
  const canonical = canonicalRequest(
    { method: request.method, url: request.url, headers, ...(request.body === undefined ? {} : { body: request.body }) },
    auth.signedHeaders,
  );
  const expected = hmacHex(secret, stringToSign(sdkDate, canonical));
  return hexEqual(expected, auth.signature)
    ? { ok: true, accessKey: auth.accessKey, sdkDate }
    : { ok: false, reason: 'mismatch', accessKey: auth.accessKey, canonicalRequest: canonical };
}

interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(value);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  return { accessKey: m[1], signedHeaders: m[2].toLowerCase().split(';'), signature: m[3].toLowerCase() };
}

/** Each segment decoded, then encoded with only unreserved characters left bare; `/` always appended. */
function canonicalUri(pathname: string): string {
  const path = pathname.split('/').map((segment) => percentEncode(safeDecode(segment))).join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

/** Keys sorted (by decoded value, like the SDKs), repeated keys emitted once per value, values sorted. */
function canonicalQuery(params: URLSearchParams): string {
  const keys = [...new Set(params.keys())].sort(compareCodeUnits);
  return keys
    .flatMap((key) => params.getAll(key).sort(compareCodeUnits).map((value) => `${percentEncode(key)}=${percentEncode(value)}`))
    .join('&');
}

function payloadHash(request: SignableRequest): string {
  const declared = findHeader(request.headers, 'x-sdk-content-sha256');
  if (declared !== undefined) return declared;
  return request.body === undefined ? EMPTY_BODY_SHA256 : sha256Hex(request.body);
}

function signedHeaderNames(headers: Record<string, string>): string[] {
  return [...new Set(Object.keys(headers).map((name) => name.toLowerCase()))].sort(compareCodeUnits);
}

/** RFC 3986 unreserved set only: encodeURIComponent also leaves `!'()*` bare. */
function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function findHeader(headers: Record<string, string>, lowerName: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
  headers[name] = value;
}

function omitHeaders(headers: Record<string, string>, lowerNames: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !lowerNames.includes(name.toLowerCase())));
}

function flattenHeaders(headers: ArrivedRequest['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return flat;
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmacHex(key: string, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
