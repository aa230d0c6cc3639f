// SigV4 signing for SageMaker managed MLflow, as the sagemaker-mlflow plugin signs ([SM] auth.py
// `AuthBoto`): service `sagemaker-mlflow` (an MLflow app: `sagemaker`), the ARN's region, the ARN in
// its routing header (signed), `X-Amz-Content-SHA256` set to the body's SHA-256, query values
// encoded with %20 (never `+`). Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN]
// from the environment given, else the AWS SDK's node provider chain (`defaultProvider`) (profile files, SSO, container
// and instance roles; AWS_PROFILE). @smithy/signature-v4 and the chain load on the first request.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { authError, registerSecret, RunlensError } from '@runlens/core';
import type { AuthRequest, MlflowAuth } from './auth.js';
import type { Env } from './targets.js';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface Sigv4Options {
  readonly region: string;
  readonly service: string;
  /** Extra headers sent and signed with every request (the ARN routing header). */
  readonly headers: Readonly<Record<string, string>>;
  readonly env: Env;
  /** Replaces the credential chain (tests, library users with their own). */
  readonly credentials?: () => Promise<AwsCredentials>;
  /** The signing clock (tests). */
  readonly now?: () => Date;
  /** Escape the path once more before signing: every service but S3 (default true). */
  readonly uriEscapePath?: boolean;
}

/** node:crypto behind the Checksum shape @smithy/signature-v4 asks for (an HMAC when given a key). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData): Uint8Array | string =>
  typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: Uint8Array | string | undefined;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytesOf(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: SourceData): void {
    const bytes = bytesOf(data);
    this.hash.update(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

const text = (value: string | undefined): string | undefined => (value && value.trim() !== '' ? value.trim() : undefined);

function credentialFailure(error: unknown): Error {
  if (RunlensError.isInstance(error)) return error;
  const first = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim().slice(0, 300);
  return authError(`AWS credentials: ${first || 'none found'} (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, or a role)`, { provider: 'mlflow', cause: error });
}

/** The credentials the environment names, else the SDK's node chain (loaded on first use, memoized by the SDK). */
function credentialChain(env: Env): () => Promise<AwsCredentials> {
  const accessKeyId = text(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = text(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = text(env.AWS_SESSION_TOKEN);
  if (accessKeyId && secretAccessKey) {
    const fixed: AwsCredentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    return () => Promise.resolve(fixed);
  }
  let provider: Promise<() => Promise<AwsCredentials>> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then(({ defaultProvider }) => {
      const profile = text(env.AWS_PROFILE);
      return defaultProvider(profile ? { profile } : {});
    });
    return (await provider)();
  };
}

/** Header-value hash of a body the way the plugin sends it: SHA-256 hex, the empty hash for none. */
export function payloadHash(body: string | Uint8Array | undefined): string {
  if (body === undefined || body.length === 0) return EMPTY_SHA256;
  return createHash('sha256').update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body).digest('hex');
}

export function sigv4Auth(options: Sigv4Options): MlflowAuth {
  const credentials = options.credentials ?? credentialChain(options.env);
  let signer: Promise<import('@smithy/signature-v4').SignatureV4> | undefined;
  const signerOf = () =>
    (signer ??= import('@smithy/signature-v4').then(
      ({ SignatureV4 }) =>
        new SignatureV4({
          region: options.region,
          service: options.service,
          sha256: NodeSha256,
          // Non-S3 services sign the path URI-encoded once more (botocore's SigV4Auth does the same).
          uriEscapePath: options.uriEscapePath ?? true,
          applyChecksum: true,
          credentials: async () => {
            try {
              const got = await credentials();
              registerSecret(got.secretAccessKey);
              if (got.sessionToken) registerSecret(got.sessionToken);
              return got;
            } catch (error) {
              throw credentialFailure(error);
            }
          },
        }),
    ));

  return {
    async headers(request: AuthRequest) {
      const url = new URL(request.url);
      const query: Record<string, string | string[]> = {};
      for (const [key, value] of url.searchParams) {
        const had = query[key];
        query[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
      }
      const contentHash = request.unsignedPayload ? UNSIGNED_PAYLOAD : payloadHash(request.body);
      const toSign: Record<string, string> = { host: url.host, 'x-amz-content-sha256': contentHash, ...options.headers };
      try {
        const signed = await (await signerOf()).sign(
          { method: request.method, protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: url.pathname, query, headers: toSign },
          options.now ? { signingDate: options.now() } : {},
        );
        const out: Record<string, string> = {};
        for (const [key, value] of Object.entries(signed.headers)) if (key.toLowerCase() !== 'host') out[key.toLowerCase()] = String(value);
        return out;
      } catch (error) {
        throw credentialFailure(error);
      }
    },
  };
}
