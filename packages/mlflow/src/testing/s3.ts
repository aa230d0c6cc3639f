/**
 * The SageMaker flavour's S3-backed artifact store (`startMlflowEmulator({ s3: … })`): runs keep
 * artifacts at `s3://<bucket>/<experiment>/<run>/artifacts`, as a managed tracking server's do, and
 * the emulator serves a loopback S3 endpoint (`/_s3/<bucket>/<key>`, path style) beside the tracking API:
 * - `POST /api/2.0/mlflow/artifacts/presigned-upload-url {run_id, path, expiration?}` →
 *   `{presigned_url, headers}` (mlflow/mlflow PR #21039, the endpoint the sagemaker-mlflow plugin's
 *   `S3PresignedArtifactRepository` calls); the URL is a query-signed PUT for the key, checked here for
 *   its signature, its expiry (X-Amz-Date + X-Amz-Expires against the emulator clock) and the headers
 *   the answer said to send; an expired one is refused as S3 refuses it (403 AccessDenied, "Request has expired").
 * - `GET`/`PUT /_s3/<bucket>/<key>` signed with SigV4 for service `s3` (the plugin's direct
 *   `S3ArtifactRepository` route with the caller's credentials), `Range: bytes=N-` honoured.
 * The presigned signature is the emulator's own HMAC, not AWS's query-signing algorithm: only the
 * emulator checks it, and the client must treat the URL as opaque (as S3 clients do).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorConfig } from './emulator.js';
import { invalid, jsonBody, missing, optionalInt, requireString, sendJson, type Exchange } from './http.js';
import type { TrackingState } from './state.js';
import { verifySigv4, type Sigv4Expectation } from './sigv4.js';

export interface S3FlavourOptions {
  readonly bucket: string;
  /** Headers the presigned-upload answer tells the client to send (and the PUT must carry). Default `x-amz-server-side-encryption: AES256`. */
  readonly uploadHeaders?: Readonly<Record<string, string>>;
}

export class S3Flavour {
  private readonly secret = randomBytes(32);
  /** URLs still to be issued already expired (a test of a URL that expires before its PUT lands). */
  expireNext = 0;
  /** Refuse signed PUTs (a role that may call the tracking server but lacks s3:PutObject). */
  denyPuts = false;
  /** Multipart uploads under way, by upload id. */
  readonly uploads = new Map<string, { key: string; parts: Map<number, { bytes: Buffer; etag: string }> }>();
  /** Multipart uploads completed and aborted (tests). */
  readonly multipart = { completed: 0, aborted: 0 };
  /** Presigned URLs issued, for tests (never printed by the client). */
  readonly issued: string[] = [];
  readonly uploadHeaders: Readonly<Record<string, string>>;

  constructor(
    readonly options: S3FlavourOptions,
    private readonly state: TrackingState,
    private readonly config: EmulatorConfig,
    private readonly sigv4: Sigv4Expectation | undefined,
  ) {
    this.uploadHeaders = options.uploadHeaders ?? { 'x-amz-server-side-encryption': 'AES256' };
  }

  private sign(method: string, path: string, date: number, expires: number): string {
    return createHmac('sha256', this.secret).update(`${method}\n${path}\n${date}\n${expires}`).digest('hex');
  }

  /** CreateMultipartUpload (`POST ?uploads`), UploadPart (`PUT ?partNumber&uploadId`), CompleteMultipartUpload (`POST ?uploadId`), AbortMultipartUpload (`DELETE ?uploadId`). */
  multipartCall(exchange: Exchange, key: string, uploadId: string | null): void {
    const { res, method, url } = exchange;
    if (method === 'POST' && uploadId === null) {
      const id = randomBytes(16).toString('base64url');
      this.uploads.set(id, { key, parts: new Map() });
      const body = xml(`<InitiateMultipartUploadResult><Bucket>${this.options.bucket}</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const upload = uploadId === null ? undefined : this.uploads.get(uploadId);
    if (!upload || upload.key !== key) return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
    if (method === 'PUT') {
      const n = Number(url.searchParams.get('partNumber'));
      if (!Number.isInteger(n) || n < 1 || n > 10_000) return s3Error(res, 400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
      const etag = `"${createHash('md5').update(exchange.body).digest('hex')}"`;
      upload.parts.set(n, { bytes: exchange.body, etag });
      res.writeHead(200, { etag, 'content-length': 0 });
      res.end();
      return;
    }
    if (method === 'DELETE') {
      this.uploads.delete(uploadId!);
      this.multipart.aborted++;
      res.writeHead(204);
      res.end();
      return;
    }
    if (method === 'POST') {
      const listed = [...exchange.body.toString('utf8').matchAll(/<Part>\s*<PartNumber>(\d+)<\/PartNumber>\s*<ETag>([^<]*)<\/ETag>\s*<\/Part>/g)].map((m) => ({ n: Number(m[1]), etag: m[2]!.replace(/&quot;/g, '"') }));
      if (listed.length === 0) return s3Error(res, 400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
      const chunks: Buffer[] = [];
      for (let i = 0; i < listed.length; i++) {
        const { n, etag } = listed[i]!;
        if (i > 0 && n <= listed[i - 1]!.n) return s3Error(res, 400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
        const part = upload.parts.get(n);
        if (!part || part.etag !== etag) return s3Error(res, 400, 'InvalidPart', 'One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part\'s entity tag.');
        if (i < listed.length - 1 && part.bytes.byteLength < MIN_PART) return s3Error(res, 400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
        chunks.push(part.bytes);
      }
      this.state.artifacts.set(key, Buffer.concat(chunks));
      this.uploads.delete(uploadId!);
      this.multipart.completed++;
      const body = xml(`<CompleteMultipartUploadResult><Bucket>${this.options.bucket}</Bucket><Key>${key}</Key><ETag>"multipart-${listed.length}"</ETag></CompleteMultipartUploadResult>`);
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    s3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }

  /** The tracking API's `artifacts/presigned-upload-url`. */
  presignedUpload(exchange: Exchange): void {
    const body = jsonBody(exchange);
    const runId = requireString(body, 'run_id');
    const path = requireString(body, 'path');
    const expiration = optionalInt(body, 'expiration') ?? 900;
    if (expiration < 1 || expiration > 7 * 24 * 3600) throw invalid(`Invalid value ${expiration} for parameter 'expiration' supplied.`);
    const run = this.state.runs.get(runId);
    if (!run) throw missing(`Run '${runId}' not found`);
    const parts = path.split('/');
    if (path === '' || path.startsWith('/') || parts.includes('..') || parts.includes('.') || parts.includes('')) throw invalid(`Invalid path '${path}'`);
    const key = `${this.state.artifactRoot(run)}/${path}`;
    const urlPath = `/_s3/${this.options.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
    let date = this.config.clock();
    if (this.expireNext > 0) {
      this.expireNext--;
      date -= (expiration + 1) * 1000;
    }
    const query = `X-Amz-Date=${date}&X-Amz-Expires=${expiration}&X-Amz-Signature=${this.sign('PUT', urlPath, date, expiration)}`;
    const url = `${this.config.baseUrl}${urlPath}?${query}`;
    this.issued.push(url);
    sendJson(exchange.res, 200, { presigned_url: url, headers: this.uploadHeaders });
  }

  /** `/_s3/<bucket>/<key>`: a presigned PUT, or a SigV4-signed (service s3) GET or PUT. */
  handle(req: IncomingMessage, exchange: Exchange): void {
    const { res, url, method } = exchange;
    const match = /^\/_s3\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match || match[1] !== this.options.bucket) return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    const key = match[2]!.split('/').map((s) => decodeURIComponent(s)).join('/');
    const presigned = url.searchParams.get('X-Amz-Signature');
    if (presigned !== null) {
      const date = Number(url.searchParams.get('X-Amz-Date'));
      const expires = Number(url.searchParams.get('X-Amz-Expires'));
      if (method !== 'PUT' || this.sign(method, url.pathname, date, expires) !== presigned) {
        return s3Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
      }
      if (this.config.clock() > date + expires * 1000) return s3Error(res, 403, 'AccessDenied', 'Request has expired');
      for (const [name, value] of Object.entries(this.uploadHeaders)) {
        if (req.headers[name.toLowerCase()] !== value) return s3Error(res, 403, 'AccessDenied', `There were headers present in the request which were not signed (${name})`);
      }
    } else {
      if (!this.sigv4) return s3Error(res, 403, 'AccessDenied', 'Access Denied');
      const refusal = verifySigv4({ method, rawUrl: req.url ?? '/', headers: req.headers, body: exchange.body }, { ...this.sigv4, service: 's3' }, this.config.clock(), { s3: true });
      if (refusal) {
        const code = refusal.code === 'UnrecognizedClientException' ? 'InvalidAccessKeyId' : refusal.code === 'MissingAuthenticationTokenException' ? 'AccessDenied' : 'SignatureDoesNotMatch';
        return s3Error(res, 403, code, refusal.message);
      }
    }
    const write = method === 'PUT' || method === 'POST';
    if ((this.config.readOnly || (this.denyPuts && presigned === null)) && write) return s3Error(res, 403, 'AccessDenied', 'Access Denied');
    const uploadId = url.searchParams.get('uploadId');
    if (presigned === null && (url.searchParams.has('uploads') || uploadId !== null)) return this.multipartCall(exchange, key, uploadId);
    if (method === 'PUT') {
      this.state.artifacts.set(key, exchange.body);
      res.writeHead(200, { etag: `"${createHash('md5').update(exchange.body).digest('hex')}"`, 'content-length': 0 });
      res.end();
      return;
    }
    if (method === 'GET') {
      const bytes = this.state.artifacts.get(key);
      if (!bytes) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      const range = /^bytes=(\d+)-$/.exec(exchange.range ?? '');
      if (range) {
        const from = Number(range[1]);
        if (from >= bytes.byteLength) return s3Error(res, 416, 'InvalidRange', 'The requested range is not satisfiable');
        res.writeHead(206, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength - from, 'content-range': `bytes ${from}-${bytes.byteLength - 1}/${bytes.byteLength}` });
        res.end(bytes.subarray(from));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength });
      res.end(bytes);
      return;
    }
    s3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }
}

const MIN_PART = 5 * 1024 * 1024;
const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;

/** S3's REST error: an XML body `<Error><Code>…</Code><Message>…</Message></Error>`. */
function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message><RequestId>0000000000000000</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
