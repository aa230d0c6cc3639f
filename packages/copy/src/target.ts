// The copy's destination: an MLflow tracking server named by its tracking URI, with MLflow's own
// auth conventions (MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD).
import { invalidInput, RunlensError, unsupported, type Runlens } from '@runlens/core';
import { authFromEnv, mapMlflowError, MlflowClient, type MlflowClientOptions } from '@runlens/mlflow/client';

export interface TargetOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Undici dispatcher (tests). */
  readonly dispatcher?: MlflowClientOptions['dispatcher'];
}

export interface Target {
  readonly uri: string;
  readonly client: MlflowClient;
}

/** The REST base of a tracking URI, or an InvalidInput/Unsupported error saying what is accepted. */
export function parseTrackingUri(uri: string): string {
  const text = uri.trim();
  if (/^azureml:\/\//i.test(text)) throw unsupported('--to: Azure ML workspace tracking URIs (azureml://…) are not supported yet; give the server as http(s)://');
  if (/^arn:aws[\w-]*:sagemaker:/i.test(text)) throw unsupported('--to: SageMaker managed MLflow ARNs are not supported yet; give the server as http(s)://');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput(`--to: '${uri}' is not a tracking URI (expected http://host:port or https://host)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(`--to: '${uri}' is not a tracking URI (expected http://host:port or https://host)`);
  if (url.username || url.password) throw invalidInput('--to: put credentials in MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN, not in the URI');
  if (url.search || url.hash) throw invalidInput(`--to: '${url.origin}${url.pathname}' must not carry a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function openTarget(runlens: Runlens, uri: string, options: TargetOptions = {}): Target {
  const baseUrl = parseTrackingUri(uri);
  const requester = runlens.requestContext('mlflow').requester({ mapError: mapMlflowError });
  const client = new MlflowClient({ baseUrl, requester, auth: authFromEnv(options.env ?? process.env), ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) });
  return { uri: baseUrl, client };
}

/**
 * Checks that the target answers as an MLflow tracking server before anything is written: any MLflow
 * server answers `experiments/search`. A 404 or a body that is not JSON is some other server.
 */
export async function probeTarget(target: Target, signal?: AbortSignal): Promise<void> {
  try {
    await target.client.searchExperimentsPage({ maxResults: 1 }, signal ? { signal } : {});
  } catch (e) {
    if (!RunlensError.isInstance(e)) throw e;
    if (e.code === 'NotFound' || e.providerCode === 'InvalidJson' || (e.code === 'ProviderError' && e.status !== undefined && e.status < 500)) {
      throw invalidInput(`--to ${target.uri}: not an MLflow tracking server (${e.message})`);
    }
    throw e;
  }
}
