/**
 * Loopback Kubernetes API emulator: one node:http server speaking the apiserver's JSON wire for the
 * reads a training-job reader needs (pods, events, batch/v1 Jobs, Kubeflow PyTorchJobs, Trainer
 * TrainJobs, JobSets), `pods/{pod}/log` with follow streaming, bearer auth, RBAC-style 403s and
 * fault injection. Binds 127.0.0.1 only.
 */
import { createServer } from 'node:http';

import { authenticate, denied, forbiddenMessage } from './auth.js';
import { FaultInjector } from './faults.js';
import { sendJson, sendNotFound, sendStatus } from './http.js';
import { serveGet, serveList } from './lists.js';
import { LogStore, serveLog } from './logs.js';
import { EVENTS, PODS, RESOURCE_TYPES } from './resources.js';
import { seedScenarios } from './scenarios.js';
import { ObjectStore } from './store.js';

import type { AddressInfo } from 'node:net';

import type { Attributes, DenyRule } from './auth.js';
import type { FaultHandle, FaultSpec, FiredFault } from './faults.js';
import type { Exchange, RecordedRequest } from './http.js';
import type { FollowSettings, LogLine } from './logs.js';
import type { KubeObject, ResourceType } from './resources.js';
import type { Scenarios } from './scenarios.js';

export interface KubernetesEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** The bearer token accepted. Default `runlens-emulator-token`. */
  token?: string;
  /** The user that token authenticates as (shown in 403 messages). */
  user?: string;
  /** Epoch ms; drives log visibility, `sinceSeconds`, growing logs and continue-token age. Default Date.now. */
  clock?: () => number;
  /** Seed the scenarios (see SCENARIO_JOBS). Default false. */
  scenarios?: boolean;
  /** Default namespace of the scenarios and the printed kubeconfig. Default `ml`. */
  namespace?: string;
  /** A chunked list's snapshot can be continued this long (the apiserver: "generally five to fifteen minutes"). Default 5 min. */
  continueTtlMs?: number;
  /** Follow streams silent this long are dropped (kubelet's streaming-connection-idle-timeout, default 4 h). */
  followIdleTimeoutMs?: number;
  /** How an idle follow stream is dropped. Default `end`. */
  followDrop?: 'end' | 'reset';
  /** How often a follow stream re-checks the clock. Default 50 ms. */
  followPollMs?: number;
}

export interface KubernetesEmulator {
  /** `http://127.0.0.1:{port}`: the cluster's server URL. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly user: string;
  readonly namespace: string;
  /** Seeded scenario facts (job names, pod names, times); undefined without `scenarios`. */
  readonly scenarios: Scenarios | undefined;
  readonly requests: readonly RecordedRequest[];
  readonly faults: { inject(spec: FaultSpec): FaultHandle; clear(): void };
  /** A kubeconfig (YAML) pointing at this emulator with its token. */
  kubeconfig(options?: { context?: string; namespace?: string }): string;
  resetRequests(): void;
  put(type: ResourceType, object: KubeObject): KubeObject;
  get(type: ResourceType, namespace: string, name: string): KubeObject | undefined;
  delete(type: ResourceType, namespace: string, name: string): boolean;
  /** Deletes a pod and its logs, as when a job's pods are cleaned up. */
  deletePod(namespace: string, name: string): void;
  appendLog(namespace: string, pod: string, container: string, lines: readonly LogLine[]): void;
  /** Ends the container's current run at `atMs` and starts a new one. */
  restartContainer(namespace: string, pod: string, container: string, atMs: number): void;
  /** Ends the container's current run at `atMs` (follow streams end once drained). */
  stopContainer(namespace: string, pod: string, container: string, atMs: number): void;
  /** RBAC: deny matching requests with 403 Forbidden. Returns a function that lifts the rule. */
  forbid(rule: DenyRule): () => void;
  /** etcd compaction: continue tokens issued before now answer 410 Expired. */
  compact(): void;
  close(): Promise<void>;
}

export async function startKubernetesEmulator(options: KubernetesEmulatorOptions = {}): Promise<KubernetesEmulator> {
  const token = options.token ?? 'runlens-emulator-token';
  const user = options.user ?? 'system:serviceaccount:ml:runlens-reader';
  const clock = options.clock ?? Date.now;
  const namespace = options.namespace ?? 'ml';
  const store = new ObjectStore(clock);
  const logs = new LogStore();
  const follow: FollowSettings = {
    idleTimeoutMs: options.followIdleTimeoutMs ?? 4 * 60 * 60 * 1000,
    drop: options.followDrop ?? 'end',
    pollMs: options.followPollMs ?? 50,
  };
  const continueTtlMs = options.continueTtlMs ?? 5 * 60 * 1000;
  const tokens = new Map([[token, user]]);
  let rules: DenyRule[] = [];
  const faults = new FaultInjector();
  let requests: RecordedRequest[] = [];
  const scenarios = options.scenarios === true ? seedScenarios({ store, logs, clock, namespace }) : undefined;

  const context: ServeContext = {
    store,
    logs,
    clock,
    follow,
    continueTtlMs,
    tokens,
    rules: () => rules,
  };
  const server = createServer({ noDelay: true }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      bytesSent: 0,
    };
    requests.push(record);
    void serve({ req, res, url, record }, context, faults.fire(req.url ?? '/'));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const toNs = (ms: number): bigint => BigInt(ms) * 1_000_000n;

  return {
    url,
    port,
    token,
    user,
    namespace,
    scenarios,
    get requests() {
      return requests;
    },
    faults: { inject: (spec) => faults.inject(spec), clear: () => faults.clear() },
    kubeconfig: (choice = {}) => kubeconfigYaml(url, token, choice.context ?? 'runlens-emulator', choice.namespace ?? namespace),
    resetRequests: () => {
      requests = [];
    },
    put: (type, object) => store.put(type, object),
    get: (type, ns, name) => store.get(type, ns, name),
    delete: (type, ns, name) => store.delete(type, ns, name),
    deletePod: (ns, name) => {
      store.delete(PODS, ns, name);
      logs.forget(ns, name);
    },
    appendLog: (ns, pod, container, lines) => logs.append(ns, pod, container, lines),
    restartContainer: (ns, pod, container, atMs) => logs.restart(ns, pod, container, toNs(atMs)),
    stopContainer: (ns, pod, container, atMs) => logs.stop(ns, pod, container, toNs(atMs)),
    forbid: (rule) => {
      rules = [...rules, rule];
      return () => {
        rules = rules.filter((candidate) => candidate !== rule);
      };
    },
    compact: () => store.compact(),
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error === undefined ? resolve() : reject(error)));
      server.closeAllConnections();
    }),
  };
}

interface ServeContext {
  readonly store: ObjectStore;
  readonly logs: LogStore;
  readonly clock: () => number;
  readonly follow: FollowSettings;
  readonly continueTtlMs: number;
  readonly tokens: ReadonlyMap<string, string>;
  readonly rules: () => readonly DenyRule[];
}

interface Target {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string;
}

async function serve(exchange: Exchange, context: ServeContext, fault: FiredFault | undefined): Promise<void> {
  const { req, res, url } = exchange;
  try {
    if (fault?.kind === 'slow') await sleep(fault.delayMs);
    else if (fault !== undefined && fault.kind !== 'expire') {
      injectFault(exchange, fault);
      return;
    }
    const user = authenticate(req, context.tokens);
    if (user === undefined) {
      sendStatus(exchange, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const method = req.method ?? 'GET';
    if (method === 'GET' && (url.pathname === '/api' || url.pathname === '/apis' || url.pathname === '/version')) {
      sendJson(exchange, 200, discovery(url.pathname));
      return;
    }
    const target = resolve(url.pathname);
    if (target === undefined) {
      sendStatus(exchange, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    if (method !== 'GET') {
      sendStatus(exchange, 405, 'MethodNotAllowed', `the emulator serves reads only; ${method} is not allowed`);
      return;
    }
    const verb = target.name === undefined ? (url.searchParams.get('watch') === 'true' ? 'watch' : 'list') : 'get';
    const attributes: Attributes = {
      user,
      verb,
      group: target.type.group,
      resource: target.type.resource,
      subresource: target.subresource,
      namespace: target.namespace,
      name: target.name,
    };
    if (denied(context.rules(), attributes)) {
      sendStatus(exchange, 403, 'Forbidden', forbiddenMessage(attributes), {
        name: target.name,
        group: target.type.group,
        kind: target.type.resource,
      });
      return;
    }
    if (target.name === undefined) {
      serveList(exchange, target.type, target.namespace, context.store, {
        continueTtlMs: context.continueTtlMs,
        clock: context.clock,
        forceExpire: fault?.kind === 'expire',
      });
      return;
    }
    const object = context.store.get(target.type, target.namespace, target.name);
    if (object === undefined) {
      sendNotFound(exchange, target.type.group, target.type.resource, target.name);
      return;
    }
    if (target.subresource === 'log') serveLog(exchange, object, context.logs, context.clock, context.follow);
    else serveGet(exchange, target.type, object);
  } catch (error) {
    if (res.headersSent) res.destroy();
    else sendStatus(exchange, 500, 'InternalError', `emulator error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `/api/v1[/namespaces/{ns}]/{resource}[/{name}[/log]]` and `/apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}]`. */
function resolve(path: string): Target | undefined {
  const parts = path.split('/').filter((part) => part !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource = ''] = rest;
  if (rest.length > 3) return undefined;
  const type = RESOURCE_TYPES.find((candidate) => candidate.group === group && candidate.version === version && candidate.resource === resource);
  if (type === undefined) return undefined;
  if (subresource !== '' && !(type === PODS && subresource === 'log')) return undefined;
  if (name !== undefined && namespace === undefined) return undefined; // every served type is namespaced
  return { type, namespace, name, subresource };
}

function discovery(path: string): Record<string, unknown> {
  if (path === '/version') return { major: '1', minor: '33', gitVersion: 'v1.33.0-runlens-emulator', platform: 'linux/amd64' };
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  const groups = new Map<string, string>();
  for (const type of RESOURCE_TYPES) if (type.group !== '') groups.set(type.group, type.version);
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, version]) => ({
      name,
      versions: [{ groupVersion: `${name}/${version}`, version }],
      preferredVersion: { groupVersion: `${name}/${version}`, version },
    })),
  };
}

function injectFault(exchange: Exchange, fault: FiredFault): void {
  switch (fault.kind) {
    case 'throttle': {
      const seconds = Math.max(1, Math.ceil(fault.delayMs / 1000));
      sendStatus(exchange, 429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: seconds }, { 'retry-after': seconds });
      return;
    }
    case '500':
      sendStatus(exchange, 500, 'InternalError', 'Internal error occurred: injected fault');
      return;
    case '503':
      sendStatus(exchange, 503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
      return;
    case 'drop':
      exchange.req.socket.destroy();
      return;
    case 'slow':
    case 'expire':
      return;
  }
}

function kubeconfigYaml(server: string, token: string, context: string, namespace: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}`,
    '  cluster:',
    `    server: ${server}`,
    'users:',
    `- name: ${context}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}`,
    `    user: ${context}`,
    `    namespace: ${namespace}`,
    `current-context: ${context}`,
    '',
  ].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export { EVENTS, PODS };
