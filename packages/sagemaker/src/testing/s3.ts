// S3 (REST-XML, path-style `/<bucket>/<key>`): GetObject with Range, HeadObject, ListObjectsV2,
// HeadBucket and ListBuckets. Configure S3Client with `forcePathStyle: true`: virtual-hosted
// `<bucket>.127.0.0.1` does not resolve. (client-s3 3.1169 already falls back to path style for an
// IP-address endpoint such as AWS_ENDPOINT_URL=http://127.0.0.1:PORT, but not for `localhost`.)
//
// Object bodies may be generated on demand so a multi-gigabyte artifact costs no memory.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, pipeline } from 'node:stream';
import { encodeToken, decodeToken, isObject } from './wire.js';

/** A body held in memory, or one computed from (offset, length) on each read. */
export type ObjectBody = Buffer | { size: number; generate: (offset: number, length: number) => Buffer };

export interface PutObjectOptions {
  contentType?: string;
  /** Date or epoch milliseconds; defaults to the emulator clock. */
  lastModified?: Date | number;
}

interface StoredObject {
  key: string;
  body: ObjectBody;
  size: number;
  etag: string;
  contentType: string;
  lastModified: Date;
}

const CHUNK_BYTES = 1 << 20;
const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export class ObjectStore {
  private readonly buckets = new Map<string, { created: Date; objects: Map<string, StoredObject> }>();

  constructor(private readonly clock: () => number) {}

  put(bucket: string, key: string, body: ObjectBody, options: PutObjectOptions = {}): void {
    let store = this.buckets.get(bucket);
    if (!store) {
      store = { created: new Date(this.clock()), objects: new Map() };
      this.buckets.set(bucket, store);
    }
    const size = Buffer.isBuffer(body) ? body.length : body.size;
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`invalid object size for s3://${bucket}/${key}`);
    store.objects.set(key, {
      key,
      body,
      size,
      etag: etagOf(bucket, key, body),
      contentType: options.contentType ?? 'application/octet-stream',
      lastModified: new Date(options.lastModified ?? this.clock()),
    });
  }

  /** Names the S3 operation a request maps to (for the request log and fault matching). */
  operationOf(method: string, url: URL): string {
    const [bucket, key] = splitPath(url.pathname);
    if (bucket === '') return 'ListBuckets';
    if (key === '') {
      if (method === 'HEAD') return 'HeadBucket';
      return url.searchParams.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    }
    return method === 'HEAD' ? 'HeadObject' : method === 'GET' ? 'GetObject' : `${method}Object`;
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): void {
    const method = req.method ?? 'GET';
    const operation = this.operationOf(method, url);
    const [bucketName, key] = splitPath(url.pathname);
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', Buffer.from(requestId).toString('base64'));

    if (operation === 'ListBuckets') return this.listBuckets(res);
    const bucket = this.buckets.get(bucketName);
    if (!bucket) {
      return sendError(res, method, 404, 'NoSuchBucket', 'The specified bucket does not exist', requestId, { BucketName: bucketName });
    }
    switch (operation) {
      case 'HeadBucket':
        res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1' }).end();
        return;
      case 'ListObjectsV2':
        return listObjectsV2(res, bucketName, bucket.objects, url.searchParams, requestId);
      case 'GetObject':
      case 'HeadObject': {
        const object = bucket.objects.get(key);
        if (!object) return sendError(res, method, 404, 'NoSuchKey', 'The specified key does not exist.', requestId, { Key: key });
        return sendObject(req, res, object, method === 'HEAD', requestId);
      }
      default:
        return sendError(res, method, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', requestId, { Method: method, ResourceType: 'OBJECT' });
    }
  }

  private listBuckets(res: ServerResponse): void {
    const buckets = [...this.buckets.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, bucket]) => `<Bucket><Name>${xml(name)}</Name><CreationDate>${bucket.created.toISOString()}</CreationDate></Bucket>`)
      .join('');
    sendXml(res, 200, `<ListAllMyBucketsResult xmlns="${S3_NAMESPACE}"><Owner><ID>runlens</ID><DisplayName>runlens</DisplayName></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`);
  }
}

function splitPath(pathname: string): [bucket: string, key: string] {
  const path = pathname.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  const bucket = slash < 0 ? path : path.slice(0, slash);
  const key = slash < 0 ? '' : path.slice(slash + 1);
  return [decodeURIComponent(bucket), decodeURIComponent(key)];
}

function sendObject(req: IncomingMessage, res: ServerResponse, object: StoredObject, headOnly: boolean, requestId: string): void {
  const headers: Record<string, string | number> = {
    'Content-Type': object.contentType,
    ETag: object.etag,
    'Last-Modified': object.lastModified.toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  let start = 0;
  let end = object.size - 1;
  let status = 200;
  const range = headOnly ? undefined : parseRange(req.headers.range, object.size);
  if (range === 'unsatisfiable') {
    return sendError(res, 'GET', 416, 'InvalidRange', 'The requested range is not satisfiable', requestId, {
      RangeRequested: String(req.headers.range),
      ActualObjectSize: String(object.size),
    });
  }
  if (range) {
    [start, end] = range;
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${object.size}`;
  }
  headers['Content-Length'] = Math.max(0, end - start + 1);
  res.writeHead(status, headers);
  if (headOnly || end < start) {
    res.end();
    return;
  }
  pipeline(Readable.from(chunks(object.body, start, end)), res, () => {
    // A client that hangs up mid-body is normal (ranged readers cancel); nothing to report.
  });
}

function* chunks(body: ObjectBody, start: number, end: number): Generator<Buffer> {
  for (let offset = start; offset <= end; offset += CHUNK_BYTES) {
    const length = Math.min(CHUNK_BYTES, end - offset + 1);
    yield Buffer.isBuffer(body) ? body.subarray(offset, offset + length) : body.generate(offset, length);
  }
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; anything else is ignored (whole object), as S3 does. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return [start, end];
}

function listObjectsV2(res: ServerResponse, bucketName: string, objects: Map<string, StoredObject>, params: URLSearchParams, requestId: string): void {
  const prefix = params.get('prefix') ?? '';
  const delimiter = params.get('delimiter') ?? '';
  const startAfter = params.get('start-after') ?? '';
  const maxKeysParam = params.get('max-keys');
  const maxKeys = maxKeysParam === null ? 1000 : Math.min(1000, Number(maxKeysParam));
  const token = params.get('continuation-token');
  const urlEncode = params.get('encoding-type') === 'url';
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    return sendError(res, 'GET', 400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range', requestId, { ArgumentName: 'max-keys' });
  }
  let after = startAfter;
  if (token !== null) {
    const decoded = decodeToken(token);
    if (!isObject(decoded) || typeof decoded['after'] !== 'string') {
      return sendError(res, 'GET', 400, 'InvalidArgument', 'The continuation token provided is incorrect', requestId, { ArgumentName: 'continuation-token' });
    }
    after = decoded['after'];
  }

  // Walk keys in order; keys below a delimiter collapse into one CommonPrefix entry.
  const keys = [...objects.keys()].filter((key) => key.startsWith(prefix) && key > after).sort();
  const contents: StoredObject[] = [];
  const commonPrefixes: string[] = [];
  let last = '';
  let truncated = false;
  for (const key of keys) {
    if (commonPrefixes.length > 0 && key.startsWith(commonPrefixes.at(-1)!)) continue;
    if (contents.length + commonPrefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter.length);
      commonPrefixes.push(common);
      // Resume after every key under this prefix.
      last = `${common}\uffff`;
    } else {
      contents.push(objects.get(key)!);
      last = key;
    }
  }
  const encode = (value: string) => xml(urlEncode ? encodeURIComponent(value).replace(/%2F/g, '/') : value);
  const body = [
    `<ListBucketResult xmlns="${S3_NAMESPACE}">`,
    `<Name>${xml(bucketName)}</Name>`,
    `<Prefix>${encode(prefix)}</Prefix>`,
    delimiter === '' ? '' : `<Delimiter>${encode(delimiter)}</Delimiter>`,
    startAfter === '' ? '' : `<StartAfter>${encode(startAfter)}</StartAfter>`,
    `<KeyCount>${contents.length + commonPrefixes.length}</KeyCount>`,
    `<MaxKeys>${maxKeys}</MaxKeys>`,
    urlEncode ? '<EncodingType>url</EncodingType>' : '',
    `<IsTruncated>${truncated}</IsTruncated>`,
    token === null ? '' : `<ContinuationToken>${xml(token)}</ContinuationToken>`,
    truncated ? `<NextContinuationToken>${encodeToken({ after: last })}</NextContinuationToken>` : '',
    ...contents.map(
      (object) =>
        `<Contents><Key>${encode(object.key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>${xml(object.etag)}</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    ),
    ...commonPrefixes.map((common) => `<CommonPrefixes><Prefix>${encode(common)}</Prefix></CommonPrefixes>`),
    '</ListBucketResult>',
  ].join('');
  sendXml(res, 200, body);
}

/** S3's XML error body; HEAD answers carry no body, so the SDK maps them by status (NotFound). */
export function sendError(res: ServerResponse, method: string, status: number, code: string, message: string, requestId: string, extra: Record<string, string> = {}): void {
  if (method === 'HEAD') {
    res.writeHead(status).end();
    return;
  }
  const fields = Object.entries(extra).map(([name, value]) => `<${name}>${xml(value)}</${name}>`).join('');
  sendXml(res, status, `<Error><Code>${code}</Code><Message>${xml(message)}</Message>${fields}<RequestId>${requestId}</RequestId><HostId>${Buffer.from(requestId).toString('base64')}</HostId></Error>`);
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  const payload = XML_HEADER + body;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(payload) }).end(payload);
}

function xml(value: string): string {
  return value.replace(/[<>&"']/g, (char) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[char]};`);
}

/** MD5 of an in-memory body; generated bodies get a multipart-style ETag (they were "uploaded" in 8 MiB parts). */
function etagOf(bucket: string, key: string, body: ObjectBody): string {
  if (Buffer.isBuffer(body)) return `"${createHash('md5').update(body).digest('hex')}"`;
  const parts = Math.max(1, Math.ceil(body.size / (8 << 20)));
  return `"${createHash('md5').update(`${bucket}/${key}:${body.size}`).digest('hex')}-${parts}"`;
}
