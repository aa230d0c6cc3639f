// Seeds core's neutral RunFixture into the Kubernetes emulator in its own wire terms: a PyTorchJob
// with one pod per node (`master-0` → pod `<job>-master-0`, labels as the training operator sets
// them), each with a `pytorch` container whose log holds the node's lines; the job's conditions
// carry the status. Used by the conformance suite and the scenario tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { kubeflowCondition, pod } from '../src/testing/objects.js';
import { GPU_POD } from '../src/testing/scenarios.js';
import { PODS, PYTORCHJOBS, startKubernetesEmulator } from '../src/testing/index.js';
import { rfc3339 } from '../src/testing/store.js';

import type { ConformanceBackend, RunFixture } from '@runlens/core/testing';
import type { RunStatus } from '@runlens/core';

import type { KubernetesEmulator, KubernetesEmulatorOptions } from '../src/testing/index.js';

const NAMESPACE = 'ml';

function ns(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}

/** `master-0` → role `master`, index 0; anything else is a worker. */
function roleOf(node: string): [string, number] {
  const match = /^(master|worker)-(\d+)$/.exec(node);
  return match === null ? ['worker', 0] : [match[1]!, Number(match[2])];
}

export interface KubeBackend extends ConformanceBackend {
  readonly kube: KubernetesEmulator;
  readonly kubeconfig: string;
}

export async function startKubeBackend(options: KubernetesEmulatorOptions = {}): Promise<KubeBackend> {
  const kube = await startKubernetesEmulator({ followPollMs: 5, ...options });
  const dir = mkdtempSync(join(tmpdir(), 'runlens-k8s-backend-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, kube.kubeconfig());
  const jobs = new Map<string, { fixture: RunFixture; last: number; status: RunStatus; nodes: Set<string> }>();

  const jobObject = (name: string, status: RunStatus, startedAt: number, endedAt: number | undefined) => {
    const conditions = [kubeflowCondition('Created', 'True', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`, startedAt)];
    if (status === 'running') conditions.push(kubeflowCondition('Running', 'True', 'PyTorchJobRunning', `PyTorchJob ${name} is running.`, startedAt));
    if (status === 'completed') conditions.push(kubeflowCondition('Succeeded', 'True', 'PyTorchJobSucceeded', `PyTorchJob ${name} is successfully completed.`, endedAt ?? startedAt));
    if (status === 'failed') conditions.push(kubeflowCondition('Failed', 'True', 'PyTorchJobFailed', `PyTorchJob ${name} is failed.`, endedAt ?? startedAt));
    return {
      metadata: { name, namespace: NAMESPACE, creationTimestamp: rfc3339(startedAt - 5000), uid: `uid-${name}`, labels: { suite: 'conformance' } },
      spec: { runPolicy: { cleanPodPolicy: 'None' }, pytorchReplicaSpecs: {} },
      status: { conditions, startTime: rfc3339(startedAt), ...(status === 'completed' && endedAt !== undefined ? { completionTime: rfc3339(endedAt) } : {}) },
    };
  };

  const putPod = (job: string, node: string, startedAt: number, endedAt: number | undefined) => {
    const [role, index] = roleOf(node);
    kube.put(PODS, pod({
      name: `${job}-${node}`,
      namespace: NAMESPACE,
      labels: {
        'training.kubeflow.org/job-name': job,
        'training.kubeflow.org/operator-name': 'pytorchjob-controller',
        'training.kubeflow.org/replica-type': role,
        'training.kubeflow.org/replica-index': String(index),
      },
      owner: { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', name: job },
      nodeName: `gpu-node-${index}`,
      phase: endedAt === undefined ? 'Running' : 'Succeeded',
      created: startedAt - 2000,
      resources: GPU_POD,
      containers: [{
        name: 'pytorch',
        image: 'ghcr.io/example/train:1',
        state: endedAt === undefined ? { running: { startedAt } } : { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: endedAt } },
      }],
    }));
  };

  const name = (fixture: RunFixture) => fixture.name.toLowerCase().replace(/[^a-z0-9-]/g, '-');

  return {
    kube,
    kubeconfig,
    env: {},
    settings: { kubeconfig },
    async seed(fixture) {
      const job = name(fixture);
      const last = Math.max(fixture.startedAt, ...Object.values(fixture.logs).flatMap((lines) => lines.map((l) => l.timestamp)));
      const endedAt = fixture.status === 'running' ? undefined : (fixture.endedAt ?? last + 1000);
      kube.put(PYTORCHJOBS, jobObject(job, fixture.status, fixture.startedAt, endedAt));
      for (const node of fixture.nodes) {
        if (fixture.logs[node] === undefined && fixture.status === 'running') continue;
        putPod(job, node, fixture.startedAt, endedAt);
        kube.appendLog(NAMESPACE, `${job}-${node}`, 'pytorch', (fixture.logs[node] ?? []).map((line) => ({ timeNs: ns(line.timestamp), text: line.message })));
        if (endedAt !== undefined) kube.stopContainer(NAMESPACE, `${job}-${node}`, 'pytorch', Math.max(endedAt, last + 1));
      }
      jobs.set(job, { fixture, last, status: fixture.status, nodes: new Set(fixture.status === 'running' ? Object.keys(fixture.logs) : fixture.nodes) });
      return `k8s:${NAMESPACE}/pytorchjob/${job}`;
    },
    async seedWithoutLogs(fixture) {
      // The job stays, its pods are deleted (cleanPodPolicy, or the backoff limit: kubeflow/trainer#3419).
      const ref = await this.seed(fixture);
      const job = ref.split('/').at(-1)!;
      for (const node of fixture.nodes) kube.deletePod(NAMESPACE, `${job}-${node}`);
      return ref;
    },
    async appendLogs(ref, node, lines) {
      const job = ref.split('/').at(-1)!;
      const state = jobs.get(job)!;
      if (!state.nodes.has(node)) {
        // A node that starts late: its pod appears now.
        putPod(job, node, lines[0]?.timestamp ?? state.fixture.startedAt, undefined);
        state.nodes.add(node);
      }
      kube.appendLog(NAMESPACE, `${job}-${node}`, 'pytorch', lines.map((line) => ({ timeNs: ns(line.timestamp), text: line.message })));
      state.last = Math.max(state.last, ...lines.map((l) => l.timestamp));
    },
    async setStatus(ref, status) {
      const job = ref.split('/').at(-1)!;
      const state = jobs.get(job)!;
      state.status = status;
      const endedAt = status === 'running' || status === 'pending' ? undefined : state.last + 1;
      kube.put(PYTORCHJOBS, jobObject(job, status, state.fixture.startedAt, endedAt));
      for (const node of state.nodes) {
        putPod(job, node, state.fixture.startedAt, endedAt);
        if (endedAt !== undefined) kube.stopContainer(NAMESPACE, `${job}-${node}`, 'pytorch', endedAt);
      }
    },
    async close() {
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
