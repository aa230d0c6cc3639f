// The copy's destination: an MLflow tracking server named by its tracking URI: a self-hosted server
// (MLflow's own auth conventions), an Azure ML workspace (`azureml://…`, Entra token) or a SageMaker
// managed MLflow tracking server (its ARN, SigV4). The forms and their auth: @runlens/mlflow's targets.ts.
import { invalidInput, RunlensError, type Runlens } from '@runlens/core';
import { authForTarget, mapMlflowError, MlflowClient, parseTrackingTarget, s3AccessForTarget, type MlflowClientOptions, type TrackingTarget } from '@runlens/mlflow/client';

export interface TargetOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Undici dispatcher (tests). */
  readonly dispatcher?: MlflowClientOptions['dispatcher'];
}

export interface Target {
  /** The canonical tracking URI (an ARN stays an ARN): printed, journaled, queued. */
  readonly uri: string;
  readonly kind: TrackingTarget['kind'];
  readonly client: MlflowClient;
}

/**
 * The canonical form of a tracking URI (`http(s)://…` without a trailing slash, `azureml://…`, or
 * the SageMaker ARN), or an InvalidInput/Unsupported error saying what is accepted. It parses again
 * to the same target, so a journal key or a queued job's `to` can be opened later.
 */
export function parseTrackingUri(uri: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  return parseTrackingTarget(uri, env, '--to').uri;
}

export function openTarget(runlens: Runlens, uri: string, options: TargetOptions = {}): Target {
  const env = options.env ?? process.env;
  const target = parseTrackingTarget(uri, env, '--to');
  const requester = runlens.requestContext('mlflow').requester({ mapError: mapMlflowError });
  const s3 = s3AccessForTarget(target, env);
  const client = new MlflowClient({ baseUrl: target.baseUrl, requester, auth: authForTarget(target, env), ...(s3 ? { s3 } : {}), ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) });
  return { uri: target.uri, kind: target.kind, client };
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
