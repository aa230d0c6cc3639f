// Artifacts of runs whose root is in S3 (SageMaker managed MLflow keeps `s3://…` artifact roots and
// does not proxy them). What the sagemaker-mlflow plugin does, and so runlens ([SM]
// s3_presigned_artifact_repo.py; docs/providers/mlflow.md cites each):
// - upload: by default straight to S3 with the caller's AWS credentials (PutObject, SigV4 service
//   `s3`); with SAGEMAKER_PRESIGNED_URL_UPLOAD_ENABLED=true, `POST /api/2.0/mlflow/artifacts/presigned-upload-url
//   {run_id, path, expiration}` → `{presigned_url, headers}` and one PUT of the file to that URL with those headers;
// - list: the tracking API's `artifacts/list` (the server lists its own store);
// - download: GetObject with the caller's credentials (the plugin reads through boto3's S3 client).
import { invalidInput } from '@runlens/core';
import type { MlflowAuth } from './auth.js';
import { sigv4Auth } from './auth-sigv4.js';
import type { Env } from './targets.js';

export interface S3Access {
  readonly region: string;
  readonly auth: MlflowAuth;
  /** `MLFLOW_S3_ENDPOINT_URL`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (path style); absent: the virtual-hosted regional endpoint. */
  readonly endpoint?: string;
  /** SAGEMAKER_PRESIGNED_URL_UPLOAD_ENABLED=true: upload through the tracking server's presigned URLs. */
  readonly presignedUpload: boolean;
  /** Seconds a presigned upload URL is asked to live (the plugin asks 900). */
  readonly presignedExpiration: number;
}

export interface S3Location {
  readonly bucket: string;
  /** Key prefix without a trailing slash ('' for the bucket's root). */
  readonly prefix: string;
}

/** `s3://bucket/a/b` → `{bucket, prefix: 'a/b'}`; undefined for any other URI. */
export function parseS3Uri(uri: string | undefined): S3Location | undefined {
  const match = /^s3:\/\/([^/?#]+)\/*([^?#]*)$/.exec(uri ?? '');
  if (!match) return undefined;
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, '') };
}

/** RFC 3986 escaping of each key segment: what S3 canonicalises a path to, so what is sent is what is signed. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

export function s3Access(region: string, env: Env): S3Access {
  // MLflow's own S3 override first (mlflow/environment_variables.py MLFLOW_S3_ENDPOINT_URL, read by its S3 artifact repository), then the AWS SDKs' variables.
  const custom = env.MLFLOW_S3_ENDPOINT_URL?.trim() || env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim();
  let endpoint: string | undefined;
  if (custom) {
    let url: URL;
    try {
      url = new URL(custom);
    } catch {
      throw invalidInput(`the S3 endpoint override '${custom}' (MLFLOW_S3_ENDPOINT_URL / AWS_ENDPOINT_URL_S3) is not a URL`);
    }
    const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(url.hostname);
    if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) throw invalidInput('the S3 endpoint override (MLFLOW_S3_ENDPOINT_URL / AWS_ENDPOINT_URL_S3) must be https (plain http only on a loopback host)');
    endpoint = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
  return {
    region,
    auth: sigv4Auth({ region, service: 's3', headers: {}, env, uriEscapePath: false }),
    ...(endpoint ? { endpoint } : {}),
    presignedUpload: (env.SAGEMAKER_PRESIGNED_URL_UPLOAD_ENABLED ?? '').trim().toLowerCase() === 'true',
    presignedExpiration: 900,
  };
}

/** The object's URL: path style under an endpoint override, else `https://<bucket>.s3.<region>.amazonaws.com/<key>`. */
export function objectUrl(access: S3Access, bucket: string, key: string): string {
  return access.endpoint ? `${access.endpoint}/${encodeURIComponent(bucket)}/${encodeKey(key)}` : `https://${bucket}.s3.${access.region}.amazonaws.com/${encodeKey(key)}`;
}
