// The MLflow tracking REST client: every call through core's requester (shared budget, retries with
// back-off honouring Retry-After, one error mapping). Endpoints and shapes: mlflow/protos/service.proto
// and mlflow_artifacts.proto (docs/providers/mlflow.md cites each).
import { invalidInput, paginate, providerError, RunlensError, unsupported, type Requester } from '@runlens/core';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { noAuth, type MlflowAuth } from './auth.js';
import { parseTrackingTarget } from './targets.js';
import { objectUrl, parseS3Uri, type S3Access, type S3Location } from './s3-artifacts.js';
import { discard, header, readJson, send, type SendOptions } from './http.js';
import type { MlflowRunStatus } from './limits.js';
import type {
  CreateMultipartUploadResponse,
  KeyValue,
  MlflowExperiment,
  MlflowFileInfo,
  MlflowMetric,
  MlflowRun,
  MlflowRunInfo,
  MultipartUploadCredential,
  MultipartUploadPart,
} from './wire.js';

export interface MlflowClientOptions {
  /** The REST base: `http(s)://host[:port][/prefix]` (see `resolveTrackingUri` for other forms). */
  readonly baseUrl: string;
  readonly requester: Requester;
  readonly auth?: MlflowAuth;
  /** Undici dispatcher (tests pass a MockAgent); default: undici's global dispatcher. */
  readonly dispatcher?: Dispatcher;
  /** Requests per second per operation. MLflow publishes no limit; default 50 (burst 100). */
  readonly requestsPerSecond?: number;
  /** How runs with `s3://` artifact roots are reached (a SageMaker target); absent: such runs are Unsupported. */
  readonly s3?: S3Access;
}

/** One run's artifacts wherever they are: the tracking server's proxy or (SageMaker) S3. Paths are relative to the run's artifact root. */
export interface RunArtifactStore {
  readonly kind: 'proxy' | 's3';
  /** One directory level: names relative to `dir` ('' for the root). */
  list(dir: string, options?: CallOptions): Promise<readonly MlflowFileInfo[]>;
  download(path: string, options?: CallOptions & { readonly offset?: number }): Promise<{ size?: number; skip: number; body: Readable }>;
}

/** S3 rejects a single PUT above 5 GiB. */
const S3_MAX_PUT = 5 * 1024 ** 3;
/** boto3's TransferConfig defaults (multipart_threshold, multipart_chunksize: 8 MiB), which MLflow's S3 repository uses; S3's part rules: ≥ 5 MiB but the last, ≤ 10,000 parts. */
const S3_MULTIPART_THRESHOLD = 8 * 1024 * 1024;
const S3_MIN_PART = 5 * 1024 * 1024;
const S3_MAX_PARTS = 10_000;

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** The run the call is about, for error messages. */
  readonly run?: string;
  /** 1 disables core's retries for a call the caller must not repeat blindly. */
  readonly maxAttempts?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken?: string;
}

export interface CreateRunRequest {
  readonly experimentId: string;
  readonly runName?: string;
  /** Epoch ms; any past time is accepted, which is how a copy keeps the original start. */
  readonly startTime?: number;
  readonly tags?: readonly KeyValue[];
  readonly userId?: string;
}

export interface UpdateRunRequest {
  readonly runId: string;
  readonly status?: MlflowRunStatus;
  readonly endTime?: number;
  readonly runName?: string;
}

export interface SearchRunsRequest {
  readonly experimentIds: readonly string[];
  readonly filter?: string;
  readonly maxResults?: number;
  readonly orderBy?: readonly string[];
  readonly pageToken?: string;
  /** ACTIVE_ONLY (default), DELETED_ONLY or ALL. */
  readonly runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
}

export interface LogBatchRequest {
  readonly metrics?: readonly MlflowMetric[];
  readonly params?: readonly KeyValue[];
  readonly tags?: readonly KeyValue[];
}

/** A body that can be produced again for a retry (a stream can be read only once). */
export type UploadBody = Buffer | Uint8Array | string | (() => AsyncIterable<Uint8Array>);

const DEFAULT_RATE = { ratePerSecond: 50, burst: 100 };

/** RFC 3986 encoding (`%20`, never `+`; `!'()*` escaped too): what SigV4 canonicalises a query to, so a signed URL's query is sent as it was signed ([SM] auth.py replaces `+` by `%20` for the same reason). */
export function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function queryString(query: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(query)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${strictEncode(k)}=${strictEncode(String(v))}`)
    .join('&');
}

/** `a/b c/d.txt` → `a/b%20c/d.txt`: each segment encoded, slashes kept. */
export function encodePath(path: string): string {
  return path.split('/').filter((s) => s !== '').map(encodeURIComponent).join('/');
}

export class MlflowClient {
  readonly baseUrl: string;
  private readonly requester: Requester;
  private readonly auth: MlflowAuth;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly rate: { ratePerSecond: number; burst: number };
  private readonly host: string;
  private readonly s3: S3Access | undefined;

  constructor(options: MlflowClientOptions) {
    this.s3 = options.s3;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.requester = options.requester;
    this.auth = options.auth ?? noAuth;
    this.dispatcher = options.dispatcher;
    const rps = options.requestsPerSecond;
    this.rate = rps ? { ratePerSecond: rps, burst: Math.max(1, Math.ceil(rps)) } : DEFAULT_RATE;
    this.host = new URL(this.baseUrl).host;
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private call<T>(operation: string, options: CallOptions, run: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    return this.requester.call(
      {
        operation,
        budget: { key: `mlflow:${this.host}:${operation}`, ...this.rate },
        ...(options.run ? { run: options.run } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      },
      run,
    );
  }

  private request(signal: AbortSignal | undefined, options: Omit<SendOptions, 'auth' | 'dispatcher' | 'signal'>) {
    return send({ ...options, auth: this.auth, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}), ...(signal ? { signal } : {}) });
  }

  private api(path: string, query?: Record<string, string | number | undefined>): string {
    const text = queryString(query ?? {});
    return `${this.baseUrl}/api/2.0/mlflow/${path}${text ? `?${text}` : ''}`;
  }

  private getJson<T>(operation: string, path: string, query: Record<string, string | number | undefined>, subject: string, options: CallOptions): Promise<T> {
    return this.call(operation, options, async (signal) => readJson<T>(await this.request(signal, { method: 'GET', url: this.api(path, query), subject })));
  }

  private postJson<T>(operation: string, path: string, body: unknown, subject: string, options: CallOptions): Promise<T> {
    const text = JSON.stringify(body);
    return this.call(operation, options, async (signal) =>
      readJson<T>(await this.request(signal, { method: 'POST', url: this.api(path), body: text, contentType: 'application/json', subject })),
    );
  }

  // ---- experiments ---------------------------------------------------------------------------

  /** The experiment of this name, or undefined when there is none (the server answers 404 RESOURCE_DOES_NOT_EXIST). */
  async getExperimentByName(name: string, options: CallOptions = {}): Promise<MlflowExperiment | undefined> {
    try {
      const answer = await this.getJson<{ experiment?: MlflowExperiment }>('experiments.get-by-name', 'experiments/get-by-name', { experiment_name: name }, `experiment '${name}'`, options);
      return answer.experiment;
    } catch (e) {
      if ((e as { code?: string }).code === 'NotFound') return undefined;
      throw e;
    }
  }

  async getExperiment(experimentId: string, options: CallOptions = {}): Promise<MlflowExperiment> {
    const answer = await this.getJson<{ experiment: MlflowExperiment }>('experiments.get', 'experiments/get', { experiment_id: experimentId }, `experiment '${experimentId}'`, options);
    return answer.experiment;
  }

  /** Creates an experiment; a taken name is an InvalidInput error with providerCode RESOURCE_ALREADY_EXISTS. */
  async createExperiment(name: string, extra: { artifactLocation?: string; tags?: readonly KeyValue[] } = {}, options: CallOptions = {}): Promise<string> {
    const body = { name, ...(extra.artifactLocation ? { artifact_location: extra.artifactLocation } : {}), ...(extra.tags?.length ? { tags: extra.tags } : {}) };
    // Not repeated blindly: a lost answer to a create that succeeded would make the retry fail as "already exists".
    const answer = await this.postJson<{ experiment_id: string }>('experiments.create', 'experiments/create', body, `experiment '${name}'`, { maxAttempts: 1, ...options });
    return String(answer.experiment_id);
  }

  /** The id of the experiment of this name, created when missing; a concurrent creator's win is taken as found. */
  async ensureExperiment(name: string, options: CallOptions = {}): Promise<string> {
    const found = await this.getExperimentByName(name, options);
    if (found) return String(found.experiment_id);
    try {
      return await this.createExperiment(name, {}, options);
    } catch (e) {
      if ((e as { providerCode?: string }).providerCode !== 'RESOURCE_ALREADY_EXISTS') throw e;
      const raced = await this.getExperimentByName(name, options);
      if (!raced) throw e;
      return String(raced.experiment_id);
    }
  }

  async searchExperimentsPage(request: { filter?: string; maxResults?: number; pageToken?: string; orderBy?: readonly string[]; viewType?: string } = {}, options: CallOptions = {}): Promise<Page<MlflowExperiment>> {
    const body = {
      ...(request.filter ? { filter: request.filter } : {}),
      ...(request.maxResults ? { max_results: request.maxResults } : {}),
      ...(request.pageToken ? { page_token: request.pageToken } : {}),
      ...(request.orderBy?.length ? { order_by: request.orderBy } : {}),
      ...(request.viewType ? { view_type: request.viewType } : {}),
    };
    const answer = await this.postJson<{ experiments?: MlflowExperiment[]; next_page_token?: string }>('experiments.search', 'experiments/search', body, 'experiments', options);
    return { items: answer.experiments ?? [], ...(answer.next_page_token ? { nextPageToken: answer.next_page_token } : {}) };
  }

  // ---- runs ----------------------------------------------------------------------------------

  /** Creates a run. Not retried by default: a retry after a lost answer would create a second run. */
  async createRun(request: CreateRunRequest, options: CallOptions = {}): Promise<MlflowRun> {
    const body = {
      experiment_id: request.experimentId,
      ...(request.runName !== undefined ? { run_name: request.runName } : {}),
      ...(request.startTime !== undefined ? { start_time: request.startTime } : {}),
      ...(request.tags?.length ? { tags: request.tags } : {}),
      ...(request.userId !== undefined ? { user_id: request.userId } : {}),
    };
    const answer = await this.postJson<{ run: MlflowRun }>('runs.create', 'runs/create', body, `a run in experiment '${request.experimentId}'`, { maxAttempts: 1, ...options });
    return answer.run;
  }

  async getRun(runId: string, options: CallOptions = {}): Promise<MlflowRun> {
    const answer = await this.getJson<{ run: MlflowRun }>('runs.get', 'runs/get', { run_id: runId }, `run '${runId}'`, { run: runId, ...options });
    return answer.run;
  }

  async updateRun(request: UpdateRunRequest, options: CallOptions = {}): Promise<MlflowRunInfo | undefined> {
    const body = {
      run_id: request.runId,
      ...(request.status ? { status: request.status } : {}),
      ...(request.endTime !== undefined ? { end_time: request.endTime } : {}),
      ...(request.runName !== undefined ? { run_name: request.runName } : {}),
    };
    const answer = await this.postJson<{ run_info?: MlflowRunInfo }>('runs.update', 'runs/update', body, `run '${request.runId}'`, { run: request.runId, ...options });
    return answer.run_info;
  }

  async searchRunsPage(request: SearchRunsRequest, options: CallOptions = {}): Promise<Page<MlflowRun>> {
    const body = {
      experiment_ids: request.experimentIds,
      ...(request.filter ? { filter: request.filter } : {}),
      ...(request.maxResults ? { max_results: request.maxResults } : {}),
      ...(request.orderBy?.length ? { order_by: request.orderBy } : {}),
      ...(request.pageToken ? { page_token: request.pageToken } : {}),
      ...(request.runViewType ? { run_view_type: request.runViewType } : {}),
    };
    const answer = await this.postJson<{ runs?: MlflowRun[]; next_page_token?: string }>('runs.search', 'runs/search', body, 'runs', options);
    return { items: answer.runs ?? [], ...(answer.next_page_token ? { nextPageToken: answer.next_page_token } : {}) };
  }

  /** Every run the search matches, page after page (core's paginator). */
  async *searchRuns(request: Omit<SearchRunsRequest, 'pageToken'>, options: CallOptions = {}): AsyncGenerator<readonly MlflowRun[]> {
    for await (const page of paginate<Page<MlflowRun>>({
      fetch: (token) => this.searchRunsPage({ ...request, ...(token ? { pageToken: token } : {}) }, options),
      nextToken: (page) => page.nextPageToken,
      stopOnSameToken: 'fail',
      what: 'MLflow runs/search',
    })) {
      yield page.items;
    }
  }

  async setTag(runId: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    await this.postJson('runs.set-tag', 'runs/set-tag', { run_id: runId, key, value }, `tag '${key}'`, { run: runId, ...options });
  }

  /** `runs/delete-tag`; a tag that is not there is a NotFound error (RESOURCE_DOES_NOT_EXIST, store `delete_tag`). */
  async deleteTag(runId: string, key: string, options: CallOptions = {}): Promise<void> {
    await this.postJson('runs.delete-tag', 'runs/delete-tag', { run_id: runId, key }, `tag '${key}'`, { run: runId, ...options });
  }

  async logParameter(runId: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    await this.postJson('runs.log-parameter', 'runs/log-parameter', { run_id: runId, key, value }, `param '${key}'`, { run: runId, ...options });
  }

  /**
   * One log-batch request. Metrics append on the server: a retried batch whose first attempt was
   * applied stores its points twice, so a writer that must not duplicate passes `maxAttempts: 1`
   * and checks the history before sending again.
   */
  async logBatch(runId: string, batch: LogBatchRequest, options: CallOptions = {}): Promise<void> {
    const body = {
      run_id: runId,
      ...(batch.metrics?.length ? { metrics: batch.metrics } : {}),
      ...(batch.params?.length ? { params: batch.params } : {}),
      ...(batch.tags?.length ? { tags: batch.tags } : {}),
    };
    await this.postJson('runs.log-batch', 'runs/log-batch', body, `a batch for run '${runId}'`, { run: runId, ...options });
  }

  // ---- metrics -------------------------------------------------------------------------------

  async metricHistoryPage(runId: string, key: string, request: { pageToken?: string; maxResults?: number } = {}, options: CallOptions = {}): Promise<Page<MlflowMetric>> {
    const answer = await this.getJson<{ metrics?: MlflowMetric[]; next_page_token?: string }>(
      'metrics.get-history',
      'metrics/get-history',
      { run_id: runId, metric_key: key, max_results: request.maxResults, page_token: request.pageToken },
      `metric '${key}'`,
      { run: runId, ...options },
    );
    return { items: answer.metrics ?? [], ...(answer.next_page_token ? { nextPageToken: answer.next_page_token } : {}) };
  }

  /** A metric's whole history, page after page. `pageSize` is sent as max_results (servers cap it). */
  async *metricHistory(runId: string, key: string, pageSize = 25_000, options: CallOptions = {}): AsyncGenerator<readonly MlflowMetric[]> {
    for await (const page of paginate<Page<MlflowMetric>>({
      fetch: (token) => this.metricHistoryPage(runId, key, { maxResults: pageSize, ...(token ? { pageToken: token } : {}) }, options),
      nextToken: (page) => page.nextPageToken,
      stopOnSameToken: 'fail',
      what: `MLflow metric history of '${key}'`,
    })) {
      yield page.items;
    }
  }

  // ---- artifacts -----------------------------------------------------------------------------

  /** `GET mlflow/artifacts/list` (by run, through the tracking store): the run's root URI and one directory level. */
  async listRunArtifactsPage(runId: string, path: string | undefined, pageToken?: string, options: CallOptions = {}): Promise<Page<MlflowFileInfo> & { rootUri?: string }> {
    const answer = await this.getJson<{ root_uri?: string; files?: MlflowFileInfo[]; next_page_token?: string }>(
      'artifacts.list',
      'artifacts/list',
      { run_id: runId, path, page_token: pageToken },
      `artifacts of run '${runId}'`,
      { run: runId, ...options },
    );
    return { items: answer.files ?? [], ...(answer.root_uri ? { rootUri: answer.root_uri } : {}), ...(answer.next_page_token ? { nextPageToken: answer.next_page_token } : {}) };
  }

  private proxyUrl(path: string): string {
    return `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${encodePath(path)}`;
  }

  /** One directory level through the artifacts proxy: `GET mlflow-artifacts/artifacts?path=`. Paths in the answer are names relative to `path`. */
  async listArtifacts(path: string, options: CallOptions = {}): Promise<readonly MlflowFileInfo[]> {
    const url = `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts?${queryString({ path })}`;
    const answer = await this.call('artifacts.proxy.list', options, async (signal) =>
      readJson<{ files?: MlflowFileInfo[] }>(await this.request(signal, { method: 'GET', url, subject: `artifact directory '${path}'` })),
    );
    return answer.files ?? [];
  }

  /**
   * A byte stream of one artifact through the proxy; the body streams after the call returns. With
   * `offset`, asks for `Range: bytes=<offset>-`: a server that honours it answers 206 (`skip` 0); one
   * that ignores it answers the whole file and `skip` says how many leading bytes to drop.
   */
  async downloadArtifact(path: string, options: CallOptions & { readonly offset?: number } = {}): Promise<{ size?: number; skip: number; body: Readable }> {
    const offset = options.offset ?? 0;
    let response: Awaited<ReturnType<typeof send>>;
    try {
      response = await this.call('artifacts.proxy.download', options, (signal) =>
        this.request(signal, { method: 'GET', url: this.proxyUrl(path), headers: { accept: '*/*', ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) }, subject: `artifact '${path}'` }),
      );
    } catch (error) {
      // 416: nothing at or after the offset (the reader is at the end of the file).
      if (offset > 0 && (error as { status?: number }).status === 416) return { size: 0, skip: 0, body: Readable.from([]) };
      throw error;
    }
    // A body left before its end reports an abort as 'error'; the caller may stop early on purpose.
    response.body.on('error', () => undefined);
    const lengthHeader = header(response, 'content-length');
    const length = Number(lengthHeader);
    const skip = offset > 0 && response.statusCode !== 206 ? offset : 0;
    return { ...(lengthHeader !== undefined && Number.isFinite(length) ? { size: length } : {}), skip, body: response.body };
  }

  /** `PUT mlflow-artifacts/artifacts/<path>` with the raw bytes. */
  async uploadArtifact(path: string, body: UploadBody, extra: { size?: number; contentType?: string } = {}, options: CallOptions = {}): Promise<void> {
    await this.call('artifacts.proxy.upload', options, async (signal) => {
      const response = await this.request(signal, {
        method: 'PUT',
        url: this.proxyUrl(path),
        body: typeof body === 'function' ? body() : body,
        contentType: extra.contentType ?? 'application/octet-stream',
        ...(extra.size !== undefined ? { contentLength: extra.size } : {}),
        subject: `artifact '${path}'`,
      });
      discard(response);
    });
  }

  private mpuUrl(action: 'create' | 'complete' | 'abort', directory: string): string {
    const dir = encodePath(directory);
    return `${this.baseUrl}/api/2.0/mlflow-artifacts/mpu/${action}${dir ? `/${dir}` : ''}`;
  }

  /**
   * Starts a multipart upload of `<directory>/<fileName>` (MLflow's client sends the directory in the
   * URL and the file in `path`; the server stores it at the directory joined with the file's base name).
   * A server whose artifact store cannot do multipart answers 501 NOT_IMPLEMENTED: an Unsupported error.
   */
  async createMultipartUpload(directory: string, fileName: string, numParts: number, options: CallOptions = {}): Promise<{ uploadId: string; credentials: readonly MultipartUploadCredential[] }> {
    const text = JSON.stringify({ path: fileName, num_parts: numParts });
    const answer = await this.call('artifacts.mpu.create', { maxAttempts: 1, ...options }, async (signal) =>
      readJson<CreateMultipartUploadResponse>(await this.request(signal, { method: 'POST', url: this.mpuUrl('create', directory), body: text, contentType: 'application/json', subject: `multipart upload of '${fileName}'` })),
    );
    return { uploadId: answer.upload_id ?? '', credentials: answer.credentials ?? [] };
  }

  /** PUTs one part to its presigned URL, with only the headers the credential names; returns its ETag. */
  async uploadPart(credential: MultipartUploadCredential, body: UploadBody, size?: number, options: CallOptions = {}): Promise<MultipartUploadPart> {
    const partNumber = Number(credential.part_number);
    const etag = await this.call('artifacts.mpu.part', options, async (signal) => {
      const response = await send({
        method: 'PUT',
        url: credential.url,
        body: typeof body === 'function' ? body() : body,
        headers: { ...credential.headers },
        ...(size !== undefined ? { contentLength: size } : {}),
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
        ...(signal ? { signal } : {}),
        subject: `part ${partNumber}`,
      });
      discard(response);
      return header(response, 'etag') ?? '';
    });
    return { part_number: partNumber, etag, url: credential.url };
  }

  async completeMultipartUpload(directory: string, fileName: string, uploadId: string, parts: readonly MultipartUploadPart[], options: CallOptions = {}): Promise<void> {
    const text = JSON.stringify({ path: fileName, upload_id: uploadId, parts });
    await this.call('artifacts.mpu.complete', options, async (signal) =>
      discard(await this.request(signal, { method: 'POST', url: this.mpuUrl('complete', directory), body: text, contentType: 'application/json', subject: `multipart upload of '${fileName}'` })),
    );
  }

  async abortMultipartUpload(directory: string, fileName: string, uploadId: string, options: CallOptions = {}): Promise<void> {
    const text = JSON.stringify({ path: fileName, upload_id: uploadId });
    await this.call('artifacts.mpu.abort', options, async (signal) =>
      discard(await this.request(signal, { method: 'POST', url: this.mpuUrl('abort', directory), body: text, contentType: 'application/json', subject: `multipart upload of '${fileName}'` })),
    );
  }
  // ---- artifacts wherever they are ---------------------------------------------------------

  /**
   * The store of a run's artifacts: the proxy for `mlflow-artifacts:` roots; S3 for `s3://` roots of a
   * SageMaker target (listing through the tracking API, reading with GetObject). Anything else is Unsupported.
   */
  artifactStore(info: Pick<MlflowRunInfo, 'run_id' | 'artifact_uri'>): RunArtifactStore {
    const runId = info.run_id;
    const s3 = parseS3Uri(info.artifact_uri);
    if (s3 && this.s3) {
      return {
        kind: 's3',
        list: async (dir, options = {}) => {
          const out: MlflowFileInfo[] = [];
          let token: string | undefined;
          do {
            const page = await this.listRunArtifactsPage(runId, dir || undefined, token, { run: runId, ...options });
            // The tracking API answers paths from the run's root: names relative to `dir`, as the proxy gives them.
            for (const f of page.items) out.push({ ...f, path: dir && f.path.startsWith(`${dir}/`) ? f.path.slice(dir.length + 1) : f.path });
            token = page.nextPageToken;
          } while (token);
          return out;
        },
        download: (path, options = {}) => this.s3Download(s3, path, { run: runId, ...options }),
      };
    }
    const root = proxyRoot(info.artifact_uri, runId);
    return {
      kind: 'proxy',
      list: (dir, options = {}) => this.listArtifacts(dir ? `${root}/${dir}` : root, { run: runId, ...options }),
      download: (path, options = {}) => this.downloadArtifact(`${root}/${path}`, { run: runId, ...options }),
    };
  }

  /** GetObject of `<root>/<path>`, signed for s3 with the caller's credentials; `Range: bytes=N-` with an offset (S3 honours it: 206). */
  private async s3Download(root: S3Location, path: string, options: CallOptions & { readonly offset?: number }): Promise<{ size?: number; skip: number; body: Readable }> {
    const access = this.s3!;
    const offset = options.offset ?? 0;
    const url = objectUrl(access, root.bucket, root.prefix ? `${root.prefix}/${path}` : path);
    let response: Awaited<ReturnType<typeof send>>;
    try {
      response = await this.call('artifacts.s3.get', options, (signal) =>
        send({ method: 'GET', url, auth: access.auth, headers: { accept: '*/*', ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) }, subject: `artifact '${path}'`, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}), ...(signal ? { signal } : {}) }),
      );
    } catch (error) {
      if (offset > 0 && (error as { status?: number }).status === 416) return { size: 0, skip: 0, body: Readable.from([]) };
      throw error;
    }
    response.body.on('error', () => undefined);
    const length = Number(header(response, 'content-length'));
    const skip = offset > 0 && response.statusCode !== 206 ? offset : 0;
    return { ...(Number.isFinite(length) && header(response, 'content-length') !== undefined ? { size: length } : {}), skip, body: response.body };
  }

  /**
   * S3 multipart upload with the caller's credentials (CreateMultipartUpload → UploadPart per part,
   * one part in memory → CompleteMultipartUpload; AbortMultipartUpload on failure), as boto3's
   * `upload_file` does for MLflow's S3 repository above its threshold.
   */
  private async s3Multipart(root: S3Location, path: string, source: { open(): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>> }, size: number, partSize: number, options: CallOptions): Promise<void> {
    const access = this.s3!;
    const url = objectUrl(access, root.bucket, root.prefix ? `${root.prefix}/${path}` : path);
    const common = { subject: `artifact '${path}'`, auth: access.auth, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) };
    const created = await this.call('artifacts.s3.create-multipart', { ...options, maxAttempts: 1 }, async (signal) => (await send({ method: 'POST', url: `${url}?uploads`, body: '', ...common, ...(signal ? { signal } : {}) })).body.text());
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)?.[1];
    if (!uploadId) throw invalidInput(`S3 gave no upload id for artifact '${path}'`, { provider: 'mlflow', ...(options.run ? { run: options.run } : {}) });
    const id = `uploadId=${strictEncode(uploadId)}`;
    try {
      const parts: { n: number; etag: string }[] = [];
      let n = 0;
      for await (const chunk of partsOf(await source.open(), partSize)) {
        n++;
        const partUrl = `${url}?partNumber=${n}&${id}`;
        const etag = await this.call('artifacts.s3.upload-part', options, async (signal) => {
          const response = await send({ method: 'PUT', url: partUrl, body: chunk, contentLength: chunk.byteLength, ...common, ...(signal ? { signal } : {}) });
          discard(response);
          return header(response, 'etag') ?? '';
        });
        parts.push({ n, etag });
      }
      if (parts.length !== Math.max(1, Math.ceil(size / partSize))) throw invalidInput(`artifact '${path}' changed size while it was copied`, { provider: 'mlflow' });
      const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${p.etag.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
      const answer = await this.call('artifacts.s3.complete-multipart', options, async (signal) => (await send({ method: 'POST', url: `${url}?${id}`, body: xml, contentType: 'application/xml', ...common, ...(signal ? { signal } : {}) })).body.text());
      // S3 may answer 200 with an <Error> body to a complete that failed late.
      const late = /<Error>[\s\S]*?<Code>([^<]+)<\/Code>/.exec(answer)?.[1];
      if (late) throw providerError(`artifacts.s3.complete-multipart (artifact '${path}') failed: ${late}`, { provider: 'mlflow', providerCode: late, retryable: false });
    } catch (error) {
      await this.call('artifacts.s3.abort-multipart', { maxAttempts: 1 }, async (signal) => discard(await send({ method: 'DELETE', url: `${url}?${id}`, ...common, ...(signal ? { signal } : {}) }))).catch(() => undefined);
      throw error;
    }
  }

  /** `POST mlflow/artifacts/presigned-upload-url {run_id, path, expiration}` → the URL (opaque, never printed) and the headers to PUT with. */
  async presignedUploadUrl(runId: string, path: string, expiration: number, options: CallOptions = {}): Promise<{ url: string; headers: Record<string, string> }> {
    const answer = await this.postJson<{ presigned_url?: string; headers?: Record<string, unknown> }>('artifacts.presigned-upload-url', 'artifacts/presigned-upload-url', { run_id: runId, path, expiration }, `an upload URL for artifact '${path}'`, { run: runId, ...options });
    if (typeof answer.presigned_url !== 'string' || !/^https?:\/\//.test(answer.presigned_url)) throw invalidInput(`the tracking server gave no upload URL for artifact '${path}'`, { provider: 'mlflow', run: runId });
    const headers = Object.fromEntries(Object.entries(answer.headers ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return { url: answer.presigned_url, headers };
  }

  /**
   * Uploads one file into a run whose artifacts are in S3, streamed, in one PUT: through a presigned
   * URL from the tracking server (a fresh one for every attempt, so a URL that expired meanwhile, or
   * a retry after a network failure, asks again), or straight to S3 signed with the caller's credentials.
   */
  async uploadToS3(
    info: Pick<MlflowRunInfo, 'run_id' | 'artifact_uri'>,
    path: string,
    source: { size?: number; open(): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>> },
    options: CallOptions & { readonly multipartThreshold?: number; readonly partSize?: number } = {},
  ): Promise<void> {
    const root = parseS3Uri(info.artifact_uri);
    const access = this.s3;
    if (!root || !access) throw unsupported(`the run's artifacts are not in S3`, { provider: 'mlflow', run: info.run_id });
    const size = source.size;
    if (size === undefined) throw unsupported(`artifact '${path}' has no known size: S3 needs one for a single PUT (not done: spooling it first)`, { provider: 'mlflow', run: info.run_id });
    const threshold = options.multipartThreshold ?? S3_MULTIPART_THRESHOLD;
    if (!access.presignedUpload && size >= threshold && size > 0) {
      await this.s3Multipart(root, path, source, size, Math.max(options.partSize ?? S3_MULTIPART_THRESHOLD, S3_MIN_PART, Math.ceil(size / S3_MAX_PARTS)), { run: info.run_id, ...(options.signal ? { signal: options.signal } : {}) });
      return;
    }
    if (size > S3_MAX_PUT) throw unsupported(`artifact '${path}' is ${size} bytes, more than S3 takes in one PUT (5 GiB), and presigned multipart upload is not offered by the tracking server`, { provider: 'mlflow', run: info.run_id });
    const body = async function* () {
      yield* await source.open();
    };
    const runId = info.run_id;
    const common = { contentType: 'application/octet-stream', contentLength: size, subject: `artifact '${path}'`, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) };
    if (!access.presignedUpload) {
      const url = objectUrl(access, root.bucket, root.prefix ? `${root.prefix}/${path}` : path);
      await this.call('artifacts.s3.put', { run: runId, ...options }, async (signal) => discard(await send({ method: 'PUT', url, body: body(), auth: access.auth, ...common, ...(signal ? { signal } : {}) })));
      return;
    }
    // Each attempt: a fresh URL, then the PUT. S3 refuses an expired URL with 403 (AccessDenied,
    // "Request has expired"): that one attempt more is taken, not core's retries (a 403 is not retryable).
    const attempts = 3;
    for (let attempt = 1; ; attempt++) {
      const presigned = await this.presignedUploadUrl(runId, path, access.presignedExpiration, options);
      try {
        await this.call('artifacts.s3.presigned-put', { run: runId, ...options, maxAttempts: 1 }, async (signal) =>
          discard(await send({ method: 'PUT', url: presigned.url, body: body(), headers: { ...presigned.headers }, ...common, ...(signal ? { signal } : {}) })),
        );
        return;
      } catch (error) {
        if (options.signal?.aborted || attempt >= attempts) throw error;
        const again = RunlensError.isInstance(error) && (error.retryable === true || (error.status === 403 && /expired/i.test(error.message)));
        if (!again) throw error;
      }
    }
  }
}

/**
 * Where a run's artifacts are under the tracking server's proxy: `mlflow-artifacts:/1/<run>/artifacts`
 * (or with `//host:port`, or an http(s) URL through `/api/2.0/mlflow-artifacts/artifacts/`) gives
 * `1/<run>/artifacts`. A root in a store the server does not proxy (`s3://…`) is Unsupported.
 */
export function proxyRoot(artifactUri: string | undefined, run?: string): string {
  const uri = artifactUri ?? '';
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
  if (proxied) return proxied[1]!.replace(/\/+$/, '');
  const http = /^https?:\/\/[^/]+(?:\/.*)?\/api\/2\.0\/mlflow-artifacts\/artifacts\/*(.*)$/.exec(uri);
  if (http) return http[1]!.replace(/\/+$/, '');
  throw unsupported(`the run's artifacts are stored at '${uri.replace(/\?.*$/, '')}', which this tracking server does not serve through its artifacts proxy (start it with --serve-artifacts)`, { provider: 'mlflow', ...(run ? { run } : {}) });
}

/**
 * The REST base URL of a tracking URI (see `parseTrackingTarget` in targets.ts for the forms): an
 * `http(s)://` server as is, an Azure ML workspace's `azureml://…` over https, a SageMaker managed
 * MLflow ARN's regional endpoint (`SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT` in `env` overrides it).
 */
export function restBaseUrl(trackingUri: string, env: Readonly<Record<string, string | undefined>> = {}): string {
  return parseTrackingTarget(trackingUri, env, 'tracking URI').baseUrl;
}

/** The stream cut into buffers of exactly `size` bytes (the last one shorter): one in memory at a time. */
async function* partsOf(stream: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let length = 0;
  for await (const piece of stream) {
    let buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (length + buffer.byteLength >= size) {
      const take = size - length;
      held.push(buffer.subarray(0, take));
      yield Buffer.concat(held, size);
      held = [];
      length = 0;
      buffer = buffer.subarray(take);
    }
    if (buffer.byteLength > 0) {
      held.push(Buffer.from(buffer));
      length += buffer.byteLength;
    }
  }
  if (length > 0) yield Buffer.concat(held, length);
}
