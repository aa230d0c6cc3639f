// The provider through core's query API (contract v2) against the emulator's scenarios: a completed
// 4-worker PyTorchJob, an OOMKilled worker, an unschedulable job, a running job followed live to
// completion across server-side drops, a TrainJob, pods deleted, restarts with `previous`,
// `--container`, listing across kinds, Prometheus system metrics.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRunlens, RunlensError } from '@runlens/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { kubernetesProvider } from '../src/index.js';
import { kubeflowCondition, pod } from '../src/testing/objects.js';
import { GPU_POD } from '../src/testing/scenarios.js';
import { PODS, PYTORCHJOBS, RUNNING_LINE_MS, scenarioSeries, startKubernetesEmulator, startPrometheusEmulator } from '../src/testing/index.js';

import type { LogRecord, Runlens } from '@runlens/core';

import type { KubernetesEmulator, KubernetesEmulatorOptions, PrometheusEmulator } from '../src/testing/index.js';

const POLL = 20;

interface Setup {
  kube: KubernetesEmulator;
  runlens: Runlens;
  dir: string;
  prometheus?: PrometheusEmulator;
}

async function setup(options: KubernetesEmulatorOptions & { settings?: Record<string, unknown>; withPrometheus?: boolean; streamDiscoveryMs?: number } = {}): Promise<Setup> {
  const kube = await startKubernetesEmulator({ scenarios: true, followPollMs: 5, ...options });
  const dir = mkdtempSync(join(tmpdir(), 'runlens-k8s-provider-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, kube.kubeconfig());
  const prometheus = options.withPrometheus === true ? await startPrometheusEmulator({ series: scenarioSeries(kube) }) : undefined;
  const runlens = createRunlens({
    providers: [kubernetesProvider],
    env: {},
    settings: { k8s: { kubeconfig, ...(prometheus === undefined ? {} : { prometheus: prometheus.url }), ...options.settings } },
    follow: { pollMs: { min: POLL, max: POLL * 2 }, statusPollMs: POLL, streamDiscoveryMs: options.streamDiscoveryMs ?? POLL, drainDelayMs: POLL },
    retry: { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 5_000 },
  });
  return { kube, runlens, dir, ...(prometheus === undefined ? {} : { prometheus }) };
}

async function teardown(s: Setup | undefined): Promise<void> {
  if (s === undefined) return;
  await s.runlens.close();
  await s.prometheus?.close();
  await s.kube.close();
  rmSync(s.dir, { recursive: true, force: true });
}

async function collect(iterable: AsyncIterable<LogRecord>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of iterable) out.push(record);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<RunlensError> {
  try {
    await promise;
  } catch (error) {
    if (RunlensError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

/** A pod's whole log as the API serves it now (the expected answer, from the wire). */
async function wholeLog(kube: KubernetesEmulator, podName: string, container: string, previous = false): Promise<string[]> {
  const response = await fetch(`${kube.url}/api/v1/namespaces/ml/pods/${podName}/log?container=${container}${previous ? '&previous=true' : ''}`, { headers: { authorization: `Bearer ${kube.token}` } });
  return (await response.text()).split('\n').filter((line) => line !== '');
}

describe('Kubernetes provider: finished scenarios', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup({ withPrometheus: true });
  });
  afterAll(async () => teardown(s));

  it('describes a completed 4-worker PyTorchJob and merges its five pods\' logs, none lost', async () => {
    const run = await s.runlens.describe('k8s:ml/pytorchjob/bert-finetune');
    expect(run.ref).toBe('k8s:ml/pytorchjob/bert-finetune');
    expect(run.status).toBe('completed');
    expect(run.providerStatus).toBe('Succeeded');
    expect(run.nodes.map((n) => n.name)).toEqual(['master-0', 'worker-0', 'worker-1', 'worker-2', 'worker-3']);
    expect(run.startedAt).toBe('2026-11-30T09:00:00Z');
    expect(run.endedAt).toBe('2026-11-30T09:20:00Z');
    expect(run.tags).toMatchObject({ namespace: 'ml', kind: 'PyTorchJob', team: 'nlp' });
    const records = await collect(await s.runlens.logs(run.ref));
    for (const node of ['master-0', 'worker-0', 'worker-3']) {
      const podName = `bert-finetune-${node}`;
      expect(records.filter((r) => r.node === node).map((r) => r.message)).toEqual(await wholeLog(s.kube, podName, 'pytorch'));
    }
    expect(records.map((r) => r.timestamp)).toEqual([...records.map((r) => r.timestamp)].sort((a, b) => a - b));
    const tail = await collect(await s.runlens.logs(run.ref, { tail: 3 }));
    expect(tail).toEqual(records.slice(-3));
  });

  it('classifies an OOMKilled worker as out-of-memory, not the workers the operator stopped after it', async () => {
    const run = await s.runlens.describe('k8s:ml/pytorchjob/resnet-oom');
    expect(run.status).toBe('failed');
    expect(run.failure?.category).toBe('out-of-memory');
    expect(run.failure?.reason).toContain('worker-1');
    expect(run.nodes.find((n) => n.name === 'worker-1')?.status).toContain('OOMKilled');
  });

  it('says why an unschedulable job has no logs: capacity, with the scheduler\'s message', async () => {
    const view = await s.runlens.describeRun('k8s:ml/pytorchjob/llama-pending');
    expect(view.run.status).toBe('pending');
    const said = view.warnings.map((w) => w.message).join('\n');
    expect(said).toContain('Insufficient nvidia.com/gpu');
    const reader = await s.runlens.logs(view.run.ref);
    expect(await collect(reader)).toEqual([]);
    expect(reader.warnings.map((w) => w.message).join('\n')).toMatch(/pending|scheduled/);
  });

  it('says an image that cannot be pulled is a setup problem', async () => {
    const view = await s.runlens.describeRun('k8s:ml/pytorchjob/yolo-badimage');
    expect(view.warnings.map((w) => w.message).join('\n')).toMatch(/ImagePullBackOff|Failed to pull image/);
  });

  it('reads a TrainJob\'s pods through its JobSet labels, named node-0 and node-1, container `node`', async () => {
    const run = await s.runlens.describe('k8s:ml/trainjob/mnist-trainjob');
    expect(run.status).toBe('completed');
    expect(run.providerStatus).toBe('Complete');
    expect(run.nodes.map((n) => n.name)).toEqual(['node-0', 'node-1']);
    const records = await collect(await s.runlens.logs(run.ref));
    expect(new Set(records.map((r) => r.node))).toEqual(new Set(['node-0', 'node-1']));
    expect(records.some((r) => r.message.includes('[node-1] done'))).toBe(true);
  });

  it('reads an indexed batch Job by completion index', async () => {
    const run = await s.runlens.describe('k8s:ml/job/shard-eval');
    expect(run.nodes.map((n) => n.name)).toEqual(['index-0', 'index-1', 'index-2']);
    expect((await collect(await s.runlens.logs(run.ref))).length).toBeGreaterThan(30);
  });

  it('a job whose pods were deleted: no logs, and it says why instead of printing nothing', async () => {
    const view = await s.runlens.describeRun('k8s:ml/pytorchjob/vit-pods-gone');
    expect(view.run.status).toBe('failed');
    expect(view.capabilities.logs.available).toBe(false);
    expect(view.capabilities.logs.reason).toContain('deleted');
    const reader = await s.runlens.logs(view.run.ref);
    expect(await collect(reader)).toEqual([]);
    expect(reader.warnings.map((w) => w.message).join('\n')).toContain('pods of this job were deleted');
  });

  it('a job whose pods were deleted still has the metrics Prometheus kept, under the pods its replica specs name', async () => {
    const view = await s.runlens.describeRun('k8s:ml/pytorchjob/vit-pods-gone');
    expect(view.run.nodes).toEqual([{ name: 'master-0', status: 'Deleted' }, { name: 'worker-0', status: 'Deleted' }]);
    const start = Date.parse(view.run.startedAt!);
    s.prometheus!.addSeries({ labels: { __name__: 'container_memory_working_set_bytes', namespace: 'ml', pod: 'vit-pods-gone-worker-0', container: 'pytorch' }, samples: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => [start + i * 60_000, 16 * 2 ** 30] as const) });
    const { series, warnings } = await s.runlens.metrics(view.run.ref, { names: ['memory.utilization'] });
    const worker = series.find((x) => x.node === 'worker-0')!;
    expect(worker.points.length).toBeGreaterThan(0);
    expect(worker.points.every((p) => p.value === 25)).toBe(true); // 16 GiB of the 64 GiB limit
    expect(warnings.map((w) => w.message).join('\n')).toContain('master-0');
  });

  it('keeps a restarted container\'s attempts apart: the previous run (previous=true) and the current one', async () => {
    const records = await collect(await s.runlens.logs('k8s:ml/pytorchjob/t5-restarted', { nodes: ['worker-0'] }));
    const first = records.filter((r) => r.stream === 'pytorch attempt 1');
    const second = records.filter((r) => r.stream === 'pytorch attempt 2');
    expect(first.map((r) => r.message)).toEqual(await wholeLog(s.kube, 't5-restarted-worker-0', 'pytorch', true));
    expect(second.map((r) => r.message)).toEqual(await wholeLog(s.kube, 't5-restarted-worker-0', 'pytorch'));
    expect(first.at(-1)!.message).toContain('NCCL communicator was aborted');
    expect(s.kube.requests.some((r) => r.path.endsWith('/t5-restarted-worker-0/log') && r.query['previous'] === 'true')).toBe(true);
  });

  it('lists jobs across kinds, newest first, without a TrainJob\'s child Job; status filters apply', async () => {
    const all = (await s.runlens.list({ providers: ['k8s'] })).runs.map((r) => r.ref);
    expect(all).toContain('k8s:ml/trainjob/mnist-trainjob');
    expect(all).toContain('k8s:ml/job/shard-eval');
    expect(all).toContain('k8s:ml/pytorchjob/bert-finetune');
    expect(all.some((ref) => ref.includes('mnist-trainjob-node-0'))).toBe(false);
    const failed = (await s.runlens.list({ providers: ['k8s'], status: ['failed'] })).runs.map((r) => r.ref);
    expect(failed.sort()).toEqual(['k8s:ml/pytorchjob/resnet-oom', 'k8s:ml/pytorchjob/vit-pods-gone']);
  });

  it('compares two Kubernetes runs (no training metrics to line up: it still answers) and exports one', async () => {
    const comparison = await s.runlens.compare(['k8s:ml/pytorchjob/bert-finetune', 'k8s:ml/trainjob/mnist-trainjob']);
    expect(comparison.runs.map((r) => [r.ref, r.status])).toEqual([['k8s:ml/pytorchjob/bert-finetune', 'completed'], ['k8s:ml/trainjob/mnist-trainjob', 'completed']]);
    expect(comparison.runs[0]!.durationMs).toBe(20 * 60_000);
    expect(comparison.metrics).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'runlens-k8s-export-'));
    try {
      const summary = await s.runlens.export('k8s:ml/pytorchjob/resnet-oom', join(dir, 'archive'));
      expect(summary.manifest.counts.logRecords).toBeGreaterThan(30);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads CPU, memory and GPU per pod from Prometheus, in percent of the pod\'s limits', async () => {
    const { series, warnings } = await s.runlens.metrics('k8s:ml/pytorchjob/resnet-oom');
    expect(warnings).toEqual([]);
    const of = (name: string, node: string) => series.find((x) => x.name === name && x.node === node)!;
    const memory = of('memory.utilization', 'worker-1');
    const values = memory.points.map((p) => p.value as number);
    expect(values.at(-1)).toBeGreaterThan(95); // climbed to the 64 GiB limit before the OOM kill
    expect(values.at(-1)).toBeLessThanOrEqual(100);
    const cpu = of('cpu.utilization', 'master-0').points.map((p) => p.value as number).filter((v) => v !== null);
    expect(Math.min(...cpu)).toBeGreaterThan(75);
    expect(Math.max(...cpu)).toBeLessThan(100);
    const gpu = of('gpu.utilization', 'worker-0').points.map((p) => p.value as number);
    expect(Math.min(...gpu)).toBeGreaterThanOrEqual(85);
    expect(series.every((x) => x.unit === 'percent')).toBe(true);
  });
});

describe('Kubernetes provider: settings and refs', () => {
  let s: Setup | undefined;
  afterEach(async () => {
    await teardown(s);
    s = undefined;
  });

  it('without --prometheus, system metrics are unsupported for the run and say how to get them', async () => {
    s = await setup();
    const view = await s.runlens.describeRun('k8s:ml/pytorchjob/bert-finetune');
    expect(view.capabilities.systemMetrics.available).toBe(false);
    const result = await s.runlens.metrics(view.run.ref);
    expect(result.series).toEqual([]);
    expect(result.warnings.map((w) => w.message).join('\n')).toContain('--prometheus');
  });

  it('--container reads another container of each pod; one that no pod has is a warning', async () => {
    s = await setup({ settings: { container: 'metrics-agent' } });
    const started = Date.UTC(2026, 10, 30, 12, 0, 0);
    s.kube.put(PYTORCHJOBS, {
      metadata: { name: 'sidecar-job', namespace: 'ml', creationTimestamp: '2026-11-30T12:00:00Z', uid: 'u-sidecar', labels: {} },
      spec: {},
      status: { conditions: [kubeflowCondition('Succeeded', 'True', 'PyTorchJobSucceeded', 'done', started + 60_000)], startTime: '2026-11-30T12:00:00Z' },
    });
    s.kube.put(PODS, pod({
      name: 'sidecar-job-master-0', namespace: 'ml', nodeName: 'n1', phase: 'Succeeded', created: started, resources: GPU_POD,
      labels: { 'training.kubeflow.org/job-name': 'sidecar-job', 'training.kubeflow.org/replica-type': 'master', 'training.kubeflow.org/replica-index': '0' },
      owner: { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', name: 'sidecar-job' },
      containers: [
        { name: 'pytorch', image: 'x', state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started + 50_000 } } },
        { name: 'metrics-agent', image: 'y', state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started + 50_000 } } },
      ],
    }));
    s.kube.appendLog('ml', 'sidecar-job-master-0', 'pytorch', [{ timeNs: BigInt(started + 1000) * 1_000_000n, text: 'training line' }]);
    s.kube.appendLog('ml', 'sidecar-job-master-0', 'metrics-agent', [{ timeNs: BigInt(started + 2000) * 1_000_000n, text: 'agent line' }]);
    const records = await collect(await s.runlens.logs('k8s:ml/pytorchjob/sidecar-job'));
    expect(records.map((r) => r.message)).toEqual(['agent line']);
    const other = await s.runlens.describeRun('k8s:ml/pytorchjob/bert-finetune');
    expect(other.warnings.map((w) => w.message).join('\n')).toContain("no pod of this job has a container 'metrics-agent' (its containers: pytorch)");
  });

  it('refuses a malformed ref, an unknown kind and a bad setting with one InvalidInput line each', async () => {
    s = await setup();
    expect((await failure(s.runlens.describe('k8s:ml/bert-finetune'))).code).toBe('InvalidInput');
    expect((await failure(s.runlens.describe('k8s:ml/tfjob/x'))).message).toContain('k8s:<namespace>/<pytorchjob|trainjob|job>/<name>');
    expect((await failure(s.runlens.describe('k8s:ml/pytorchjob/nope'))).code).toBe('NotFound');
    const error = await failure((async () => createRunlens({ providers: [kubernetesProvider], env: {}, settings: { k8s: { namespace: 'Not_A_Namespace' } } }))());
    expect(error.code).toBe('InvalidInput');
    expect(error.message).toContain('namespace (--namespace)');
    const unknown = await failure((async () => createRunlens({ providers: [kubernetesProvider], env: {}, settings: { k8s: { region: 'x' } } }))());
    expect(unknown.message).toContain("unknown setting 'region'");
    const missing = createRunlens({ providers: [kubernetesProvider], env: {}, settings: { k8s: { kubeconfig: join(s.dir, 'absent') } } });
    const noConfig = await failure(missing.describe('k8s:ml/pytorchjob/x'));
    expect(noConfig.code).toBe('InvalidInput');
    expect(noConfig.message).toContain('absent');
    await missing.close();
  });

  it('rides out injected faults: 500s and a throttle on describe, a dropped log connection', async () => {
    s = await setup();
    s.kube.faults.inject({ path: '/pytorchjobs/bert-finetune', sequence: ['500', 'throttle', '503'], times: 1 });
    s.kube.faults.inject({ path: '/pods/bert-finetune-worker-2/log', kind: 'drop', times: 1 });
    const run = await s.runlens.describe('k8s:ml/pytorchjob/bert-finetune');
    expect(run.status).toBe('completed');
    const records = await collect(await s.runlens.logs(run.ref, { nodes: ['worker-2'] }));
    expect(records.map((r) => r.message)).toEqual(await wholeLog(s.kube, 'bert-finetune-worker-2', 'pytorch'));
    const statuses = s.kube.requests.filter((r) => r.path.endsWith('/pytorchjobs/bert-finetune')).map((r) => r.status);
    expect(statuses.slice(0, 4)).toEqual([500, 429, 503, 200]);
    // Dropped before an answer (status 0), then read: the second connection answers 200.
    const reads = s.kube.requests.filter((r) => r.path.endsWith('/pods/bert-finetune-worker-2/log') && r.query['timestamps'] === 'true');
    expect(reads.map((r) => r.status)).toEqual([0, 200]);
  }, 20_000);

  it('authenticates with a real exec credential plugin from a merged KUBECONFIG, choosing --context', async () => {
    s = await setup();
    const plugin = join(s.dir, 'plugin.mjs');
    // Answers the emulator's token, and says it was asked non-interactively.
    writeFileSync(plugin, `const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
if (info.spec.interactive !== false) process.exit(3);
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(s.kube.token)} } }));
`);
    const first = join(s.dir, 'a.yaml');
    const second = join(s.dir, 'b.yaml');
    writeFileSync(first, `apiVersion: v1
kind: Config
current-context: elsewhere
contexts:
- name: elsewhere
  context: { cluster: nowhere, user: nobody }
clusters:
- name: nowhere
  cluster: { server: "https://127.0.0.1:1" }
users:
- name: nobody
  user: { token: not-this-one }
`);
    writeFileSync(second, `apiVersion: v1
kind: Config
contexts:
- name: emulator-exec
  context: { cluster: emulator, user: exec-user, namespace: ml }
clusters:
- name: emulator
  cluster: { server: ${JSON.stringify(s.kube.url)} }
users:
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(plugin)}]
      interactiveMode: Never
`);
    const runlens = createRunlens({ providers: [kubernetesProvider], env: { KUBECONFIG: `${first}:${second}` }, settings: { k8s: { context: 'emulator-exec' } } });
    try {
      const run = await runlens.describe('k8s:ml/pytorchjob/bert-finetune');
      expect(run.status).toBe('completed');
      const listed = (await runlens.list({ providers: ['k8s'], nameContains: 'bert' })).runs.map((r) => r.ref);
      expect(listed).toEqual(['k8s:ml/pytorchjob/bert-finetune']);
    } finally {
      await runlens.close();
    }
  });

  it('a 403 on the job names the verb and resource, as an AuthError', async () => {
    s = await setup();
    s.kube.forbid({ resource: 'pytorchjobs' });
    const error = await failure(s.runlens.describe('k8s:ml/pytorchjob/bert-finetune'));
    expect(error.code).toBe('AuthError');
    expect(error.message).toContain('cannot get resource "pytorchjobs"');
  });
});

describe('Kubernetes provider: following a running job', () => {
  let s: Setup | undefined;
  afterEach(async () => {
    await teardown(s);
    s = undefined;
  });

  it('follows a container that restarts: both attempts, in order, none repeated', async () => {
    let now = Date.UTC(2026, 11, 1, 12, 0, 0);
    // Streams are re-listed rarely, so the dropped connection of attempt 1 is reopened before the
    // new attempt is discovered: the adapter must see for itself that attempt 1 is now `previous`.
    s = await setup({ clock: () => now, streamDiscoveryMs: 1500 });
    const kube = s.kube;
    const pods = kube.scenarios!.pods['gpt-running'];
    const podName = 'gpt-running-worker-0';
    const reader = await s.runlens.logs('k8s:ml/pytorchjob/gpt-running', { follow: true });
    const seen: LogRecord[] = [];
    let phase = 0;
    for await (const record of reader) {
      seen.push(record);
      if (phase === 0 && seen.length === 90) {
        phase = 1;
        // worker-0's container crashes now and comes back a second later with a log of its own.
        const crash = now;
        kube.restartContainer('ml', podName, 'pytorch', crash);
        const object = kube.get(PODS, 'ml', podName)!;
        const status = object['status'] as { containerStatuses: Array<Record<string, unknown>> };
        kube.put(PODS, { ...object, status: { ...status, containerStatuses: [{ ...status.containerStatuses[0], restartCount: 1, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-12-01T11:59:00Z', finishedAt: new Date(crash).toISOString() } }, state: { running: { startedAt: new Date(crash + 1000).toISOString() } } }] } });
        kube.appendLog('ml', podName, 'pytorch', [1, 2, 3].map((k) => ({ timeNs: BigInt(crash + 1000 + k * 300) * 1_000_000n, text: `[worker-0] attempt 2 line ${k}` })));
        now += 2000;
      }
      if (phase === 1 && record.message === '[worker-0] attempt 2 line 3') {
        phase = 2;
        for (const p of pods) kube.stopContainer('ml', p.name, 'pytorch', now);
        const job = kube.get(PYTORCHJOBS, 'ml', 'gpt-running')!;
        const status = job['status'] as { conditions: unknown[] };
        kube.put(PYTORCHJOBS, { ...job, status: { ...status, conditions: [...status.conditions, kubeflowCondition('Succeeded', 'True', 'PyTorchJobSucceeded', 'done', now)] } });
      }
    }
    expect(phase).toBe(2);
    const worker = seen.filter((r) => r.node === 'worker-0');
    expect(worker.map((r) => r.message)).toEqual([...(await wholeLog(kube, podName, 'pytorch', true)), ...(await wholeLog(kube, podName, 'pytorch'))]);
    expect(worker.filter((r) => r.stream === 'pytorch attempt 2').map((r) => r.message)).toEqual([1, 2, 3].map((k) => `[worker-0] attempt 2 line ${k}`));
    for (const p of pods.filter((x) => x.name !== podName)) {
      expect(seen.filter((r) => r.node === p.node).map((r) => r.message)).toEqual(await wholeLog(kube, p.name, 'pytorch'));
    }
  }, 30_000);

  for (const drop of ['end', 'reset'] as const) {
    it(`follows to completion across server-side drops (${drop}): no line lost or repeated`, async () => {
      let now = Date.UTC(2026, 11, 1, 12, 0, 0);
      s = await setup({ clock: () => now, followIdleTimeoutMs: 60, followDrop: drop });
      const kube = s.kube;
      const pods = kube.scenarios!.pods['gpt-running'];
      const reader = await s.runlens.logs('k8s:ml/pytorchjob/gpt-running', { follow: true });
      const seen: LogRecord[] = [];
      let phase = 0;
      for await (const record of reader) {
        seen.push(record);
        if (phase === 0 && seen.length === 90) {
          // 30 lines per pod were due. Once every pod's follow connection has been dropped by the
          // server (idle) and reopened, five more lines per pod come due. The reader keeps pulling meanwhile.
          phase = 1;
          const follows = () => kube.requests.filter((r) => r.path.endsWith('/log') && r.query['follow'] === 'true').length;
          const check = setInterval(() => {
            if (follows() >= 6) {
              clearInterval(check);
              now += 5 * RUNNING_LINE_MS;
            }
          }, 5);
        }
        if (phase === 1 && seen.length === 105) {
          phase = 2;
          // The job ends: containers stop, the job and its pods say so.
          const end = now;
          for (const p of pods) kube.stopContainer('ml', p.name, 'pytorch', end);
          const job = kube.get(PYTORCHJOBS, 'ml', 'gpt-running')!;
          const status = job['status'] as { conditions: unknown[] };
          kube.put(PYTORCHJOBS, { ...job, status: { ...status, conditions: [...status.conditions, kubeflowCondition('Succeeded', 'True', 'PyTorchJobSucceeded', 'done', end)], completionTime: new Date(end).toISOString() } });
        }
      }
      expect(phase).toBe(2);
      for (const p of pods) {
        const expected = await wholeLog(kube, p.name, 'pytorch');
        expect(seen.filter((r) => r.node === p.node).map((r) => r.message), p.node).toEqual(expected);
      }
      // Steps 0-29 were due at first (step 30 is 2 ns past the clock); 10 s later steps 30-35: 36 per pod.
      expect(seen).toHaveLength(108);
      // Reconnections asked from a whole second.
      const resumed = kube.requests.filter((r) => r.path.endsWith('/log') && r.query['follow'] === 'true' && r.query['sinceTime'] !== undefined);
      expect(resumed.length).toBeGreaterThanOrEqual(3);
      expect(resumed.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.query['sinceTime']!))).toBe(true);
    }, 30_000);
  }
});
