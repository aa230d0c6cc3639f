/**
 * Loopback ModelArts emulator: one node:http server answering the v2 and v1 training-job
 * APIs behind an API Gateway-style authenticator, plus OBS-style object serving.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { authenticate, type GatewayIdentity } from './auth.js';
import { syntheticLog, type LazyLog } from './bytes.js';
import { cutHalfway, FaultInjector, faultAnswer, type Faults } from './faults.js';
import { matchRoute, readBody, sendGatewayError, sendJson, sendModelartsError, type Exchange, type Route } from './http.js';
import { JobStore, type JobOptions } from './jobs.js';
import type { JobEvent, TaskMetric, TrainingJobDetail, V1JobVersion } from './model.js';
import { handleObs, LOG_BUCKET, LOG_URL_ACCESS_KEY, ObjectStore, presignObsUrl, s3Error, type ObsContext, type ObsListing, type StoredObject } from './obs.js';
import { v1Routes } from './routes/v1.js';
import { v2Routes } from './routes/v2.js';
import { loadScenarios } from './scenarios.js';
import { V1Store, type V1Options } from './v1jobs.js';

export interface EmulatorOptions {
  /** Default 0 (any free port). Always bound to 127.0.0.1. */
  port?: number;
  projectId?: string;
  credentials?: { accessKey: string; secretKey: string };
  /** Accepted as X-Auth-Token. */
  iamToken?: string;
  /** Log preview cap in bytes. Default 5 MiB. */
  previewCapBytes?: number;
  /** Lifetime of log download URLs. Default 5 minutes. */
  obsUrlTtlMs?: number;
  /** Epoch ms; drives X-Sdk-Date skew checks, URL expiry and object times. Default Date.now. */
  clock?: () => number;
  /** Load the deterministic scenarios (scenarios.ts). Default false. */
  scenarios?: boolean;
  /** OBS bucket listings: page size and whether truncated pages carry NextMarker. */
  obsListing?: ObsListing;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Last value wins for repeated keys. */
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
}

export interface ModelartsEmulator {
  readonly endpoint: string;
  readonly projectId: string;
  readonly region: string;
  readonly credentials: { accessKey: string; secretKey: string };
  readonly iamToken: string;
  /** HUAWEICLOUD_SDK_AK/SK/PROJECT_ID, HUAWEICLOUD_REGION, MODELARTS_ENDPOINT, HUAWEICLOUD_OBS_ENDPOINT (`<endpoint>/obs`). */
  readonly env: Readonly<Record<string, string>>;
  readonly faults: Faults;
  readonly requests: readonly RecordedRequest[];
  /** The emulator's clock (epoch ms). */
  now(): number;
  resetRequests(): void;

  /** Adds or replaces a job's detail; its events, logs and metrics are kept. */
  putJob(detail: TrainingJobDetail, options?: JobOptions): void;
  setJobOptions(jobId: string, options: JobOptions): void;
  setPhase(jobId: string, phase: string, secondaryPhase?: string): void;
  addEvent(jobId: string, event: JobEvent): void;
  /** Grows a task's log (creating it); the task must be in status.tasks. */
  appendTaskLog(jobId: string, task: string, text: string): void;
  setTaskLog(jobId: string, task: string, log: string | Uint8Array | LazyLog): void;
  /** A lazily generated log of `bytes` bytes (fixed-width timestamped lines). */
  seedLargeLog(jobId: string, task: string, bytes: number): void;
  setMetrics(jobId: string, task: string, metrics: TaskMetric[]): void;
  putObject(bucket: string, key: string, body: string | Uint8Array | LazyLog): void;
  /** Changes how OBS bucket listings page from now on (see `EmulatorOptions.obsListing`). */
  setObsListing(listing: ObsListing): void;

  putV1Job(version: V1JobVersion, options?: V1Options): void;
  setV1Options(jobId: number, versionId: number, options: V1Options): void;
  appendV1Log(jobId: number, versionId: number, file: string, text: string): void;

  close(): Promise<void>;
}

export const DEFAULT_PROJECT_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
/** Fake, emulator-only credentials: printing them leaks nothing. */
export const DEFAULT_CREDENTIALS = { accessKey: 'EMULATORAK0000000001', secretKey: 'emulator-only-secret-key-0000000000000000' };
export const DEFAULT_IAM_TOKEN = 'MIIEmulatorOnlyIamToken';
const REGION = 'cn-north-4';

export async function startModelartsEmulator(options: EmulatorOptions = {}): Promise<ModelartsEmulator> {
  const clock = options.clock ?? Date.now;
  const projectId = options.projectId ?? DEFAULT_PROJECT_ID;
  const credentials = { ...(options.credentials ?? DEFAULT_CREDENTIALS) };
  const iamToken = options.iamToken ?? DEFAULT_IAM_TOKEN;
  const obsUrlTtlMs = options.obsUrlTtlMs ?? 5 * 60 * 1000;
  const logUrlSecret = randomBytes(24).toString('hex');

  const jobs = new JobStore();
  const v1 = new V1Store();
  const objects = new ObjectStore();
  const faults = new FaultInjector();
  const requests: RecordedRequest[] = [];
  const identity: GatewayIdentity = { projectId, ...credentials, iamToken, clock };
  let endpoint = '';

  const logKey = (jobId: string, task: string) => `${jobId}/${task}/modelarts-job-${jobId}-${task}.log`;
  const logObject = (key: string): StoredObject | undefined => {
    const [jobId = '', task = '', file, ...rest] = key.split('/');
    if (rest.length > 0 || file !== `modelarts-job-${jobId}-${task}.log`) return undefined;
    const source = jobs.get(jobId)?.logs.get(task);
    if (!source) return undefined;
    return { source, lastModified: clock(), etag: createHash('md5').update(`${key}:${source.size()}`).digest('hex') };
  };

  const routes: Route[] = [
    ...v2Routes({
      jobs,
      previewCapBytes: options.previewCapBytes ?? 5 * 1024 * 1024,
      logUrl: (jobId, task) =>
        presignObsUrl({
          endpoint,
          bucket: LOG_BUCKET,
          key: logKey(jobId, task),
          expires: Math.floor((clock() + obsUrlTtlMs) / 1000),
          accessKey: LOG_URL_ACCESS_KEY,
          secretKey: logUrlSecret,
        }),
    }),
    ...v1Routes(v1),
  ];
  const obsContext: ObsContext = { store: objects, logObject, ...credentials, logUrlSecret, clock, listing: { ...options.obsListing } };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', endpoint);
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v ?? ''])),
    });
    const obs = url.pathname === '/obs' || url.pathname.startsWith('/obs/');
    if (!obs) res.setHeader('server', 'api-gateway');
    const body = await readBody(req);
    if (body === undefined) return sendGatewayError(res, 413, 'APIGW.0201', 'Request entity too large.');
    const exchange: Exchange = { req, res, url, body };

    const fault = faults.take(url.pathname + url.search);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'slow') await delay(fault.delayMs);
    else if (fault?.kind === 'cut') cutHalfway(res);
    else if (fault?.kind === 'truncated' && obs) return handleObs(exchange, obsContext, true);
    else if (fault) {
      const answer = faultAnswer(fault, obs);
      if (obs) return s3Error(res, answer.status, answer.code, answer.message, {}, answer.headers);
      if (answer.code.startsWith('APIGW.')) return sendGatewayError(res, answer.status, answer.code, answer.message, answer.headers);
      return sendJson(res, answer.status, { error_code: answer.code, error_msg: answer.message }, answer.headers);
    }

    if (obs) return handleObs(exchange, obsContext);
    const match = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!match) return sendGatewayError(res, 404, 'APIGW.0101', 'The API does not exist or has not been published in the environment.');
    const auth = authenticate(exchange, match.params.project ?? '', identity);
    if (!auth.ok) {
      if (auth.code.startsWith('APIGW.')) return sendGatewayError(res, auth.status, auth.code, auth.message);
      return sendModelartsError(res, auth.status, auth.code, auth.message);
    }
    await match.route.handle(exchange, match.params);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendModelartsError(res, 500, 'ModelArts.0010', `Emulator error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const emulator: ModelartsEmulator = {
    endpoint,
    projectId,
    region: REGION,
    credentials,
    iamToken,
    env: {
      HUAWEICLOUD_SDK_AK: credentials.accessKey,
      HUAWEICLOUD_SDK_SK: credentials.secretKey,
      HUAWEICLOUD_SDK_PROJECT_ID: projectId,
      HUAWEICLOUD_REGION: REGION,
      MODELARTS_ENDPOINT: endpoint,
      HUAWEICLOUD_OBS_ENDPOINT: `${endpoint}/obs`,
    },
    faults,
    requests,
    now: clock,
    resetRequests: () => {
      requests.length = 0;
    },
    putJob: (detail, jobOptions) => jobs.put(detail, jobOptions),
    setJobOptions: (jobId, jobOptions) => jobs.configure(jobId, jobOptions),
    setPhase: (jobId, phase, secondaryPhase) => jobs.setPhase(jobId, phase, secondaryPhase),
    addEvent: (jobId, event) => jobs.addEvent(jobId, event),
    appendTaskLog: (jobId, task, text) => jobs.appendTaskLog(jobId, task, text),
    setTaskLog: (jobId, task, log) => jobs.setTaskLog(jobId, task, log),
    seedLargeLog: (jobId, task, bytes) => {
      const startMs = jobs.get(jobId)?.detail.metadata.create_time ?? clock();
      jobs.setTaskLog(jobId, task, syntheticLog({ size: bytes, task, startMs }));
    },
    setMetrics: (jobId, task, metrics) => jobs.setMetrics(jobId, task, metrics),
    putObject: (bucket, key, body) => objects.put(bucket, key, body, clock()),
    setObsListing: (listing) => {
      obsContext.listing = { ...listing };
    },
    putV1Job: (version, v1Options) => v1.put(version, v1Options),
    setV1Options: (jobId, versionId, v1Options) => v1.configure(jobId, versionId, v1Options),
    appendV1Log: (jobId, versionId, file, text) => v1.appendLog(jobId, versionId, file, text),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  if (options.scenarios) loadScenarios(emulator);
  return emulator;
}
