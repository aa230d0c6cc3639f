/**
 * Loopback MLflow tracking server emulator: the REST API of `mlflow server --serve-artifacts` with
 * MLflow's request validation (limits, key rules, immutable params, error codes), the artifacts
 * proxy with multipart upload (or a server that answers multipart NOT_IMPLEMENTED), optional auth,
 * an optional path prefix (the Azure ML workspace form) and fault injection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, type FaultHandle, type FaultSpec } from './faults.js';
import { handleArtifacts } from './artifacts.js';
import { handleTracking } from './tracking.js';
import { TrackingState, type RunRecord } from './state.js';
import { ApiError, sendError, sendJson, type Exchange, type RecordedRequest } from './http.js';
import { verifySigv4, type Sigv4Expectation } from './sigv4.js';
import { S3Flavour, type S3FlavourOptions } from './s3.js';

/** The workspace path the Azure flavour serves under when no `pathPrefix` is given. */
export const AZURE_WORKSPACE_PREFIX = '/mlflow/v1.0/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/runlens-rg/providers/Microsoft.MachineLearningServices/workspaces/runlens-ws';

export interface MlflowEmulatorOptions {
  /** Default 0 (any free port). Binds 127.0.0.1 only. */
  readonly port?: number;
  /**
   * Required credentials; default none (an open server, like a default `mlflow server`).
   * - `token`, `username`/`password`: a self-hosted server with MLflow's auth (401, text body).
   * - `azure`: the Azure ML workspace flavour: `Authorization: Bearer <token>` (an Entra token),
   *   refused with Azure's gateway error shape (401 `{error: {code, message}}`), served under the
   *   workspace path prefix and named `azureml://127.0.0.1:<port>/mlflow/v1.0/…` (`trackingUri`).
   * - `sigv4`: the SageMaker managed MLflow flavour: every request SigV4-signed for service
   *   `sagemaker-mlflow` in `region` with the key given, the ARN in `x-mlflow-sm-tracking-server-arn`
   *   (signed); the signature is recomputed and checked (testing/sigv4.ts). Named by its ARN, reached
   *   through `SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT` (both in `env`).
   */
  readonly auth?:
    | { readonly token: string }
    | { readonly username: string; readonly password: string }
    | { readonly azure: { readonly token: string } }
    | { readonly sigv4: Sigv4Expectation };
  /** Whether the artifact store supports multipart upload. false: mpu/* answers 501 NOT_IMPLEMENTED. Default true. */
  readonly multipart?: boolean;
  /** Whether keys may hold `:` (servers since mlflow/mlflow #12943). Default true. */
  readonly colonInKeys?: boolean;
  /** Server cap on get-history `max_results` (GET_METRIC_HISTORY_MAX_RESULTS). Default 25000. */
  readonly metricPageMax?: number;
  /**
   * A path before `/api/2.0/…`: `''` for a self-hosted server; Azure ML serves MLflow under
   * `/mlflow/v1.0/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<ws>`.
   */
  readonly pathPrefix?: string;
  /**
   * Whether artifact downloads honour `Range: bytes=N-` (206). Default false: whether MLflow's proxy
   * does is unverified, so readers must cope with a whole-file 200.
   */
  readonly rangeSupport?: boolean;
  /**
   * Artifacts in S3, as a SageMaker managed tracking server keeps them: experiments default to
   * `s3://<bucket>/<id>`, runs report `s3://<bucket>/<exp>/<run>/artifacts`, the tracking API serves
   * `artifacts/presigned-upload-url`, and a loopback S3 endpoint (`/_s3/…`, `MLFLOW_S3_ENDPOINT_URL` in
   * `env`) takes presigned PUTs and SigV4-signed (service s3) GETs and PUTs (testing/s3.ts).
   */
  readonly s3?: S3FlavourOptions;
  readonly clock?: () => number;
}

export interface SeedRun {
  readonly experiment?: string;
  readonly runName?: string;
  readonly status?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly params?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly metrics?: readonly { key: string; value: number; timestamp: number; step?: number }[];
  readonly artifacts?: Readonly<Record<string, Uint8Array | string>>;
}

export interface MlflowEmulator {
  /** `http://127.0.0.1:<port>` plus the path prefix: the REST base (for a self-hosted flavour, the tracking URI too). */
  readonly url: string;
  /** What a user gives runlens: `url`, the Azure flavour's `azureml://…`, or the SageMaker flavour's ARN. */
  readonly trackingUri: string;
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  readonly state: TrackingState;
  readonly requests: readonly RecordedRequest[];
  readonly faults: { inject(spec: FaultSpec): FaultHandle; clear(): void };
  resetRequests(): void;
  /** Switches multipart support at run time (a store that loses it, a test of the fallback). */
  setMultipart(enabled: boolean): void;
  /** Makes the server refuse every write with 403 PERMISSION_DENIED (a read-only target). */
  setReadOnly(readOnly: boolean): void;
  /** The S3 flavour's store (`s3` option): issued presigned URLs, `expireNext` to hand out expired ones. */
  readonly s3: S3Flavour | undefined;
  /** Seeds a run directly in the store (test setup; no validation). */
  seedRun(spec: SeedRun): RunRecord;
  putArtifact(runId: string, path: string, content: Uint8Array | string): void;
  appendArtifact(runId: string, path: string, content: Uint8Array | string): void;
  setRunStatus(runId: string, status: string, endTime?: number): void;
  close(): Promise<void>;
}

export interface EmulatorConfig {
  readonly multipart: boolean;
  readonly colonInKeys: boolean;
  readonly metricPageMax: number;
  readonly readOnly: boolean;
  readonly rangeSupport: boolean;
  readonly baseUrl: string;
  readonly clock: () => number;
}

const MAX_BODY = 512 * 1024 * 1024;

export async function startMlflowEmulator(options: MlflowEmulatorOptions = {}): Promise<MlflowEmulator> {
  const clock = options.clock ?? Date.now;
  const state = new TrackingState(clock);
  state.s3Bucket = options.s3?.bucket;
  const faults = new FaultInjector();
  const requests: RecordedRequest[] = [];
  const azure = options.auth && 'azure' in options.auth ? options.auth.azure : undefined;
  const sigv4 = options.auth && 'sigv4' in options.auth ? options.auth.sigv4 : undefined;
  const prefix = (options.pathPrefix ?? (azure ? AZURE_WORKSPACE_PREFIX : '')).replace(/\/+$/, '');
  const config = {
    multipart: options.multipart ?? true,
    colonInKeys: options.colonInKeys ?? true,
    metricPageMax: options.metricPageMax ?? 25_000,
    readOnly: false,
    rangeSupport: options.rangeSupport ?? false,
    baseUrl: '',
    clock,
  };
  const s3 = options.s3 ? new S3Flavour(options.s3, state, config, options.auth && 'sigv4' in options.auth ? options.auth.sigv4 : undefined) : undefined;

  /** true, or the refusal already sent. */
  const authorise = (req: IncomingMessage, res: ServerResponse, body: Buffer): boolean => {
    const auth = options.auth;
    if (!auth) return true;
    const given = req.headers.authorization ?? '';
    if (azure) {
      if (given === `Bearer ${azure.token}`) return true;
      // Azure's gateway shape, as the Azure ML adapter's emulator answers (UNVERIFIED for the MLflow endpoint).
      const missing = given === '';
      sendJson(res, 401, { error: { code: missing ? 'AuthenticationFailed' : 'InvalidAuthenticationToken', message: missing ? "Authentication failed. The 'Authorization' header is missing." : 'The access token is invalid.' } }, {
        'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"`,
      });
      return false;
    }
    if (sigv4) {
      const refusal = verifySigv4({ method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.headers, body }, sigv4, clock());
      if (!refusal) return true;
      sendJson(res, refusal.status, { message: refusal.message }, { 'x-amzn-errortype': `${refusal.code}:http://internal.amazon.com/coral/com.amazon.coral.service/`, 'x-amzn-requestid': '00000000-0000-4000-8000-000000000000' });
      return false;
    }
    const basic = 'username' in auth ? auth : undefined;
    const ok = 'token' in auth ? given === `Bearer ${auth.token}` : basic !== undefined && given === `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
    if (ok) return true;
    res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': basic ? 'Basic realm="mlflow"' : 'Bearer' });
    res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.');
    return false;
  };

  const server = createServer((req, res) => {
    void serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error_code: 'INTERNAL_ERROR', message: String(e) });
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, path: url.pathname, query: url.search, status: 0, bodyBytes: 0 };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const body = await readBody(req);
    record.bodyBytes = body.byteLength;

    // Presigned part uploads go to "storage", not the tracking server: no MLflow auth, no prefix.
    const storage = /^\/_storage\/mpu\/([^/]+)\/(\d+)$/.exec(url.pathname);
    const fault = faults.fire(`${method} ${url.pathname}${url.search}`);
    if (fault) {
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      else if (fault.kind === 'throttle') {
        sendJson(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests.' }, { 'retry-after': String(Math.ceil(fault.delayMs / 1000)) });
        return;
      } else if (fault.kind === '503') {
        sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'The service is temporarily unavailable.' });
        return;
      } else if (fault.kind === '500' || !url.pathname.endsWith('/runs/log-batch')) {
        sendJson(res, 500, { error_code: 'INTERNAL_ERROR', message: 'An internal error occurred.' });
        return;
      }
    }
    const exchange: Exchange = { method, url, body, res, partial: fault?.kind === 'partial', range: req.headers.range };
    try {
      if (storage) {
        handleArtifacts.storagePart(state, exchange, storage[1]!, Number(storage[2]));
        return;
      }
      // S3 is another service: its own auth (a presigned query or SigV4 for s3), no tracking prefix.
      if (s3 && url.pathname.startsWith('/_s3/')) {
        s3.handle(req, exchange);
        return;
      }
      if (!url.pathname.startsWith(`${prefix}/`)) throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `No endpoint ${url.pathname}`);
      if (!authorise(req, res, body)) return;
      const path = url.pathname.slice(prefix.length);
      // Searches are POSTs that only read: MLflow's auth app lets a READ permission run them
      // (mlflow/server/auth/__init__.py BEFORE_REQUEST_HANDLERS: SearchRuns and SearchExperiments need READ).
      const write = method !== 'GET' && method !== 'HEAD' && !/\/(?:runs|experiments)\/search$/.test(path);
      if (config.readOnly && write) throw new ApiError(403, 'PERMISSION_DENIED', 'Permission denied.');
      if (path.startsWith('/api/2.0/mlflow-artifacts/') || path.startsWith('/ajax-api/2.0/mlflow-artifacts/')) {
        await handleArtifacts.route(state, config, exchange, path.replace(/^\/(?:ajax-)?api\/2\.0\/mlflow-artifacts/, ''));
        return;
      }
      const api = /^\/(?:ajax-)?api\/2\.0\/mlflow\/(.+)$/.exec(path);
      if (!api) throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `No endpoint ${path}`);
      if (s3 && api[1] === 'artifacts/presigned-upload-url' && method === 'POST') {
        s3.presignedUpload(exchange);
        return;
      }
      handleTracking(state, config, exchange, api[1]!);
    } catch (e) {
      if (e instanceof ApiError) sendError(res, e);
      else throw e;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}${prefix}`;
  config.baseUrl = `http://127.0.0.1:${port}`;

  const trackingUri = azure ? `azureml://127.0.0.1:${port}${prefix}` : sigv4 ? sigv4.arn : url;
  const env: Record<string, string> = { MLFLOW_TRACKING_URI: trackingUri };
  if (azure) env.AZUREML_ACCESS_TOKEN = azure.token;
  // MLflow's own variable: an AWS_ENDPOINT_URL_S3 would also redirect a SageMaker source's S3 reads in the same process.
  if (s3) env.MLFLOW_S3_ENDPOINT_URL = `${config.baseUrl}/_s3`;
  if (sigv4) {
    Object.assign(env, { SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT: config.baseUrl, AWS_ACCESS_KEY_ID: sigv4.accessKeyId, AWS_SECRET_ACCESS_KEY: sigv4.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
    if (sigv4.sessionToken) env.AWS_SESSION_TOKEN = sigv4.sessionToken;
  }
  if (options.auth && 'token' in options.auth) env.MLFLOW_TRACKING_TOKEN = options.auth.token;
  if (options.auth && 'username' in options.auth) {
    env.MLFLOW_TRACKING_USERNAME = options.auth.username;
    env.MLFLOW_TRACKING_PASSWORD = options.auth.password;
  }

  const bytes = (content: Uint8Array | string) => (typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content));
  const runOf = (runId: string): RunRecord => {
    const run = state.runs.get(runId);
    if (!run) throw new Error(`no run ${runId}`);
    return run;
  };

  return {
    url,
    trackingUri,
    port,
    env,
    state,
    requests,
    faults: { inject: (spec) => faults.inject(spec), clear: () => faults.clear() },
    resetRequests: () => void requests.splice(0),
    setMultipart: (enabled) => void (config.multipart = enabled),
    setReadOnly: (readOnly) => void (config.readOnly = readOnly),
    s3,
    seedRun(spec) {
      const name = spec.experiment ?? 'Default';
      const experiment = state.experimentByName(name) ?? state.addExperiment(name);
      const runName = spec.runName ?? 'seeded-run';
      const run = state.addRun(experiment.experimentId, { runName, userId: 'runlens', startTime: spec.startTime ?? clock(), tags: [['mlflow.runName', runName], ...Object.entries(spec.tags ?? {})] });
      run.status = spec.status ?? 'FINISHED';
      if (spec.endTime !== undefined) run.endTime = spec.endTime;
      for (const [k, v] of Object.entries(spec.params ?? {})) run.params.set(k, v);
      for (const m of spec.metrics ?? []) {
        const history = run.metrics.get(m.key) ?? [];
        history.push({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 });
        run.metrics.set(m.key, history);
      }
      for (const [path, content] of Object.entries(spec.artifacts ?? {})) state.artifacts.set(`${state.artifactRoot(run)}/${path}`, bytes(content));
      return run;
    },
    putArtifact(runId, path, content) {
      state.artifacts.set(`${state.artifactRoot(runOf(runId))}/${path}`, bytes(content));
    },
    appendArtifact(runId, path, content) {
      const key = `${state.artifactRoot(runOf(runId))}/${path}`;
      state.artifacts.set(key, Buffer.concat([state.artifacts.get(key) ?? Buffer.alloc(0), bytes(content)]));
    },
    setRunStatus(runId, status, endTime) {
      const run = runOf(runId);
      run.status = status;
      if (endTime !== undefined) run.endTime = endTime;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > MAX_BODY) throw new ApiError(413, 'INVALID_PARAMETER_VALUE', 'Request body too large.');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
