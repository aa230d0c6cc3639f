// Tracking URIs and how each kind is reached and authorised: a self-hosted server (`http(s)://`,
// MLflow's env conventions), an Azure ML workspace (`azureml://…`, an Entra bearer token) and a
// SageMaker managed MLflow tracking server or app (its ARN, SigV4). Cheap to import: the Azure and
// AWS SDKs load on the first request to such a target (docs/providers/mlflow.md cites each form).
import { invalidInput, unsupported } from '@runlens/core';
import { authFromEnv, type MlflowAuth } from './auth.js';
import { azureAuth } from './auth-azure.js';
import { sigv4Auth } from './auth-sigv4.js';
import { s3Access, type S3Access } from './s3-artifacts.js';

export type Env = Readonly<Record<string, string | undefined>>;

interface Common {
  /** The canonical tracking URI: what to print, what a journal or a queued job records, what parses again to the same target. */
  readonly uri: string;
  /** The REST base: `${baseUrl}/api/2.0/mlflow/…`. */
  readonly baseUrl: string;
}

export type TrackingTarget =
  | (Common & { readonly kind: 'http' })
  | (Common & { readonly kind: 'azureml' })
  | (Common & {
      readonly kind: 'sagemaker';
      readonly arn: string;
      readonly region: string;
      /** SigV4 service name: `sagemaker-mlflow` (tracking server) or `sagemaker` (MLflow app). */
      readonly service: string;
      /** The routing header that carries the ARN. */
      readonly arnHeader: string;
    });

/** `127.0.0.0/8`, `::1`, `localhost`: the only hosts plain http is accepted for in the cloud forms (emulators). */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const AZURE_PATH = /^\/mlflow\/v\d+\.\d+\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+$/i;
/** `arn:<partition>:sagemaker:<region>:<account>:<mlflow-tracking-server|mlflow-app>/<name or id>` */
const SAGEMAKER_ARN = /^arn:([a-z-]+):sagemaker:([a-z0-9-]+):(\d{12}):(mlflow-tracking-server|mlflow-app)\/([A-Za-z0-9][A-Za-z0-9-]*)$/;

const RESOURCE = {
  // [SM] auth_provider.py `_get_auth_service_name`, mlflow_sagemaker_request_header_provider.py `_get_arn_header`, mlflow_sagemaker_helpers.py `_get_endpoint`
  'mlflow-tracking-server': { service: 'sagemaker-mlflow', arnHeader: 'x-mlflow-sm-tracking-server-arn', endpoint: (region: string, suffix: string) => `https://${region}.experiments.sagemaker.${suffix}` },
  'mlflow-app': { service: 'sagemaker', arnHeader: 'x-sm-mlflow-app-arn', endpoint: (region: string, suffix: string) => `https://mlflow.sagemaker.${region}.app.${suffix}` },
} as const;
/** [SM] `_get_dns_suffix`: both partitions the plugin knows use `aws`. */
const DNS_SUFFIX: Readonly<Record<string, string>> = { aws: 'aws', 'aws-us-gov': 'aws' };

function checkedEndpoint(text: string, what: string, label: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalidInput(`${label}: ${what} '${text}' is not a URL`);
  }
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname)))) throw invalidInput(`${label}: ${what} must be https (plain http only on a loopback host)`);
  if (url.username || url.password || url.search || url.hash) throw invalidInput(`${label}: ${what} must not carry credentials, a query or a fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The target a tracking URI names, or an InvalidInput/Unsupported error saying what is accepted.
 * `label` names the option in messages (`--to`, `--tracking-uri`). `env` supplies
 * `SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT` (the sagemaker-mlflow plugin's own override of the endpoint).
 */
export function parseTrackingTarget(text: string, env: Env = {}, label = '--to'): TrackingTarget {
  const trimmed = text.trim();
  const expected = 'expected http(s)://host[:port], azureml://<region>.api.azureml.ms/mlflow/v1.0/subscriptions/…/workspaces/<ws>, or arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/<name>';

  if (/^arn:/i.test(trimmed)) {
    const match = SAGEMAKER_ARN.exec(trimmed);
    if (!match) throw invalidInput(`${label}: '${trimmed}' is not a SageMaker managed MLflow ARN (${expected})`);
    const [, partition, region, , type] = match as unknown as [string, string, string, string, keyof typeof RESOURCE];
    const suffix = DNS_SUFFIX[partition];
    if (!suffix) throw unsupported(`${label}: SageMaker managed MLflow in partition '${partition}' is not supported (aws and aws-us-gov are)`);
    const resource = RESOURCE[type];
    const custom = env.SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT?.trim();
    const baseUrl = custom ? checkedEndpoint(custom, 'SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT', label) : resource.endpoint(region, suffix);
    return { kind: 'sagemaker', uri: trimmed, baseUrl, arn: trimmed, region, service: resource.service, arnHeader: resource.arnHeader };
  }

  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw invalidInput(`${label}: '${trimmed}' is not a tracking URI (${expected})`);
  }
  if (url.username || url.password) throw invalidInput(`${label}: put credentials in MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN, not in the URI`);
  // `az ml workspace show --query mlflow_tracking_uri` has been seen to end in a bare `?`: nothing to keep.
  if ((url.search && url.search !== '?') || url.hash) throw invalidInput(`${label}: '${url.protocol}//${url.host}${url.pathname}' must not carry a query or fragment`);
  const path = url.pathname.replace(/\/+$/, '');

  if (url.protocol === 'azureml:') {
    if (!url.host) throw invalidInput(`${label}: '${trimmed}' has no host (${expected})`);
    if (!AZURE_PATH.test(path)) throw invalidInput(`${label}: '${url.protocol}//${url.host}${path}' is not an Azure ML workspace tracking URI (expected azureml://<region>.api.azureml.ms/mlflow/v1.0/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<ws>)`);
    // The workspace's tracking URI with `https` for `azureml` (Azure/azureml-examples using_mlflow_rest_api.ipynb); http only for a loopback emulator.
    const scheme = isLoopback(url.hostname) ? 'http' : 'https';
    return { kind: 'azureml', uri: `azureml://${url.host}${path}`, baseUrl: `${scheme}://${url.host}${path}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(`${label}: '${trimmed}' is not a tracking URI (${expected})`);
  const base = `${url.origin}${path}`;
  return { kind: 'http', uri: base, baseUrl: base };
}

/**
 * How requests to the target are authorised. A self-hosted server: MLflow's env conventions. Azure ML:
 * the Azure ML adapter's chain (`AZUREML_ACCESS_TOKEN`, else DefaultAzureCredential), management
 * audience. SageMaker: SigV4 from the AWS chain (`AWS_ACCESS_KEY_ID`/`_SECRET_ACCESS_KEY`, else the
 * SDK's node provider chain). The cloud kinds load their SDK only when the first request is signed.
 */
export function authForTarget(target: TrackingTarget, env: Env): MlflowAuth {
  switch (target.kind) {
    case 'http':
      return authFromEnv(env);
    case 'azureml':
      return azureAuth(env);
    case 'sagemaker':
      return sigv4Auth({ region: target.region, service: target.service, headers: { [target.arnHeader]: target.arn }, env });
  }
}

/**
 * How a target's `s3://` artifact roots are reached: only a SageMaker target has them (its bucket,
 * assumed in the tracking server's region, **unverified**); the same AWS credentials, signed for `s3`.
 */
export function s3AccessForTarget(target: TrackingTarget, env: Env): S3Access | undefined {
  return target.kind === 'sagemaker' ? s3Access(target.region, env) : undefined;
}
