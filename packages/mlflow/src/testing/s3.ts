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
    if ((this.config.readOnly || (this.denyPuts && presigned === null)) && method === 'PUT') return s3Error(res, 403, 'AccessDenied', 'Access Denied');
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

/** S3's REST error: an XML body `<Error><Code>…</Code><Message>…</Message></Error>`. */
function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message><RequestId>0000000000000000</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
