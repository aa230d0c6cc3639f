/**
 * OBS (S3-compatible) object serving under `/obs/<bucket>/<key>`: job artifacts and the
 * temporary log download URLs. Presigned URLs are verified (S3 v2 query auth, which the
 * ModelArts log URL uses), and so are header signatures (`OBS AK:sig` and `AWS AK:sig`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { toByteSource, type ByteSource, type LazyLog } from './bytes.js';
import { escapeXml, requestId, safeDecode, sendXml, type Exchange } from './http.js';

/** Service-owned bucket the log URLs point into; resolved live from the task logs. */
export const LOG_BUCKET = 'modelarts-training-log-cn-north-4';
/** The ModelArts service's own key that signs log URLs (never the user's). */
export const LOG_URL_ACCESS_KEY = 'MAOBSLOGSERVICE00001';

export interface StoredObject {
  source: ByteSource;
  lastModified: number;
  etag: string;
}

export class ObjectStore {
  readonly #buckets = new Map<string, Map<string, StoredObject>>();

  put(bucket: string, key: string, body: string | Uint8Array | LazyLog, now: number): void {
    const objects = this.#buckets.get(bucket) ?? new Map<string, StoredObject>();
    this.#buckets.set(bucket, objects);
    // An in-memory body gets its real MD5 ETag; hashing a lazy 200 MB object is not worth it.
    const etag = typeof body === 'string' || body instanceof Uint8Array
      ? createHash('md5').update(body).digest('hex')
      : createHash('md5').update(`${bucket}/${key}:${body.size}`).digest('hex');
    objects.set(key, { source: toByteSource(body), lastModified: now, etag });
  }

  hasBucket(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  get(bucket: string, key: string): StoredObject | undefined {
    return this.#buckets.get(bucket)?.get(key);
  }

  sortedKeys(bucket: string): string[] {
    return [...(this.#buckets.get(bucket)?.keys() ?? [])].sort();
  }
}

export interface PresignInput {
  endpoint: string;
  bucket: string;
  key: string;
  /** Epoch seconds. */
  expires: number;
  accessKey: string;
  secretKey: string;
}

/** `<endpoint>/obs/<bucket>/<key>?AWSAccessKeyId=..&Expires=..&Signature=..` (S3 v2 query auth, GET). */
export function presignObsUrl(input: PresignInput): string {
  const resource = `/${encodeURIComponent(input.bucket)}/${input.key.split('/').map(encodeURIComponent).join('/')}`;
  const signature = v2Signature(input.secretKey, 'GET', input.expires, resource);
  const query = new URLSearchParams({ AWSAccessKeyId: input.accessKey, Expires: String(input.expires), Signature: signature });
  return `${input.endpoint}/obs${resource}?${query.toString()}`;
}

function v2Signature(secretKey: string, method: string, expires: number, resource: string): string {
  return createHmac('sha1', secretKey).update(`${method}\n\n\n${expires}\n${resource}`).digest('base64');
}

export interface ObsContext {
  store: ObjectStore;
  /** Live task log behind a key of LOG_BUCKET. */
  logObject(key: string): StoredObject | undefined;
  accessKey: string;
  secretKey: string;
  logUrlSecret: string;
  clock: () => number;
  listing?: ObsListing;
}

export async function handleObs(exchange: Exchange, ctx: ObsContext, brokenListing = false): Promise<void> {
  const { req, res, url } = exchange;
  const resource = url.pathname.slice('/obs'.length);
  const [, rawBucket = '', ...rawKey] = resource.split('/');
  const bucket = safeDecode(rawBucket);
  const key = rawKey.map(safeDecode).join('/');
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return s3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');

  const denied = authorize(exchange, ctx, method, resource);
  if (denied) return s3Error(res, 403, denied.code, denied.message, denied.extra);

  if (key === '') {
    if (bucket === LOG_BUCKET) return s3Error(res, 403, 'AccessDenied', 'Access Denied');
    if (!ctx.store.hasBucket(bucket)) return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    return listObjects(res, url, bucket, ctx.store, ctx.listing ?? {}, brokenListing);
  }
  const object = bucket === LOG_BUCKET ? ctx.logObject(key) : ctx.store.get(bucket, key);
  if (!object) {
    if (bucket !== LOG_BUCKET && !ctx.store.hasBucket(bucket)) return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
  }
  await serveObject(exchange, key, object);
}

interface Denial {
  code: string;
  message: string;
  extra?: Record<string, string>;
}

function authorize(exchange: Exchange, ctx: ObsContext, method: string, resource: string): Denial | undefined {
  const { url, req } = exchange;
  const accessKey = url.searchParams.get('AWSAccessKeyId');
  if (accessKey !== null) {
    const secret = accessKey === LOG_URL_ACCESS_KEY ? ctx.logUrlSecret : accessKey === ctx.accessKey ? ctx.secretKey : undefined;
    if (secret === undefined) return { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
    const expires = Number(url.searchParams.get('Expires'));
    const now = ctx.clock();
    if (!Number.isInteger(expires) || Math.floor(now / 1000) > expires) {
      return {
        code: 'AccessDenied',
        message: 'Request has expired',
        extra: { Expires: new Date(expires * 1000).toISOString(), ServerTime: new Date(now).toISOString() },
      };
    }
    const expected = Buffer.from(v2Signature(secret, method, expires, resource));
    const given = Buffer.from(url.searchParams.get('Signature') ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' };
    }
    return undefined;
  }
  return verifyHeaderSignature(req.headers, ctx, method, resource, url.searchParams);
}

/**
 * Sub-resources that belong in the CanonicalizedResource (the OBS reference's list, "Authentication
 * of Signature in a Header"); `prefix`, `marker`, `max-keys` are not among them.
 */
const SUB_RESOURCES = new Set(
  ('acl attname cors customdomain delete deletebucket encryption inventory length lifecycle location logging metadata modify name ' +
    'notification partnumber policy position quota rename replication requestpayment response-cache-control response-content-disposition ' +
    'response-content-encoding response-content-language response-content-type response-expires restore storageclass storagepolicy ' +
    'storageinfo tagging torrent truncate uploadid uploads versionid versioning versions website object-lock retention x-obs-security-token').split(' '),
);

/**
 * Header signatures in both schemes OBS accepts: `OBS AK:sig` over `x-obs-*` headers (the OBS
 * reference) and `AWS AK:sig` over `x-amz-*` headers (S3 v2, what Huawei's OBS SDK sends with
 * path-style addressing). Signature = base64 HMAC-SHA1(SK, VERB\nContent-MD5\nContent-Type\nDate\n
 * <sorted prefixed headers><resource>), Date empty when `x-obs-date`/`x-amz-date` is sent, and the
 * request's time within 15 minutes of the server's.
 */
function verifyHeaderSignature(headers: IncomingHttpHeaders, ctx: ObsContext, method: string, resource: string, query: URLSearchParams): Denial | undefined {
  const authorization = headers.authorization;
  if (authorization === undefined) return { code: 'AccessDenied', message: 'Access Denied' };
  const m = /^(OBS|AWS) ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (!m) return { code: 'AccessDenied', message: 'Unsupported Authorization Type' };
  const [, scheme, accessKey, given] = m as unknown as [string, 'OBS' | 'AWS', string, string];
  if (accessKey !== ctx.accessKey) return { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  const prefix = scheme === 'OBS' ? 'x-obs-' : 'x-amz-';
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(',') : value ?? '';
  };
  const prefixedDate = one(`${prefix}date`);
  const when = Date.parse(prefixedDate || one('date'));
  const now = ctx.clock();
  if (!Number.isFinite(when)) return { code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header' };
  if (Math.abs(now - when) > 15 * 60 * 1000) {
    return { code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the server\'s time is too large.', extra: { ServerTime: new Date(now).toISOString() } };
  }
  const canonicalHeaders = Object.keys(headers)
    .filter((name) => name.startsWith(prefix))
    .sort()
    .map((name) => `${name}:${one(name).trim()}\n`)
    .join('');
  const subResources = [...new Set(query.keys())]
    .filter((key) => SUB_RESOURCES.has(key.toLowerCase()))
    .sort()
    .map((key) => (query.get(key) ? `${key}=${query.get(key)}` : key));
  const canonicalResource = resource + (subResources.length > 0 ? `?${subResources.join('&')}` : '');
  const stringToSign = `${method}\n${one('content-md5')}\n${one('content-type')}\n${prefixedDate ? '' : one('date')}\n${canonicalHeaders}${canonicalResource}`;
  const expected = Buffer.from(createHmac('sha1', ctx.secretKey).update(stringToSign, 'utf8').digest('base64'));
  const received = Buffer.from(given);
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) {
    return {
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      extra: { StringToSign: stringToSign },
    };
  }
  return undefined;
}

const CHUNK_BYTES = 64 * 1024;

async function serveObject(exchange: Exchange, key: string, object: StoredObject): Promise<void> {
  const { req, res } = exchange;
  const size = object.source.size();
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    'content-type': contentType(key),
    etag: `"${object.etag}"`,
    'last-modified': new Date(object.lastModified).toUTCString(),
    server: 'OBS',
    'x-amz-request-id': requestId(),
  };
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    return s3Error(res, 416, 'InvalidRange', 'The requested range is not satisfiable', { RangeRequested: req.headers.range ?? '' }, { 'content-range': `bytes */${size}` });
  }
  const [start, end] = range ?? [0, size];
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'content-length': String(end - start),
    ...(range ? { 'content-range': `bytes ${start}-${end - 1}/${size}` } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  for (let offset = start; offset < end && !res.destroyed; offset += CHUNK_BYTES) {
    if (!res.write(object.source.read(offset, Math.min(CHUNK_BYTES, end - offset)))) await drained(res);
  }
  res.end();
}

/** Single `bytes=` range as [start, endExclusive]; several ranges are ignored (full body), as S3 does. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : [Math.max(0, size - suffix), size];
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size : Math.min(size, Number(last) + 1);
  return end <= start ? undefined : [start, end];
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** How the emulator pages listings: OBS's documented defaults unless a test asks otherwise. */
export interface ObsListing {
  /** Keys per page at most (the request's max-keys still applies). Default 1000, OBS's maximum. */
  pageSize?: number;
  /**
   * Send NextMarker on a truncated page. Default true: OBS's reference says it is returned when not
   * every object is listed. false answers as S3 does without a delimiter (no NextMarker; the client
   * resumes after the page's last key).
   */
  nextMarker?: boolean;
}

/**
 * OBS "Listing Objects in a Bucket": `GET /<bucket>?prefix=&marker=&max-keys=&delimiter=` answered
 * with `IsTruncated` and `NextMarker`. Other parameters (`list-type=2`, `continuation-token`) are
 * ignored, as a server that only knows the documented form would ignore them.
 */
function listObjects(res: ServerResponse, url: URL, bucket: string, store: ObjectStore, listing: ObsListing, brokenPage: boolean): void {
  const prefix = url.searchParams.get('prefix') ?? '';
  const delimiter = url.searchParams.get('delimiter') ?? '';
  const marker = url.searchParams.get('marker') ?? '';
  const requested = Number(url.searchParams.get('max-keys') ?? 1000);
  const maxKeys = Math.min(1000, Number.isInteger(requested) && requested > 0 ? requested : 1000);
  const pageSize = Math.min(maxKeys, listing.pageSize ?? 1000);

  const contents: string[] = [];
  const prefixes = new Set<string>();
  let lastEmitted = '';
  let truncated = false;
  // A marker naming a common prefix resumes after every key under it.
  const afterGroup = delimiter !== '' && marker.endsWith(delimiter) ? marker : undefined;
  for (const key of brokenPage ? [] : store.sortedKeys(bucket)) {
    if (!key.startsWith(prefix) || key <= marker || (afterGroup !== undefined && key.startsWith(afterGroup))) continue;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const commonPrefix = cut === -1 ? undefined : key.slice(0, cut + delimiter.length);
    if (commonPrefix !== undefined && prefixes.has(commonPrefix)) continue;
    if (contents.length + prefixes.size >= pageSize) {
      truncated = true;
      break;
    }
    lastEmitted = commonPrefix ?? key;
    if (commonPrefix !== undefined) {
      prefixes.add(commonPrefix);
      continue;
    }
    const object = store.get(bucket, key);
    if (!object) continue;
    contents.push(
      `<Contents><Key>${escapeXml(key)}</Key><LastModified>${new Date(object.lastModified).toISOString()}</LastModified>` +
        `<ETag>"${object.etag}"</ETag><Size>${object.source.size()}</Size><Owner><ID>0123456789abcdef0123456789abcdef</ID></Owner>` +
        '<StorageClass>STANDARD</StorageClass></Contents>',
    );
  }
  // The fault: a page that claims more but names no way on (no NextMarker, no key to resume after).
  if (brokenPage) truncated = true;
  const nextMarker = truncated && !brokenPage && (listing.nextMarker ?? true) ? `<NextMarker>${escapeXml(lastEmitted)}</NextMarker>` : '';
  const xml =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    `<ListBucketResult xmlns="http://obs.example.com/doc/2015-06-30/"><Name>${escapeXml(bucket)}</Name>` +
    `<Prefix>${escapeXml(prefix)}</Prefix><Marker>${escapeXml(marker)}</Marker>${nextMarker}` +
    `<MaxKeys>${maxKeys}</MaxKeys>${delimiter ? `<Delimiter>${escapeXml(delimiter)}</Delimiter>` : ''}<IsTruncated>${truncated}</IsTruncated>` +
    contents.join('') +
    [...prefixes].map((p) => `<CommonPrefixes><Prefix>${escapeXml(p)}</Prefix></CommonPrefixes>`).join('') +
    '</ListBucketResult>';
  sendXml(res, 200, xml, { server: 'OBS', 'x-obs-request-id': requestId() });
}

export function s3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): void {
  const id = requestId();
  const fields = Object.entries(extra).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('');
  sendXml(res, status, `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${fields}<RequestId>${id}</RequestId><HostId>${id}</HostId></Error>`, {
    ...headers,
    server: 'OBS',
    'x-amz-request-id': id,
  });
}

function contentType(key: string): string {
  if (/\.(log|txt)$/.test(key)) return 'text/plain';
  if (key.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}
