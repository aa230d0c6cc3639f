// The wire layer against the loopback emulators: list paging with continue tokens (and a 410 in the
// middle), Status errors mapped to core's codes, pod logs with their parameters, follow connections,
// Prometheus range queries; request shapes through undici's MockAgent where the emulator cannot tell.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRequestContext, RequestBudget, RunlensError } from '@runlens/core';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';

import { KubeClient } from '../src/client.js';
import { Credentials } from '../src/credentials.js';
import { KINDS, collectionPath } from '../src/kinds.js';
import { loadClusterAccess } from '../src/kubeconfig.js';
import { LineSplitter, openPodLog, parseLogLine, podLogQuery, recordsFrom, wholeSecond } from '../src/pod-logs.js';
import { alternation, metricQuery, parseQuantity, podLimits, PrometheusClient, stepFor } from '../src/prometheus.js';
import { RUNNING_LINE_MS, scenarioSeries, startKubernetesEmulator, startPrometheusEmulator } from '../src/testing/index.js';

import type { ClusterAccess } from '../src/kubeconfig.js';
import type { JobObject } from '../src/model/wire.js';
import type { KubernetesEmulator, PrometheusEmulator } from '../src/testing/index.js';

function requester(retry: { budgetMs: number; baseDelayMs: number; maxDelayMs: number } = { budgetMs: 2_000, baseDelayMs: 1, maxDelayMs: 5 }) {
  return createRequestContext({ provider: 'k8s', budget: new RequestBudget(), retry, debug: () => undefined }).requester({ mapError: (e, call) => mapErrorLazy(e, call) });
}
// Imported lazily so the test reads top-down; the same function the adapter uses.
import { mapError as mapErrorLazy } from '../src/errors.js';

function accessFor(kube: KubernetesEmulator): ClusterAccess {
  const dir = mkdtempSync(join(tmpdir(), 'runlens-k8s-'));
  const file = join(dir, 'config');
  writeFileSync(file, kube.kubeconfig());
  return loadClusterAccess({ kubeconfig: file, env: {} });
}

async function caught(promise: Promise<unknown>): Promise<RunlensError> {
  try {
    await promise;
  } catch (error) {
    if (RunlensError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('KubeClient against the emulator', () => {
  let kube: KubernetesEmulator | undefined;
  let client: KubeClient | undefined;
  afterEach(async () => {
    await client?.close();
    await kube?.close();
    kube = undefined;
    client = undefined;
  });

  it('lists across continue tokens with a label selector, and resumes after a 410 Expired from its token', async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    client = new KubeClient({ access: accessFor(kube), requester: requester() });
    const pytorch = KINDS.find((k) => k.kind === 'PyTorchJob')!;
    const names: string[] = [];
    for await (const page of client.list<JobObject>({ operation: 'ListPyTorchJobs', path: collectionPath(pytorch, 'ml'), query: [['labelSelector', 'team=nlp']], limit: 2 })) {
      names.push(...page.map((job) => job.metadata!.name!));
    }
    expect(names.sort()).toEqual(['bert-finetune', 'gpt-running', 'llama-pending', 'resnet-oom', 't5-restarted', 'vit-pods-gone', 'yolo-badimage']);
    const lists = kube.requests.filter((r) => r.path.endsWith('/pytorchjobs'));
    expect(lists.length).toBe(4);
    expect(lists[1]!.query['continue']).toBeTruthy();
    expect(lists.every((r) => r.query['labelSelector'] === 'team=nlp' && r.query['limit'] === '2')).toBe(true);

    kube.resetRequests();
    kube.faults.inject({ path: /pytorchjobs\?.*continue=/, kind: 'expire', times: 1 });
    const again: string[] = [];
    for await (const page of client.list<JobObject>({ operation: 'ListPyTorchJobs', path: collectionPath(pytorch, 'ml'), limit: 3 })) again.push(...page.map((job) => job.metadata!.name!));
    expect(new Set(again).size).toBe(7);
    expect(kube.requests.some((r) => r.status === 410)).toBe(true);
  });

  it('maps Status answers: 401 → AuthError, 403 → AuthError naming verb and resource, 404 → NotFound, 429 retried after Retry-After', async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    const access = accessFor(kube);
    client = new KubeClient({ access: { ...access, auth: { kind: 'token', token: 'wrong' } }, requester: requester() });
    const unauthorized = await caught(client.get({ operation: 'ReadPod', path: '/api/v1/namespaces/ml/pods/bert-finetune-master-0' }));
    expect(unauthorized.code).toBe('AuthError');
    expect(unauthorized.message).not.toContain('wrong');
    await client.close();

    client = new KubeClient({ access, requester: requester() });
    const undo = kube.forbid({ resource: 'pods/log' });
    const forbidden = await caught(client.get({ operation: 'ReadPodLog', path: '/api/v1/namespaces/ml/pods/bert-finetune-master-0/log' }));
    expect(forbidden.code).toBe('AuthError');
    expect(forbidden.message).toMatch(/cannot get resource "pods\/log"/);
    undo();
    const missing = await caught(client.get({ operation: 'ReadPyTorchJob', path: '/apis/kubeflow.org/v1/namespaces/ml/pytorchjobs/nope' }));
    expect(missing.code).toBe('NotFound');
    expect(missing.message).toContain('pytorchjobs.kubeflow.org "nope" not found');

    kube.faults.inject({ path: '/api/v1/namespaces/ml/pods/bert-finetune-master-0', kind: 'throttle', times: 1, delayMs: 1000 });
    const pod = await client.get<{ metadata: { name: string } }>({ operation: 'ReadPod', path: '/api/v1/namespaces/ml/pods/bert-finetune-master-0' });
    expect(pod.metadata.name).toBe('bert-finetune-master-0');
    expect(kube.requests.filter((r) => r.path === '/api/v1/namespaces/ml/pods/bert-finetune-master-0').map((r) => r.status).slice(-2)).toEqual([429, 200]);
  }, 20_000);

  it('re-reads a token file after a 401 and sends the request once more', async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    const dir = mkdtempSync(join(tmpdir(), 'runlens-k8s-token-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'stale-token\n');
    const access: ClusterAccess = { ...accessFor(kube), auth: { kind: 'token-file', path: tokenFile } };
    const credentials = new Credentials(access);
    client = new KubeClient({ access, requester: requester(), credentials });
    await credentials.current(); // cached: the stale token
    writeFileSync(tokenFile, `${kube.token}\n`); // rotated, as a projected service-account token is
    const pod = await client.get<{ metadata: { name: string } }>({ operation: 'ReadPod', path: '/api/v1/namespaces/ml/pods/bert-finetune-master-0' });
    expect(pod.metadata.name).toBe('bert-finetune-master-0');
    expect(kube.requests.map((r) => r.status)).toEqual([401, 200]);
  });

  it('reads pod logs with container, previous, sinceTime (whole seconds), tailLines and limitBytes', async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    client = new KubeClient({ access: accessFor(kube), requester: requester() });
    const read = async (request: Parameters<typeof openPodLog>[1]) => {
      const records = [];
      for await (const batch of recordsFrom((await openPodLog(client!, request)).body, { node: 'worker-0' }, true)) records.push(...batch);
      return records;
    };
    const current = await read({ namespace: 'ml', pod: 't5-restarted-worker-0', container: 'pytorch' });
    const previous = await read({ namespace: 'ml', pod: 't5-restarted-worker-0', container: 'pytorch', previous: true });
    expect(previous.at(-1)!.message).toContain('NCCL communicator was aborted');
    expect(current.some((r) => r.message.includes('NCCL'))).toBe(false);
    expect(previous.at(-1)!.timestamp).toBeLessThan(current[0]!.timestamp);
    const tail = await read({ namespace: 'ml', pod: 't5-restarted-worker-0', container: 'pytorch', tailLines: 3 });
    expect(tail).toEqual(current.slice(-3));
    const cut = current[5]!.timestamp + 1;
    const since = await read({ namespace: 'ml', pod: 't5-restarted-worker-0', container: 'pytorch', since: cut });
    // The server rounds sinceTime down to the second: lines before `cut` in that second come back too.
    expect(since[0]!.timestamp).toBeLessThan(cut);
    expect(since[0]!.timestamp).toBeGreaterThanOrEqual(Math.floor(cut / 1000) * 1000);
    expect(kube.requests.at(-1)!.query['sinceTime']).toBe(wholeSecond(cut));
    const limited = await read({ namespace: 'ml', pod: 't5-restarted-worker-0', container: 'pytorch', limitBytes: 100 });
    expect(limited.map((r) => r.message).join('\n').length).toBeLessThan(100);
    const wrong = await caught(read({ namespace: 'ml', pod: 't5-restarted-worker-0', container: 'sidecar' }));
    expect(wrong.code).toBe('ProviderError');
    expect(wrong.message).toContain('container sidecar is not valid');
  });

  it('follows a running pod until the server drops the idle connection: the iteration ends cleanly', async () => {
    let now = Date.UTC(2026, 11, 1, 12, 0, 0);
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now, followIdleTimeoutMs: 150, followPollMs: 5 });
    client = new KubeClient({ access: accessFor(kube), requester: requester() });
    const response = await openPodLog(client, { namespace: 'ml', pod: 'gpt-running-master-0', container: 'pytorch', follow: true });
    const records = [];
    let grew = false;
    for await (const batch of recordsFrom(response.body, { node: 'master-0' }, false)) {
      records.push(...batch);
      if (!grew && records.length === 30) {
        grew = true;
        now += 2 * RUNNING_LINE_MS; // two more lines become due on the open connection
      }
    }
    expect(records).toHaveLength(32);
    expect(records.at(-1)!.message).toContain('step 31 ');
    expect(kube.requests.at(-1)!.query).toMatchObject({ follow: 'true', timestamps: 'true', container: 'pytorch' });
  });

  it('turns a connection reset in the middle of a follow into a retryable ProviderError', async () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now, followIdleTimeoutMs: 100, followDrop: 'reset', followPollMs: 5 });
    client = new KubeClient({ access: accessFor(kube), requester: requester() });
    const response = await openPodLog(client, { namespace: 'ml', pod: 'gpt-running-master-0', container: 'pytorch', follow: true });
    const records = [];
    const error = await caught((async () => {
      for await (const batch of recordsFrom(response.body, { node: 'master-0' }, false)) records.push(...batch);
    })());
    expect(records).toHaveLength(30);
    expect(error.code).toBe('ProviderError');
    expect(error.retryable).toBe(true);
  });
});

describe('secrets', () => {
  it('a token in use is redacted from any error message', async () => {
    const credentials = new Credentials({ source: 'kubeconfig', context: 'c', server: 'https://x', namespace: 'ml', ca: undefined, insecureSkipTlsVerify: false, tlsServerName: undefined, clientCert: undefined, clientKey: undefined, auth: { kind: 'token', token: 'kube-token-0123456789' } });
    expect((await credentials.current()).authorization).toBe('Bearer kube-token-0123456789');
    const error = new RunlensError('ProviderError', 'the proxy echoed Authorization: kube-token-0123456789');
    expect(error.message).not.toContain('kube-token-0123456789');
  });
});

describe('log lines', () => {
  it('parses the kubelet prefix to the millisecond and keeps the text', () => {
    expect(parseLogLine('2026-11-30T09:00:10.123456789Z hello world', 0)).toEqual({ timestamp: Date.UTC(2026, 10, 30, 9, 0, 10, 123), message: 'hello world' });
    expect(parseLogLine('2026-11-30T11:00:10.5+02:00 x', 0)).toEqual({ timestamp: Date.UTC(2026, 10, 30, 9, 0, 10, 500), message: 'x' });
    expect(parseLogLine('no prefix here', 42)).toEqual({ timestamp: 42, message: 'no prefix here' });
  });

  it('splits lines across chunks without breaking a multi-byte character', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('a\r\nstép 1\nlast');
    const out = [...splitter.push(bytes.subarray(0, 5)), ...splitter.push(bytes.subarray(5))];
    expect(out).toEqual(['a', 'stép 1']);
    expect(splitter.end()).toBe('last');
  });

  it('sends sinceTime as a whole second, rounded down', () => {
    expect(podLogQuery({ namespace: 'ml', pod: 'p', container: 'c', since: Date.UTC(2026, 10, 30, 9, 0, 10, 999), previous: true })).toEqual([
      ['container', 'c'], ['timestamps', 'true'], ['previous', 'true'], ['sinceTime', '2026-11-30T09:00:10Z'],
    ]);
  });
});

describe('request shapes (MockAgent)', () => {
  it('sends the bearer token, the path under a server URL with a prefix, and no retry on its own', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get('https://rancher.example');
    let seen: Record<string, string | string[] | undefined> = {};
    pool.intercept({ path: '/k8s/clusters/c-1/api/v1/namespaces/ml/pods?labelSelector=a%3Db&limit=500', method: 'GET' }).reply((options) => {
      seen = options.headers as Record<string, string>;
      return { statusCode: 503, data: JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'ServiceUnavailable', message: 'try later', code: 503 }) };
    });
    const access: ClusterAccess = { source: 'kubeconfig', context: 'c', server: 'https://rancher.example/k8s/clusters/c-1/', namespace: 'ml', ca: undefined, insecureSkipTlsVerify: false, tlsServerName: undefined, clientCert: undefined, clientKey: undefined, auth: { kind: 'token', token: 'secret-token-value' } };
    const context = createRequestContext({ provider: 'k8s', budget: new RequestBudget(), retry: { budgetMs: 0, baseDelayMs: 1, maxDelayMs: 1 }, debug: () => undefined });
    const client = new KubeClient({ access, requester: context.requester({ mapError: mapErrorLazy }), dispatcher: agent });
    const error = await caught((async () => {
      for await (const page of client.list({ operation: 'ListPods', path: '/api/v1/namespaces/ml/pods', query: [['labelSelector', 'a=b']] })) void page;
    })());
    expect(error.code).toBe('ProviderError');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('try later');
    expect(error.message).not.toContain('secret-token-value');
    expect(seen['authorization']).toBe('Bearer secret-token-value');
    agent.assertNoPendingInterceptors();
    await agent.close();
  });
});

describe('Prometheus', () => {
  let kube: KubernetesEmulator | undefined;
  let prometheus: PrometheusEmulator | undefined;
  afterEach(async () => {
    await prometheus?.close();
    await kube?.close();
    prometheus = undefined;
    kube = undefined;
  });

  it('range-queries CPU, memory and GPU per pod; the GPU query also works with exported_* labels', async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    prometheus = await startPrometheusEmulator({ series: scenarioSeries(kube, { dcgmExportedLabels: true }) });
    const client = new PrometheusClient({ url: prometheus.url, requester: requester() });
    const pods = ['resnet-oom-worker-1', 'resnet-oom-master-0'];
    const start = Date.UTC(2026, 10, 30, 10, 0, 0);
    const end = start + 8 * 60_000;
    const step = stepFor(start, end);
    const cpu = await client.queryRange(metricQuery('cpu', 'ml', pods, step), start, end, step);
    expect(cpu.map((row) => row.metric['pod']).sort()).toEqual([...pods].sort());
    const cores = Number(cpu[0]!.values.at(-1)![1]);
    expect(cores).toBeGreaterThan(3);
    expect(cores).toBeLessThan(4); // container!="" left out the pod cgroup series, which doubles the sum
    const memory = await client.queryRange(metricQuery('memory', 'ml', ['resnet-oom-worker-1'], step), start, end, step);
    expect(Number(memory[0]!.values.at(-1)![1])).toBeGreaterThan(60 * 2 ** 30);
    expect(await client.queryRange(metricQuery('gpu', 'ml', pods, step), start, end, step)).toEqual([]);
    const gpu = await client.queryRange(metricQuery('gpu', 'ml', pods, step, true), start, end, step);
    expect(gpu.map((row) => row.metric['exported_pod']).sort()).toEqual([...pods].sort());
    await client.close();
  });

  it('maps a Prometheus error envelope to a ProviderError carrying its message', async () => {
    prometheus = await startPrometheusEmulator({ series: [] });
    const client = new PrometheusClient({ url: prometheus.url, requester: requester() });
    const error = await caught(client.queryRange('sum(', 0, 1000, 15));
    expect(error.code).toBe('ProviderError');
    expect(error.providerCode).toBe('bad_data');
    await client.close();
  });

  it('quantities, limits, steps and regex escaping', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('64Gi')).toBe(64 * 2 ** 30);
    expect(parseQuantity('8G')).toBe(8e9);
    expect(parseQuantity('bogus')).toBeUndefined();
    expect(podLimits([{ resources: { limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '2' } } }, { resources: { limits: { cpu: '500m', memory: '1Gi' } } }])).toEqual({ cpu: 4.5, memory: 17 * 2 ** 30, gpus: 2 });
    expect(podLimits([{ resources: { limits: { cpu: '4' } } }, {}])).toEqual({ gpus: 0 });
    expect(stepFor(0, 3_600_000)).toBe(15);
    expect(stepFor(0, 30 * 86_400_000)).toBe(Math.ceil(30 * 86_400 / 10_999));
    expect(alternation(['a.b', 'c'])).toBe('"a\\\\.b|c"');
  });
});
