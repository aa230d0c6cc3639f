// Every wire call the adapter makes, each through core's requester (shared budget, retries with
// back-off honouring Retry-After, one error mapping). The ARM SDK's own retries are switched off.
import { AzureMachineLearningWorkspaces, getContinuationToken, type JobBase, type Workspace } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
import { invalidInput, providerError, type BudgetSpec, type Requester } from '@runlens/core';
import type { Dispatcher } from 'undici';
import { dataPlaneFromWorkspace, isFetchable, isLoopbackHost, noWorkspaceMessage, scopePath, workspaceKey, type AzuremlConfig, type JobLocation, type WorkspaceId } from './config.js';
import { TokenCache } from './credentials.js';
import { AzureHttpError, type Surface } from './errors.js';
import { discard, getJson, header, httpGet, postJson, printable, type HttpResponse } from './http.js';
import type { ArtifactContentInfo, MetricDefinitionPage, MetricV2, MlflowArtifactList, MlflowMetricHistory, MlflowRun, RunDetails } from './wire.js';

/** Request budgets per surface. Azure publishes no data-plane limits; ARM allows roughly 25 reads/s per subscription. */
const RATES = {
  arm: { ratePerSecond: 10, burst: 20 },
  history: { ratePerSecond: 20, burst: 40 },
  metric: { ratePerSecond: 20, burst: 40 },
  mlflow: { ratePerSecond: 50, burst: 100 },
  artifact: { ratePerSecond: 20, burst: 40 },
  blob: { ratePerSecond: 200, burst: 400 },
} as const;

type SurfaceName = keyof typeof RATES;

export interface CallContext {
  /** The run id (for error context). */
  readonly run?: string;
  readonly signal?: AbortSignal;
}

/** A byte range of a blob, or the end of it. */
export type RangeRead =
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly total?: number; readonly eof: boolean; readonly ranged: boolean }
  | { readonly kind: 'end'; readonly total?: number };

export class AzuremlClient {
  private readonly arms = new Map<string, AzureMachineLearningWorkspaces>();
  private readonly hosts = new Map<string, Promise<string>>();
  private readonly tokens: TokenCache;
  private readonly warnedNoRange = new Set<string>();

  constructor(
    private readonly config: AzuremlConfig,
    private readonly credential: TokenCredential,
    private readonly requester: Requester,
    private readonly debug: (message: string) => void,
    private readonly dispatcher?: Dispatcher,
  ) {
    this.tokens = new TokenCache(credential);
  }

  // ---- ARM ---------------------------------------------------------------------------------

  /** One ARM client per subscription: no SDK retries, and plain http only for loopback endpoints. */
  arm(subscriptionId: string): AzureMachineLearningWorkspaces {
    let client = this.arms.get(subscriptionId);
    if (client) return client;
    const endpoint = this.config.armEndpoint;
    const loopback = isLoopbackHost(new URL(endpoint).hostname) && endpoint.startsWith('http:');
    client = new AzureMachineLearningWorkspaces(this.credential, subscriptionId, {
      endpoint,
      credentialScopes: [this.config.tokenScope],
      retryOptions: { maxRetries: 0 },
      userAgentOptions: { userAgentPrefix: 'runlens-azureml' },
      ...(loopback ? { allowInsecureConnection: true } : {}),
    });
    // Core retries (with the shared budget); the SDK must not retry underneath it.
    client.pipeline.removePolicy({ phase: 'Retry' });
    if (loopback) {
      // The SDK's bearer policy refuses plain http; this one sets the same header from the same credential.
      client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
      const tokens = this.tokens;
      const scope = this.config.tokenScope;
      client.pipeline.addPolicy(
        {
          name: 'runlensLoopbackBearer',
          async sendRequest(request, next) {
            request.headers.set('authorization', `Bearer ${await tokens.get(scope)}`);
            return next(request);
          },
        },
        { phase: 'Sign' },
      );
    }
    this.arms.set(subscriptionId, client);
    return client;
  }

  getJob(loc: JobLocation, context: CallContext): Promise<JobBase> {
    return this.requester.call(
      { operation: 'jobs.get', budget: this.armBudget(loc, 'jobs.get'), ...context },
      (signal) => this.arm(loc.subscriptionId).jobs.get(loc.resourceGroup, loc.workspace, loc.job, armOptions(signal)),
    );
  }

  /** One page of jobs.list; the SDK builds the request from `nextLink` when given a continuation token. */
  async listJobsPage(ws: WorkspaceId, token: string | undefined, context: CallContext): Promise<{ jobs: JobBase[]; next?: string }> {
    return this.requester.call({ operation: 'jobs.list', budget: this.armBudget(ws, 'jobs.list'), ...context }, async (signal) => {
      const pages = this.arm(ws.subscriptionId)
        .jobs.list(ws.resourceGroup, ws.workspace, armOptions(signal))
        .byPage(token ? { continuationToken: token } : undefined);
      const page = await pages.next();
      if (page.done) return { jobs: [] };
      const next = getContinuationToken(page.value);
      return { jobs: page.value, ...(next ? { next } : {}) };
    });
  }

  private getWorkspace(ws: WorkspaceId, context: CallContext): Promise<Workspace> {
    return this.requester.call(
      { operation: 'workspaces.get', budget: this.armBudget(ws, 'workspaces.get'), ...context },
      (signal) => this.arm(ws.subscriptionId).workspaces.get(ws.resourceGroup, ws.workspace, armOptions(signal)),
    );
  }

  private armBudget(ws: WorkspaceId, operation: string): BudgetSpec {
    return { key: `azureml:arm:${new URL(this.config.armEndpoint).host}:${ws.subscriptionId}:${operation}`, ...this.rate('arm') };
  }

  /** A surface's rate, or the `requestsPerSecond` setting when given. */
  private rate(surface: SurfaceName): { ratePerSecond: number; burst: number } {
    const rps = this.config.requestsPerSecond;
    return rps ? { ratePerSecond: rps, burst: Math.max(1, Math.ceil(rps)) } : RATES[surface];
  }

  // ---- data plane --------------------------------------------------------------------------

  /** The workspace's data-plane origin: the override, or its MLflow tracking URI / discovery URL. */
  dataPlane(ws: WorkspaceId, context: CallContext): Promise<string> {
    if (this.config.dataPlaneEndpoint) return Promise.resolve(this.config.dataPlaneEndpoint);
    const key = workspaceKey(ws);
    let host = this.hosts.get(key);
    if (!host) {
      host = this.getWorkspace(ws, context).then((workspace) => {
        const found = dataPlaneFromWorkspace(workspace);
        if (!found) throw providerError(`workspace '${ws.workspace}' reports neither an MLflow tracking URI nor a discovery URL; set AZUREML_DATAPLANE_ENDPOINT`, { provider: 'azureml' });
        this.debug(`azureml data plane for ${ws.workspace}: ${found}`);
        return found;
      });
      this.hosts.set(key, host);
      host.catch(() => this.hosts.delete(key));
    }
    return host;
  }

  /** A bearer-authorised JSON GET (or, with a body, POST) on the workspace's data plane. */
  private async dataGet<T>(surface: Surface, operation: string, ws: WorkspaceId, path: string, subject: string, context: CallContext, body?: unknown): Promise<T> {
    const host = await this.dataPlane(ws, context);
    return this.requester.call(
      { operation, budget: { key: `azureml:${surface}:${new URL(host).host}:${workspaceKey(ws)}:${operation}`, ...this.rate(surface as 'history' | 'metric' | 'mlflow' | 'artifact') }, ...context },
      async (signal) => {
        const options = { surface, subject, token: await this.tokens.get(this.config.tokenScope, signal), ...this.common(signal) };
        return body === undefined ? getJson<T>(`${host}${path}`, options) : postJson<T>(`${host}${path}`, body, options);
      },
    );
  }

  runDetails(loc: JobLocation, context: CallContext): Promise<RunDetails> {
    return this.dataGet('history', 'runs.details', loc, `/history/v1.0${scopePath(loc)}/runs/${encodeURIComponent(loc.job)}/details`, `run '${loc.job}'`, context);
  }

  /** One page of the metric service's definitions for a run (`ListMetrics` body; pages go on by `continuationToken`). */
  metricDefinitionsPage(loc: JobLocation, token: string | undefined, context: CallContext): Promise<MetricDefinitionPage> {
    return this.dataGet('metric', 'metric.list', loc, `${metricBase(loc)}/list`, `metrics of run '${loc.job}'`, context, token ? { continuationToken: token } : {});
  }

  /** One page of a metric's rows from the metric service (`RetrieveFullFidelityMetricRequest` body). */
  fullMetricPage(loc: JobLocation, name: string, token: string | undefined, context: CallContext): Promise<MetricV2> {
    return this.dataGet('metric', 'metric.full', loc, `${metricBase(loc)}/full`, `metric '${name}'`, context, { metricName: name, ...(token ? { continuationToken: token } : {}) });
  }

  mlflowRun(loc: JobLocation, context: CallContext): Promise<MlflowRun> {
    return this.dataGet('mlflow', 'mlflow.runs.get', loc, `${mlflowBase(loc)}/runs/get?${query({ run_id: loc.job })}`, `MLflow run '${loc.job}'`, context);
  }

  metricHistoryPage(loc: JobLocation, key: string, pageToken: string | undefined, context: CallContext): Promise<MlflowMetricHistory> {
    const q = query({ run_id: loc.job, metric_key: key, max_results: String(this.config.metricPageSize), ...(pageToken ? { page_token: pageToken } : {}) });
    return this.dataGet('mlflow', 'mlflow.metrics.get-history', loc, `${mlflowBase(loc)}/metrics/get-history?${q}`, `metric '${key}'`, context);
  }

  artifactsPage(loc: JobLocation, path: string, pageToken: string | undefined, context: CallContext): Promise<MlflowArtifactList> {
    const q = query({ run_id: loc.job, ...(path ? { path } : {}), ...(pageToken ? { page_token: pageToken } : {}) });
    return this.dataGet('mlflow', 'mlflow.artifacts.list', loc, `${mlflowBase(loc)}/artifacts/list?${q}`, `artifact directory '${path || '/'}'`, context);
  }

  contentInfo(loc: JobLocation, path: string, context: CallContext): Promise<ArtifactContentInfo> {
    const base = `/artifact/v2.0${scopePath(loc)}/artifacts/ExperimentRun/${encodeURIComponent(`dcid.${loc.job}`)}`;
    return this.dataGet('artifact', 'artifacts.contentinfo', loc, `${base}/contentinfo?${query({ path })}`, `artifact '${path}'`, context);
  }

  /**
   * Bytes `[offset, offset + length)` of a blob behind a SAS link (no bearer token). A server that
   * ignores Range answers 200 with the whole body: the bytes before `offset` are skipped as they
   * stream by and the rest is left unread. A range starting at or past the end is `end` (416).
   */
  async readRange(url: string, offset: number, length: number, subject: string, context: CallContext & { operation: string }): Promise<RangeRead> {
    const parsed = checkLink(url, subject);
    return this.requester.call(
      { operation: context.operation, run: context.run, signal: context.signal, budget: { key: `azureml:blob:${parsed.host}`, ...this.rate('blob') } },
      async (signal) => {
        const response = await httpGet(url, {
          surface: 'blob',
          subject,
          headers: { range: `bytes=${offset}-${offset + length - 1}`, 'x-ms-version': '2021-08-06', accept: '*/*' },
          accept: [416],
          ...this.common(signal),
        });
        if (response.statusCode === 416) {
          discard(response);
          return { kind: 'end', ...totalFrom(response) };
        }
        if (response.statusCode === 206) {
          const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(response, 'content-range') ?? '');
          if (!range || Number(range[1]) !== offset) {
            discard(response);
            throw new AzureHttpError('blob', 206, 'UnexpectedRange', `storage answered a different range than asked for ${subject}`, undefined, subject);
          }
          const bytes = await readAtMost(response, 0, length);
          const total = range[3] === '*' ? undefined : Number(range[3]);
          const end = Number(range[2]) + 1;
          return { kind: 'bytes', bytes: bytes.data, ...(total !== undefined ? { total } : {}), eof: total !== undefined ? end >= total : bytes.data.length < length, ranged: true };
        }
        // 200: Range was ignored. Skip to the offset in the stream and read on from there.
        if (!this.warnedNoRange.has(subject)) {
          this.warnedNoRange.add(subject);
          this.debug(`azureml: storage ignored the Range header for ${subject}; reading from the start and skipping ${offset} bytes (${printable(url)})`);
        }
        const contentLength = Number(header(response, 'content-length'));
        const read = await readAtMost(response, offset, length);
        if (read.skipped < offset) return { kind: 'end', total: read.skipped };
        const total = Number.isFinite(contentLength) ? contentLength : read.ended ? offset + read.data.length : undefined;
        return { kind: 'bytes', bytes: read.data, ...(total !== undefined ? { total } : {}), eof: read.ended, ranged: false };
      },
    );
  }

  /** A streamed GET of a whole blob (for storage that ignores Range); the caller reads and discards the body. */
  async openStream(url: string, subject: string, context: CallContext & { operation: string }): Promise<HttpResponse> {
    const parsed = checkLink(url, subject);
    return this.requester.call({ operation: context.operation, run: context.run, signal: context.signal, budget: { key: `azureml:blob:${parsed.host}`, ...this.rate('blob') } }, (signal) =>
      httpGet(url, { surface: 'blob', subject, headers: { accept: '*/*' }, ...this.common(signal) }),
    );
  }

  private common(signal: AbortSignal | undefined): { signal?: AbortSignal; dispatcher?: Dispatcher } {
    return { ...(signal ? { signal } : {}), ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) };
  }

  /** The configured workspace, for listing. */
  defaultWorkspace(): WorkspaceId {
    const ws = this.config.defaultWorkspace;
    if (!ws) throw invalidInput(noWorkspaceMessage('listing jobs'), { provider: 'azureml' });
    return ws;
  }
}

/** A link the service handed out may be fetched only over https, or plain http on a loopback host. */
function checkLink(url: string, subject: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw providerError(`the service gave an invalid download link for ${subject}`, { provider: 'azureml' });
  }
  if (!isFetchable(parsed)) throw providerError(`refusing to fetch ${subject} over ${parsed.protocol}// from a non-loopback host (${parsed.host})`, { provider: 'azureml' });
  return parsed;
}

/** ARM calls: the caller's signal, and a per-request timeout (the SDK has none by default). */
function armOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal; requestOptions: { timeout: number } } {
  return { ...(signal ? { abortSignal: signal } : {}), requestOptions: { timeout: 60_000 } };
}

/** The metric service's per-run base, for the job whose name is the run id. */
function metricBase(loc: JobLocation): string {
  return `/metric/v2.0${scopePath(loc)}/runs/${encodeURIComponent(loc.job)}`;
}

function mlflowBase(ws: WorkspaceId): string {
  return `/mlflow/v2.0${scopePath(ws)}/api/2.0/mlflow`;
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function totalFrom(response: HttpResponse): { total?: number } {
  const match = /^bytes \*\/(\d+)$/.exec(header(response, 'content-range') ?? '');
  return match ? { total: Number(match[1]) } : {};
}

/**
 * Reads a response body, skipping its first `skip` bytes and keeping at most `length` after them;
 * the rest is not downloaded (the body is destroyed). Never holds more than `length` bytes.
 */
async function readAtMost(response: HttpResponse, skip: number, length: number): Promise<{ data: Buffer; skipped: number; ended: boolean }> {
  const chunks: Buffer[] = [];
  let skipped = 0;
  let kept = 0;
  let ended = true;
  try {
    for await (const raw of response.body) {
      let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
      if (skipped < skip) {
        const drop = Math.min(skip - skipped, chunk.length);
        skipped += drop;
        chunk = chunk.subarray(drop);
        if (chunk.length === 0) continue;
      }
      const take = Math.min(length - kept, chunk.length);
      if (take > 0) {
        chunks.push(chunk.subarray(0, take));
        kept += take;
      }
      if (take < chunk.length || kept >= length) {
        // Enough: whether the body ends right here is unknown, so say it does not (the next read finds out).
        ended = false;
        break;
      }
    }
  } finally {
    discard(response);
  }
  return { data: Buffer.concat(chunks, kept), skipped, ended };
}
