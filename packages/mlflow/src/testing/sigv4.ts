// The SageMaker flavour's check of a SigV4-signed request, written from AWS's published algorithm
// (Signature Version 4: canonical request, string to sign, derived key) independently of the signer
// the client uses, so that a client that signs something other than what it sends fails here.
// The refusals use the generic AWS JSON error shape (403, `x-amzn-ErrorType`, `{"message"}`); what
// SageMaker managed MLflow itself answers is UNVERIFIED (docs/providers/mlflow.md).
import { createHash, createHmac } from 'node:crypto';

export interface Sigv4Expectation {
  readonly arn: string;
  readonly region: string;
  /** Default `sagemaker-mlflow`. */
  readonly service?: string;
  /** Default `x-mlflow-sm-tracking-server-arn`. */
  readonly arnHeader?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface Sigv4Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export interface SignedRequestView {
  readonly method: string;
  /** The request target as received: raw path and query. */
  readonly rawUrl: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

const SKEW_MS = 15 * 60_000;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 unreserved characters stay, everything else is %XX (upper case). */
export function awsEscape(text: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Non-S3 services: the path as received, dot segments and empty segments removed, escaped once more. */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return awsEscape(normalized, true);
}

/** Each name and value percent-decoded (a `+` stays a `+`) and escaped again, sorted by name then value. */
function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const key = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      return [awsEscape(decode(key)), awsEscape(decode(value))] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(',') : value);

/** `20261202T120000Z` → epoch ms, or NaN. */
function amzDateMs(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : Number.NaN;
}

const refuse = (code: string, message: string, status = 403): Sigv4Refusal => ({ status, code, message });

/** undefined when the request is signed as SageMaker managed MLflow expects; else the refusal. */
/**
 * `s3`: S3's rules instead: no ARN header, and the canonical path is the path as sent (S3 neither
 * normalises nor escapes it again, unlike every other service).
 */
export function verifySigv4(request: SignedRequestView, expected: Sigv4Expectation, now: number, mode: { s3?: boolean } = {}): Sigv4Refusal | undefined {
  const service = expected.service ?? 'sagemaker-mlflow';
  const arnHeader = expected.arnHeader ?? 'x-mlflow-sm-tracking-server-arn';
  const authorization = headerValue(request.headers.authorization);
  if (!authorization) return refuse('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const parsed = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!parsed) return refuse('IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature parameters.');
  const [, keyId, day, region, signedService, signedHeaderList, signature] = parsed as unknown as [string, string, string, string, string, string, string];
  if (keyId !== expected.accessKeyId) return refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (expected.sessionToken !== undefined && headerValue(request.headers['x-amz-security-token']) !== expected.sessionToken) {
    return refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  if (region !== expected.region) return refuse('InvalidSignatureException', `Credential should be scoped to a valid region.`);
  if (signedService !== service) return refuse('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`);
  const amzDate = headerValue(request.headers['x-amz-date']) ?? '';
  const at = amzDateMs(amzDate);
  if (Number.isNaN(at) || !amzDate.startsWith(day)) return refuse('IncompleteSignatureException', 'Date must be in ISO-8601 \'basic format\'.');
  if (Math.abs(now - at) > SKEW_MS) return refuse('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier or later than allowed.`);
  const signedHeaders = signedHeaderList.split(';');
  for (const required of mode.s3 ? ['host', 'x-amz-date'] : ['host', 'x-amz-date', arnHeader]) {
    if (!signedHeaders.includes(required)) return refuse('InvalidSignatureException', `'${required}' must be a signed header.`);
  }
  if (!mode.s3 && headerValue(request.headers[arnHeader]) !== expected.arn) return refuse('AccessDeniedException', `The request is not for this resource (${arnHeader}).`);
  const contentHash = headerValue(request.headers['x-amz-content-sha256']);
  if (contentHash !== undefined && contentHash !== 'UNSIGNED-PAYLOAD' && contentHash !== sha256(request.body)) {
    return refuse('InvalidSignatureException', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const queryAt = request.rawUrl.indexOf('?');
  const rawPath = queryAt < 0 ? request.rawUrl : request.rawUrl.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? '' : request.rawUrl.slice(queryAt + 1);
  const headerLines = signedHeaders.map((name) => `${name}:${(headerValue(request.headers[name]) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [request.method, mode.s3 ? rawPath : canonicalPath(rawPath), canonicalQuery(rawQuery), headerLines, signedHeaderList, contentHash ?? sha256(request.body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${expected.secretAccessKey}`, day), region), service), 'aws4_request');
  const expectedSignature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  if (expectedSignature !== signature) {
    return refuse('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
  return undefined;
}
