/**
 * Loopback Azure Machine Learning emulator: one node:http server speaking ARM, Run History, the
 * metric service, MLflow, the artifact service and blob downloads, plus seed hooks and fault injection.
 */
import { createServer } from 'node:http';

import { armFail, armRoutes } from './arm.js';
import { SasSigner, bearerProblem } from './auth.js';
import { artifactRoutes, blobFail, blobRoutes } from './blobs.js';
import { scopePath } from './context.js';
import { FaultInjector } from './faults.js';
import { historyRoutes, serviceFail } from './history.js';
import { sendJson } from './http.js';
import { metricRoutes } from './metric.js';
import { mlflowFail, mlflowRoutes } from './mlflow.js';
import { seedGrowingLogs, seedScenarios } from './scenarios.js';
import { Workspace, stableUuid } from './state.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { BodySource } from './content.js';
import type { EmulatorContext } from './context.js';
import type { FaultHandle, FaultSpec, FiredFault } from './faults.js';
import type { Exchange, Fail, RecordedRequest, Route, Surface } from './http.js';
import type { GrowingLogs, GrowingLogsOptions } from './scenarios.js';
import type { JobSpec, JobStatus, MetricValue, RunErrorSpec } from './state.js';

export interface AzuremlEmulatorOptions {
  /** Default 0 (any free port). The server binds 127.0.0.1 only. */
  port?: number;
  /** The bearer token ARM and the data plane accept. Default `runlens-emulator-token`. */
  token?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  workspace?: string;
  region?: string;
  /** Server-side cap on MLflow get-history `max_results`, and the metric service's `full` page size. Default 1000. */
  metricPageMax?: number;
  /** Metric service `runs/{runId}/list` page size. Default 3, so paging is exercised. */
  metricListPageSize?: number;
  /** ARM jobs list page size. Default 3, so paging is exercised. */
  jobPageSize?: number;
  /** MLflow artifacts/list page size. Default 3, so paging is exercised. */
  artifactPageSize?: number;
  /** Default true; false makes blob downloads ignore Range and answer 200 with the whole body. */
  rangeSupport?: boolean;
  /** Epoch milliseconds; drives default timestamps, status times and SAS expiry. Default Date.now. */
  clock?: () => number;
  /** Seed the deterministic scenarios (see SCENARIO_NAMES). Default false. */
  scenarios?: boolean;
}

export interface AzuremlEmulatorEnv {
  AZURE_SUBSCRIPTION_ID: string;
  AZURE_RESOURCE_GROUP: string;
  AZUREML_WORKSPACE_NAME: string;
  AZUREML_ACCESS_TOKEN: string;
  AZUREML_ARM_ENDPOINT: string;
  AZUREML_DATAPLANE_ENDPOINT: string;
}

export interface FaultControls {
  inject(spec: FaultSpec): FaultHandle;
  clear(): void;
}

export interface AzuremlEmulator {
  /** `http://127.0.0.1:{port}`: both the ARM endpoint and the data-plane host. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  readonly region: string;
  /** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}` */
  readonly scopePath: string;
  readonly env: AzuremlEmulatorEnv;
  /** Requests served since start or the last `resetRequests()`, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  readonly faults: FaultControls;
  /** Clears the request log and the `bytesServed()` counter. */
  resetRequests(): void;
  /** Body bytes sent by blob and artifact-content downloads. */
  bytesServed(): number;
  putJob(spec: JobSpec): void;
  setStatus(name: string, status: JobStatus): void;
  appendLog(name: string, path: string, text: BodySource): void;
  setLog(name: string, path: string, body: BodySource): void;
  logMetric(name: string, key: string, value: MetricValue, step?: number, timestamp?: number): void;
  putArtifact(name: string, path: string, body: BodySource): void;
  setRunError(name: string, error: RunErrorSpec): void;
  seedGrowingLogs(name: string, options: GrowingLogsOptions): GrowingLogs;
  close(): Promise<void>;
}

interface SurfaceBinding {
  readonly surface: Surface;
  readonly prefix: RegExp;
  readonly auth: 'bearer' | 'none';
  readonly routes: readonly Route[];
  readonly fail: Fail;
}

export async function startAzuremlEmulator(options: AzuremlEmulatorOptions = {}): Promise<AzuremlEmulator> {
  const token = options.token ?? 'runlens-emulator-token';
  const clock = options.clock ?? Date.now;
  const workspace = new Workspace({
    subscriptionId: options.subscriptionId ?? '6f1c2b7e-4a3d-4e5f-9a8b-0c1d2e3f4a5b',
    resourceGroup: options.resourceGroup ?? 'rl-emulator-rg',
    workspace: options.workspace ?? 'rl-emulator-ws',
    region: options.region ?? 'eastus',
  }, clock);
  let baseUrl = '';
  let blobBytes = 0;
  const context: EmulatorContext = {
    workspace,
    sas: new SasSigner(createSigningKey(token)),
    settings: {
      metricPageMax: options.metricPageMax ?? 1000,
      metricListPageSize: options.metricListPageSize ?? 3,
      jobPageSize: options.jobPageSize ?? 3,
      artifactPageSize: options.artifactPageSize ?? 3,
      rangeSupport: options.rangeSupport ?? true,
    },
    baseUrl: () => baseUrl,
    countBlobBytes: (bytes) => {
      blobBytes += bytes;
    },
  };
  if (options.scenarios === true) seedScenarios(workspace);

  const surfaces = bindSurfaces(context);
  const faults = new FaultInjector();
  let requests: RecordedRequest[] = [];
  let requestCount = 0;

  const server = createServer((req, res) => {
    requestCount += 1;
    const binding = surfaceFor(surfaces, req);
    const exchange = openExchange(req, res, binding.surface, stableUuid(`request:${requestCount}`));
    requests.push(exchange.record);
    void serve(exchange, binding, faults.fire(req.url ?? '/'), token);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  const { identity } = workspace;

  return {
    url: baseUrl,
    port,
    token,
    ...identity,
    scopePath: scopePath(identity),
    env: {
      AZURE_SUBSCRIPTION_ID: identity.subscriptionId,
      AZURE_RESOURCE_GROUP: identity.resourceGroup,
      AZUREML_WORKSPACE_NAME: identity.workspace,
      AZUREML_ACCESS_TOKEN: token,
      AZUREML_ARM_ENDPOINT: baseUrl,
      AZUREML_DATAPLANE_ENDPOINT: baseUrl,
    },
    get requests() {
      return requests;
    },
    faults: { inject: (spec) => faults.inject(spec), clear: () => faults.clear() },
    resetRequests: () => {
      requests = [];
      blobBytes = 0;
    },
    bytesServed: () => blobBytes,
    putJob: (spec) => void workspace.putJob(spec),
    setStatus: (name, status) => workspace.setStatus(name, status),
    appendLog: (name, path, text) => workspace.appendLog(name, path, text),
    setLog: (name, path, body) => workspace.setLog(name, path, body),
    logMetric: (name, key, value, step, timestamp) => workspace.logMetric(name, key, value, step, timestamp),
    putArtifact: (name, path, body) => workspace.putArtifact(name, path, body),
    setRunError: (name, error) => workspace.setRunError(name, error),
    seedGrowingLogs: (name, growing) => seedGrowingLogs(workspace, name, growing),
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error === undefined ? resolve() : reject(error)));
      server.closeAllConnections();
    }),
  };
}

/** SAS signing key derived from the token, so URLs stay valid across restarts with the same token. */
function createSigningKey(token: string): string {
  return stableUuid(`sas-key:${token}`);
}

const UNKNOWN_SURFACE: SurfaceBinding = { surface: 'unknown', prefix: /^/, auth: 'none', routes: [], fail: armFail };

function bindSurfaces(context: EmulatorContext): SurfaceBinding[] {
  return [
    { surface: 'arm', prefix: /^\/subscriptions\//i, auth: 'bearer', routes: armRoutes(context), fail: armFail },
    {
      surface: 'history',
      prefix: /^\/history\//i,
      auth: 'bearer',
      routes: historyRoutes(context),
      fail: (exchange, problem, message) => serviceFail(context, exchange, problem, message),
    },
    {
      surface: 'metric',
      prefix: /^\/metric\//i,
      auth: 'bearer',
      routes: metricRoutes(context),
      fail: (exchange, problem, message) => serviceFail(context, exchange, problem, message),
    },
    { surface: 'mlflow', prefix: /^\/mlflow\//i, auth: 'bearer', routes: mlflowRoutes(context), fail: mlflowFail },
    {
      surface: 'artifact',
      prefix: /^\/artifact\//i,
      auth: 'bearer',
      routes: artifactRoutes(context),
      fail: (exchange, problem, message) => serviceFail(context, exchange, problem, message),
    },
    {
      surface: 'blob',
      prefix: /^\/blob\//,
      auth: 'none', // SAS is checked per blob, since the signature covers the blob path
      routes: blobRoutes(context),
      fail: (exchange, problem, message) => blobFail(context, exchange, problem, message),
    },
    {
      surface: 'discovery',
      prefix: /^\/discovery$/,
      auth: 'none',
      routes: [{ methods: ['GET'], pattern: /^\/discovery$/, handle: (exchange) => sendJson(exchange, 200, discovery(context)) }],
      fail: armFail,
    },
  ];
}

/** Regional service directory behind the workspace's discoveryUrl: every service is this server. */
function discovery(context: EmulatorContext): Record<string, string> {
  const base = context.baseUrl();
  return Object.fromEntries(
    ['api', 'catalog', 'experimentation', 'gallery', 'history', 'hyperdrive', 'labeling', 'modelmanagement', 'pipelines', 'studio']
      .map((service) => [service, base]),
  );
}

function surfaceFor(surfaces: readonly SurfaceBinding[], req: IncomingMessage): SurfaceBinding {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  return surfaces.find((binding) => binding.prefix.test(path)) ?? UNKNOWN_SURFACE;
}

function openExchange(req: IncomingMessage, res: ServerResponse, surface: Surface, requestId: string): Exchange {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const record: RecordedRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: redactedQuery(url.searchParams),
    headers: redactedHeaders(req),
    surface,
    status: 0,
    bytesSent: 0,
  };
  return { req, res, url, record, requestId };
}

async function serve(exchange: Exchange, binding: SurfaceBinding, fault: FiredFault | undefined, token: string): Promise<void> {
  const { req, res, url } = exchange;
  try {
    if (fault?.kind === 'slow') await sleep(fault.delayMs);
    else if (fault !== undefined) {
      injectFault(exchange, binding.fail, fault);
      return;
    }
    if (binding.auth === 'bearer') {
      const problem = bearerProblem(req, token);
      if (problem !== undefined) {
        binding.fail(exchange, problem, 'Authentication failed.');
        return;
      }
    }
    const method = req.method ?? 'GET';
    for (const route of binding.routes) {
      const match = route.methods.includes(method) ? route.pattern.exec(url.pathname) : null;
      if (match !== null) {
        await route.handle(exchange, match.slice(1).map((part) => part ?? ''));
        return;
      }
    }
    binding.fail(exchange, 'not-found', `No route for ${method} ${url.pathname}.`);
  } catch (error) {
    if (res.headersSent) res.destroy();
    else binding.fail(exchange, 'internal', `Emulator error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function injectFault(exchange: Exchange, fail: Fail, fault: FiredFault): void {
  switch (fault.kind) {
    case 'throttle':
      exchange.res.setHeader('retry-after', Math.ceil(fault.delayMs / 1000));
      fail(exchange, 'throttled', 'Too many requests.');
      return;
    case '500':
      fail(exchange, 'internal', 'Injected fault: internal error.');
      return;
    case '503':
      fail(exchange, 'unavailable', 'Injected fault: service unavailable.');
      return;
    case 'drop':
      exchange.req.socket.destroy();
      return;
    case 'slow':
      return;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function redactedQuery(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, raw] of params) {
    const value = name === 'sig' ? '<redacted>' : raw;
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

function redactedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = name === 'authorization' ? text.replace(/^(\S+)\s+.*$/, '$1 <redacted>') : text;
  }
  return headers;
}
