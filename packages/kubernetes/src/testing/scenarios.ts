/**
 * The seeded cluster: training jobs of every kind the provider reads, in namespace `ml` (by default),
 * with their pods, events and container logs. Finished jobs sit at fixed times; the running job is
 * anchored to the emulator's clock at seeding, and its logs grow as that clock advances.
 */
import { seededRandom } from '@runlens/core/emulator';

import { event, jobCondition, kubeflowCondition, metaCondition, pod } from './objects.js';
import { EVENTS, JOBS, JOBSETS, PODS, PYTORCHJOBS, TRAINJOBS } from './resources.js';
import { rfc3339, stableUid } from './store.js';

import type { LogStore, LogLine } from './logs.js';
import type { ContainerSpec, EventSpec } from './objects.js';
import type { KubeObject } from './resources.js';
import type { ObjectStore } from './store.js';

/** When the finished scenarios ran: 2026-11-30T09:00:00Z. */
export const SCENARIO_BASE_MS = Date.UTC(2026, 10, 30, 9, 0, 0);

export const SCENARIO_JOBS = {
  /** PyTorchJob, Succeeded: master-0 and worker-0..3. */
  completed: 'bert-finetune',
  /** PyTorchJob, Failed: worker-1 OOMKilled (exit 137). */
  oomKilled: 'resnet-oom',
  /** PyTorchJob, Created only: pods Pending, FailedScheduling events. */
  unschedulable: 'llama-pending',
  /** PyTorchJob, Running: logs grow with the clock (one line per `RUNNING_LINE_MS` per pod). */
  running: 'gpt-running',
  /** PyTorchJob, Succeeded: worker-0 restarted once (exit 1), `previous=true` reads its first run. */
  restarted: 't5-restarted',
  /** PyTorchJob, Failed, pods deleted: only the job and events remain. */
  podsDeleted: 'vit-pods-gone',
  /** PyTorchJob, Created: master-0 stuck in ImagePullBackOff. */
  imagePull: 'yolo-badimage',
  /** TrainJob (trainer.kubeflow.org/v1alpha1), Complete: its JobSet's indexed Job ran 2 pods. */
  trainJob: 'mnist-trainjob',
  /** batch/v1 Job, completionMode Indexed, 3 completions, Complete. */
  indexedJob: 'shard-eval',
} as const;

export type ScenarioJob = (typeof SCENARIO_JOBS)[keyof typeof SCENARIO_JOBS];

export const RUNNING_LINE_MS = 2000;
/** How long the running job's pods keep logging (clock time after `runningSince`). */
export const RUNNING_HORIZON_MS = 60 * 60_000;

export interface ScenarioPod {
  readonly name: string;
  /** Role and index as a reader should name the node: `master-0`, `worker-3`, `node-1`. */
  readonly node: string;
  readonly container: string;
}

export interface Scenarios {
  readonly namespace: string;
  /** The pods seeded for each job (empty for the job whose pods were deleted). */
  readonly pods: Readonly<Record<ScenarioJob, readonly ScenarioPod[]>>;
  /** The running job's start (epoch ms): its pods log one line every RUNNING_LINE_MS from here. */
  readonly runningSince: number;
}

interface Seed {
  readonly store: ObjectStore;
  readonly logs: LogStore;
  readonly clock: () => number;
  readonly namespace: string;
}

const PYTORCH_API = 'kubeflow.org/v1';

/** Resources of the training pods (one GPU each; the OOM-killed worker climbs to the 64 GiB limit) and of the CPU-only eval shards. */
export const GPU_POD = { limits: { cpu: '4', memory: '64Gi', 'nvidia.com/gpu': '1' }, requests: { cpu: '4', memory: '64Gi', 'nvidia.com/gpu': '1' } };
export const CPU_POD = { limits: { cpu: '4', memory: '32Gi' }, requests: { cpu: '2', memory: '16Gi' } };

export function seedScenarios(seed: Seed): Scenarios {
  const { store, namespace } = seed;
  let eventSerial = 0;
  const addEvent = (spec: Omit<EventSpec, 'namespace'>): void => {
    eventSerial += 1;
    store.put(EVENTS, event({ ...spec, namespace }, eventSerial));
  };
  const pods = {} as Record<ScenarioJob, ScenarioPod[]>;
  const random = seededRandom(12);

  // --- completed 4-worker PyTorchJob -------------------------------------------------------------
  {
    const name = SCENARIO_JOBS.completed;
    const start = SCENARIO_BASE_MS;
    const end = start + 20 * 60_000;
    store.put(PYTORCHJOBS, pytorchJob(namespace, name, { Master: 1, Worker: 4 }, start, {
      conditions: [
        kubeflowCondition('Created', 'True', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`, start),
        kubeflowCondition('Running', 'False', 'PyTorchJobRunning', `PyTorchJob ${name} is running.`, end),
        kubeflowCondition('Succeeded', 'True', 'PyTorchJobSucceeded', `PyTorchJob ${name} is successfully completed.`, end),
      ],
      replicaStatuses: { Master: { succeeded: 1 }, Worker: { succeeded: 4 } },
      startTime: rfc3339(start),
      completionTime: rfc3339(end),
    }));
    pods[name] = [];
    const roles: Array<[string, number]> = [['master', 0], ['worker', 0], ['worker', 1], ['worker', 2], ['worker', 3]];
    for (const [role, index] of roles) {
      const podName = `${name}-${role}-${index}`;
      const started = start + 10_000;
      store.put(PODS, pod({
        name: podName,
        namespace,
        labels: kubeflowLabels(name, role, index),
        owner: { apiVersion: PYTORCH_API, kind: 'PyTorchJob', name },
        resources: GPU_POD,
        nodeName: `gpu-node-${index + (role === 'master' ? 0 : 1)}`,
        phase: 'Succeeded',
        created: start + 2000,
        restartPolicy: 'OnFailure',
        containers: [{ name: 'pytorch', image: 'ghcr.io/example/bert-finetune:1.4', state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: end - 5000 } } }],
      }));
      seed.logs.append(namespace, podName, 'pytorch', trainingLog(started, end - 5000, role === 'master' ? 40 : 12, `${role}-${index}`, random));
      seed.logs.stop(namespace, podName, 'pytorch', ns(end - 5000));
      pods[name].push({ name: podName, node: `${role}-${index}`, container: 'pytorch' });
    }
  }

  // --- OOMKilled worker ----------------------------------------------------------------------------
  {
    const name = SCENARIO_JOBS.oomKilled;
    const start = SCENARIO_BASE_MS + 60 * 60_000;
    const failedAt = start + 7 * 60_000;
    store.put(PYTORCHJOBS, pytorchJob(namespace, name, { Master: 1, Worker: 2 }, start, {
      conditions: [
        kubeflowCondition('Created', 'True', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`, start),
        kubeflowCondition('Running', 'False', 'PyTorchJobRunning', `PyTorchJob ${name} is running.`, failedAt),
        kubeflowCondition('Failed', 'True', 'PyTorchJobFailed', `PyTorchJob ${name} is failed because 1 Worker replica(s) failed.`, failedAt),
      ],
      replicaStatuses: { Master: { failed: 1 }, Worker: { active: 0, failed: 1, succeeded: 0 } },
      startTime: rfc3339(start),
    }));
    pods[name] = [];
    for (const [role, index] of [['master', 0], ['worker', 0], ['worker', 1]] as Array<[string, number]>) {
      const podName = `${name}-${role}-${index}`;
      const started = start + 15_000;
      const oom = role === 'worker' && index === 1;
      const finished = oom ? failedAt - 2000 : failedAt + 3000;
      store.put(PODS, pod({
        name: podName,
        namespace,
        labels: kubeflowLabels(name, role, index),
        owner: { apiVersion: PYTORCH_API, kind: 'PyTorchJob', name },
        resources: GPU_POD,
        nodeName: `gpu-node-${index + 1}`,
        phase: 'Failed',
        created: start + 2000,
        containers: [{
          name: 'pytorch',
          image: 'ghcr.io/example/resnet:2.0',
          state: { terminated: oom
            ? { exitCode: 137, reason: 'OOMKilled', startedAt: started, finishedAt: finished }
            : { exitCode: 143, reason: 'Error', startedAt: started, finishedAt: finished } },
        }],
      }));
      const lines = trainingLog(started, finished - 1000, 10, `${role}-${index}`, random);
      if (oom) lines.push({ timeNs: ns(finished - 500), text: 'loading batch 1184 into pinned memory (host RSS 61.8 GiB)' });
      else lines.push({ timeNs: ns(finished - 500), text: 'torch.distributed.elastic: received SIGTERM, shutting down' });
      seed.logs.append(namespace, podName, 'pytorch', lines);
      seed.logs.stop(namespace, podName, 'pytorch', ns(finished));
      pods[name].push({ name: podName, node: `${role}-${index}`, container: 'pytorch' });
    }
    addEvent({ involved: { kind: 'PyTorchJob', name, apiVersion: PYTORCH_API }, reason: 'PyTorchJobFailed', message: `PyTorchJob ${name} is failed because 1 Worker replica(s) failed.`, type: 'Normal', component: 'pytorchjob-controller', first: failedAt });
  }

  // --- unschedulable job ---------------------------------------------------------------------------
  {
    const name = SCENARIO_JOBS.unschedulable;
    const start = SCENARIO_BASE_MS + 2 * 60 * 60_000;
    const message = '0/6 nodes are available: 2 Insufficient nvidia.com/gpu, 4 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/6 nodes are available: 2 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling.';
    store.put(PYTORCHJOBS, pytorchJob(namespace, name, { Master: 1, Worker: 1 }, start, {
      conditions: [kubeflowCondition('Created', 'True', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`, start)],
      replicaStatuses: { Master: { active: 1 }, Worker: { active: 1 } },
    }));
    pods[name] = [];
    for (const [role, index] of [['master', 0], ['worker', 0]] as Array<[string, number]>) {
      const podName = `${name}-${role}-${index}`;
      store.put(PODS, pod({
        name: podName,
        namespace,
        labels: kubeflowLabels(name, role, index),
        owner: { apiVersion: PYTORCH_API, kind: 'PyTorchJob', name },
        resources: GPU_POD,
        phase: 'Pending',
        created: start + 2000,
        unschedulable: message,
        containers: [{ name: 'pytorch', image: 'ghcr.io/example/llama:7b', state: { waiting: { reason: 'ContainerCreating' } } }],
      }));
      addEvent({ involved: { kind: 'Pod', name: podName, apiVersion: 'v1' }, reason: 'FailedScheduling', message, type: 'Warning', component: 'default-scheduler', first: start + 3000, last: start + 30 * 60_000, count: 31 });
      pods[name].push({ name: podName, node: `${role}-${index}`, container: 'pytorch' });
    }
  }

  // --- running job (follow) ------------------------------------------------------------------------
  const runningSince = Math.floor(seed.clock() / 1000) * 1000 - 60_000;
  {
    const name = SCENARIO_JOBS.running;
    const start = runningSince - 20_000;
    store.put(PYTORCHJOBS, pytorchJob(namespace, name, { Master: 1, Worker: 2 }, start, {
      conditions: [
        kubeflowCondition('Created', 'True', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`, start),
        kubeflowCondition('Running', 'True', 'PyTorchJobRunning', `PyTorchJob ${name} is running.`, runningSince),
      ],
      replicaStatuses: { Master: { active: 1 }, Worker: { active: 2 } },
      startTime: rfc3339(start),
    }));
    pods[name] = [];
    for (const [role, index] of [['master', 0], ['worker', 0], ['worker', 1]] as Array<[string, number]>) {
      const podName = `${name}-${role}-${index}`;
      store.put(PODS, pod({
        name: podName,
        namespace,
        labels: kubeflowLabels(name, role, index),
        owner: { apiVersion: PYTORCH_API, kind: 'PyTorchJob', name },
        resources: GPU_POD,
        nodeName: `gpu-node-${index + 3}`,
        phase: 'Running',
        created: start + 2000,
        containers: [{ name: 'pytorch', image: 'ghcr.io/example/gpt:0.9', state: { running: { startedAt: runningSince } } }],
      }));
      // An hour of lines, one per RUNNING_LINE_MS, each visible once the clock reaches it.
      const lines: LogLine[] = [];
      for (let step = 0; step < RUNNING_HORIZON_MS / RUNNING_LINE_MS; step += 1) {
        const at = ns(runningSince + step * RUNNING_LINE_MS) + BigInt(step % 7) * 1_000_003n;
        lines.push({ timeNs: at, text: `[${role}-${index}] step ${step} loss ${(3.2 * Math.exp(-step / 900) + 0.4).toFixed(4)}` });
      }
      seed.logs.append(namespace, podName, 'pytorch', lines);
      pods[name].push({ name: podName, node: `${role}-${index}`, container: 'pytorch' });
    }
  }

  // --- restarted container -------------------------------------------------------------------------
  {
    const name = SCENARIO_JOBS.restarted;
    const start = SCENARIO_BASE_MS + 3 * 60 * 60_000;
    const crash = start + 4 * 60_000;
    const end = start + 15 * 60_000;
    store.put(PYTORCHJOBS, pytorchJob(namespace, name, { Master: 1, Worker: 1 }, start, {
      conditions: [
        kubeflowCondition('Created', 'True', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`, start),
        kubeflowCondition('Restarting', 'False', 'PyTorchJobRestarting', `PyTorchJob ${name} is restarting because 1 Worker replica(s) failed.`, crash),
        kubeflowCondition('Running', 'False', 'PyTorchJobRunning', `PyTorchJob ${name} is running.`, end),
        kubeflowCondition('Succeeded', 'True', 'PyTorchJobSucceeded', `PyTorchJob ${name} is successfully completed.`, end),
      ],
      replicaStatuses: { Master: { succeeded: 1 }, Worker: { succeeded: 1 } },
      startTime: rfc3339(start),
      completionTime: rfc3339(end),
    }));
    pods[name] = [];
    for (const [role, index] of [['master', 0], ['worker', 0]] as Array<[string, number]>) {
      const podName = `${name}-${role}-${index}`;
      const started = start + 10_000;
      const restarted = role === 'worker';
      const container: ContainerSpec = restarted
        ? {
          name: 'pytorch',
          image: 'ghcr.io/example/t5:3.1',
          restartCount: 1,
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: started, finishedAt: crash } },
          state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: crash + 10_000, finishedAt: end - 5000 } },
        }
        : { name: 'pytorch', image: 'ghcr.io/example/t5:3.1', state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: end - 5000 } } };
      store.put(PODS, pod({
        name: podName,
        namespace,
        labels: kubeflowLabels(name, role, index),
        owner: { apiVersion: PYTORCH_API, kind: 'PyTorchJob', name },
        resources: GPU_POD,
        nodeName: `gpu-node-${index + 2}`,
        phase: 'Succeeded',
        created: start + 2000,
        restartPolicy: 'OnFailure',
        containers: [container],
      }));
      if (restarted) {
        const first = trainingLog(started, crash - 2000, 6, 'worker-0', random);
        first.push({ timeNs: ns(crash - 1000), text: 'RuntimeError: NCCL communicator was aborted on rank 1. Original reason for failure was: [Rank 1] Watchdog caught collective operation timeout' });
        seed.logs.append(namespace, podName, 'pytorch', first);
        seed.logs.restart(namespace, podName, 'pytorch', ns(crash));
        seed.logs.append(namespace, podName, 'pytorch', trainingLog(crash + 10_000, end - 5000, 8, 'worker-0', random));
      } else {
        seed.logs.append(namespace, podName, 'pytorch', trainingLog(started, end - 5000, 14, 'master-0', random));
      }
      seed.logs.stop(namespace, podName, 'pytorch', ns(end - 5000));
      pods[name].push({ name: podName, node: `${role}-${index}`, container: 'pytorch' });
    }
  }

  // --- job whose pods were deleted -----------------------------------------------------------------
  {
    const name = SCENARIO_JOBS.podsDeleted;
    const start = SCENARIO_BASE_MS + 4 * 60 * 60_000;
    const failedAt = start + 9 * 60_000;
    store.put(PYTORCHJOBS, pytorchJob(namespace, name, { Master: 1, Worker: 1 }, start, {
      conditions: [
        kubeflowCondition('Created', 'True', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`, start),
        kubeflowCondition('Running', 'False', 'PyTorchJobRunning', `PyTorchJob ${name} is running.`, failedAt),
        // Backoff limit reached: the operator deletes the pods even with cleanPodPolicy None (kubeflow/trainer#3419).
        kubeflowCondition('Failed', 'True', 'PyTorchJobFailed', `Job ${name} has failed because it has reached the specified backoff limit`, failedAt),
      ],
      replicaStatuses: { Master: { failed: 1 }, Worker: { failed: 1 } },
      startTime: rfc3339(start),
    }));
    addEvent({ involved: { kind: 'Pod', name: `${name}-worker-0`, apiVersion: 'v1' }, reason: 'BackOff', message: `Back-off restarting failed container pytorch in pod ${name}-worker-0_${namespace}(${stableUid(`pod/${namespace}/${name}-worker-0`)})`, type: 'Warning', component: 'kubelet', first: failedAt - 60_000, last: failedAt - 5000, count: 4 });
    addEvent({ involved: { kind: 'PyTorchJob', name, apiVersion: PYTORCH_API }, reason: 'SuccessfulDeletePod', message: `Deleted pod: ${name}-worker-0`, type: 'Normal', component: 'pytorchjob-controller', first: failedAt + 1000 });
    addEvent({ involved: { kind: 'PyTorchJob', name, apiVersion: PYTORCH_API }, reason: 'SuccessfulDeletePod', message: `Deleted pod: ${name}-master-0`, type: 'Normal', component: 'pytorchjob-controller', first: failedAt + 1000 });
    pods[name] = [];
  }

  // --- image pull failure --------------------------------------------------------------------------
  {
    const name = SCENARIO_JOBS.imagePull;
    const start = SCENARIO_BASE_MS + 5 * 60 * 60_000;
    const image = 'ghcr.io/example/yolo:v8-typo';
    store.put(PYTORCHJOBS, pytorchJob(namespace, name, { Master: 1 }, start, {
      conditions: [kubeflowCondition('Created', 'True', 'PyTorchJobCreated', `PyTorchJob ${name} is created.`, start)],
      replicaStatuses: { Master: { active: 1 } },
    }));
    const podName = `${name}-master-0`;
    store.put(PODS, pod({
      name: podName,
      namespace,
      labels: kubeflowLabels(name, 'master', 0),
      owner: { apiVersion: PYTORCH_API, kind: 'PyTorchJob', name },
        resources: GPU_POD,
      nodeName: 'gpu-node-1',
      phase: 'Pending',
      created: start + 2000,
      containers: [{ name: 'pytorch', image, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } } }],
    }));
    addEvent({ involved: { kind: 'Pod', name: podName, apiVersion: 'v1' }, reason: 'Failed', message: `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`, type: 'Warning', component: 'kubelet', first: start + 5000, last: start + 10 * 60_000, count: 6 });
    addEvent({ involved: { kind: 'Pod', name: podName, apiVersion: 'v1' }, reason: 'Failed', message: 'Error: ErrImagePull', type: 'Warning', component: 'kubelet', first: start + 5000, last: start + 10 * 60_000, count: 6 });
    addEvent({ involved: { kind: 'Pod', name: podName, apiVersion: 'v1' }, reason: 'BackOff', message: `Back-off pulling image "${image}"`, type: 'Normal', component: 'kubelet', first: start + 6000, last: start + 10 * 60_000, count: 40 });
    pods[name] = [{ name: podName, node: 'master-0', container: 'pytorch' }];
  }

  // --- TrainJob and its JobSet ---------------------------------------------------------------------
  {
    const name = SCENARIO_JOBS.trainJob;
    const start = SCENARIO_BASE_MS + 6 * 60 * 60_000;
    const end = start + 8 * 60_000;
    const completed = metaCondition('Complete', 'True', 'AllJobsCompleted', 'jobset completed successfully', end);
    store.put(TRAINJOBS, {
      metadata: { name, namespace, creationTimestamp: rfc3339(start), uid: stableUid(`TrainJob/${namespace}/${name}`), labels: { team: 'vision' } },
      spec: { runtimeRef: { name: 'torch-distributed', apiGroup: 'trainer.kubeflow.org', kind: 'ClusterTrainingRuntime' }, trainer: { numNodes: 2, image: 'ghcr.io/example/mnist:1.0' } },
      status: { conditions: [completed], jobsStatus: [{ name: 'node', ready: 0, succeeded: 1, failed: 0, active: 0, suspended: 0 }] },
    });
    store.put(JOBSETS, {
      metadata: {
        name,
        namespace,
        creationTimestamp: rfc3339(start + 1000),
        uid: stableUid(`JobSet/${namespace}/${name}`),
        labels: { 'trainer.kubeflow.org/trainjob-name': name },
        ownerReferences: [{ apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', name, uid: stableUid(`TrainJob/${namespace}/${name}`), controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicatedJobs: [{ name: 'node', replicas: 1, template: { spec: { parallelism: 2, completions: 2, completionMode: 'Indexed' } } }] },
      status: {
        conditions: [metaCondition('Completed', 'True', 'AllJobsCompleted', 'jobset completed successfully', end)],
        replicatedJobsStatus: [{ name: 'node', ready: 0, succeeded: 1, failed: 0, active: 0, suspended: 0 }],
        terminalState: 'Completed',
      },
    });
    const jobName = `${name}-node-0`;
    const jobUid = stableUid(`Job/${namespace}/${jobName}`);
    store.put(JOBS, {
      metadata: {
        name: jobName,
        namespace,
        creationTimestamp: rfc3339(start + 2000),
        uid: jobUid,
        labels: { 'jobset.sigs.k8s.io/jobset-name': name, 'jobset.sigs.k8s.io/replicatedjob-name': 'node', 'jobset.sigs.k8s.io/job-index': '0', 'jobset.sigs.k8s.io/job-global-index': '0' },
        ownerReferences: [{ apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', name, uid: stableUid(`JobSet/${namespace}/${name}`), controller: true, blockOwnerDeletion: true }],
      },
      spec: { parallelism: 2, completions: 2, completionMode: 'Indexed', backoffLimit: 0 },
      status: {
        conditions: [jobCondition('SuccessCriteriaMet', 'True', end - 2000, 'CompletionsReached', 'Reached expected number of succeeded pods'), jobCondition('Complete', 'True', end, 'CompletionsReached', 'Reached expected number of succeeded pods')],
        startTime: rfc3339(start + 2000),
        completionTime: rfc3339(end),
        succeeded: 2,
        completedIndexes: '0-1',
        ready: 0,
        terminating: 0,
      },
    });
    pods[name] = [];
    for (const index of [0, 1]) {
      const podName = `${jobName}-${index}-${suffix(`${jobName}-${index}`)}`;
      const started = start + 12_000;
      store.put(PODS, pod({
        name: podName,
        namespace,
        labels: {
          ...batchLabels(jobName, jobUid, index),
          'jobset.sigs.k8s.io/jobset-name': name,
          'jobset.sigs.k8s.io/replicatedjob-name': 'node',
          'jobset.sigs.k8s.io/job-index': '0',
          'jobset.sigs.k8s.io/job-global-index': '0',
        },
        annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
        owner: { apiVersion: 'batch/v1', kind: 'Job', name: jobName },
        resources: GPU_POD,
        nodeName: `gpu-node-${index + 1}`,
        phase: 'Succeeded',
        created: start + 3000,
        containers: [{ name: 'node', image: 'ghcr.io/example/mnist:1.0', state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: end - 3000 } } }],
      }));
      seed.logs.append(namespace, podName, 'node', trainingLog(started, end - 3000, 10, `node-${index}`, random));
      seed.logs.stop(namespace, podName, 'node', ns(end - 3000));
      pods[name].push({ name: podName, node: `node-${index}`, container: 'node' });
    }
  }

  // --- indexed batch Job ---------------------------------------------------------------------------
  {
    const name = SCENARIO_JOBS.indexedJob;
    const start = SCENARIO_BASE_MS + 7 * 60 * 60_000;
    const end = start + 5 * 60_000;
    const uid = stableUid(`Job/${namespace}/${name}`);
    store.put(JOBS, {
      metadata: { name, namespace, creationTimestamp: rfc3339(start), uid, labels: { team: 'eval', 'runlens.dev/kind': 'training' } },
      spec: { parallelism: 3, completions: 3, completionMode: 'Indexed', backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'eval', image: 'ghcr.io/example/eval:0.3' }] } } },
      status: {
        conditions: [jobCondition('SuccessCriteriaMet', 'True', end - 1000, 'CompletionsReached', 'Reached expected number of succeeded pods'), jobCondition('Complete', 'True', end, 'CompletionsReached', 'Reached expected number of succeeded pods')],
        startTime: rfc3339(start),
        completionTime: rfc3339(end),
        succeeded: 3,
        completedIndexes: '0-2',
        ready: 0,
        terminating: 0,
      },
    });
    pods[name] = [];
    for (const index of [0, 1, 2]) {
      const podName = `${name}-${index}-${suffix(`${name}-${index}`)}`;
      const started = start + 5000;
      store.put(PODS, pod({
        name: podName,
        namespace,
        labels: batchLabels(name, uid, index),
        annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
        owner: { apiVersion: 'batch/v1', kind: 'Job', name },
        resources: CPU_POD,
        nodeName: `cpu-node-${index + 1}`,
        phase: 'Succeeded',
        created: start + 1000,
        containers: [{ name: 'eval', image: 'ghcr.io/example/eval:0.3', state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: end - 2000 } } }],
      }));
      seed.logs.append(namespace, podName, 'eval', trainingLog(started, end - 2000, 6, `shard-${index}`, random));
      seed.logs.stop(namespace, podName, 'eval', ns(end - 2000));
      pods[name].push({ name: podName, node: `index-${index}`, container: 'eval' });
    }
  }

  return { namespace, pods, runningSince };
}

interface KubeflowStatus {
  conditions: Array<Record<string, unknown>>;
  replicaStatuses: Record<string, Record<string, number>>;
  startTime?: string;
  completionTime?: string;
}

function pytorchJob(namespace: string, name: string, replicas: Record<string, number>, created: number, status: KubeflowStatus, cleanPodPolicy = 'None'): KubeObject {
  return {
    metadata: { name, namespace, creationTimestamp: rfc3339(created), uid: stableUid(`PyTorchJob/${namespace}/${name}`), labels: { team: 'nlp' } },
    spec: {
      runPolicy: { cleanPodPolicy, backoffLimit: 3 },
      pytorchReplicaSpecs: Object.fromEntries(Object.entries(replicas).map(([type, count]) => [type, {
        replicas: count,
        restartPolicy: 'OnFailure',
        template: { spec: { containers: [{ name: 'pytorch', image: 'ghcr.io/example/train:latest', resources: GPU_POD }] } },
      }])),
    },
    status: { ...status, lastReconcileTime: status.completionTime ?? rfc3339(created) },
  };
}

/** Pod labels the training operator sets (kubeflow/training-operator pkg/apis/kubeflow.org/v1/common_types.go, GenLabels). */
function kubeflowLabels(job: string, role: string, index: number): Record<string, string> {
  return {
    'training.kubeflow.org/job-name': job,
    'training.kubeflow.org/operator-name': 'pytorchjob-controller',
    'training.kubeflow.org/replica-type': role,
    'training.kubeflow.org/replica-index': String(index),
    ...(role === 'master' ? { 'training.kubeflow.org/job-role': 'master' } : {}),
  };
}

/** Pod labels of an indexed batch/v1 Job (k8s.io/api batch/v1/types.go; the legacy unprefixed ones too). */
function batchLabels(job: string, uid: string, index: number): Record<string, string> {
  return {
    'batch.kubernetes.io/job-name': job,
    'job-name': job,
    'batch.kubernetes.io/controller-uid': uid,
    'controller-uid': uid,
    'batch.kubernetes.io/job-completion-index': String(index),
  };
}

/** The five-character random suffix of a generated pod name, derived from a seed. */
function suffix(seed: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const hex = stableUid(seed).replace(/-/g, '');
  let text = '';
  for (let i = 0; i < 5; i += 1) text += alphabet[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return text;
}

/** Training output between two times; several lines share a second, so whole-second `sinceTime` matters. */
function trainingLog(from: number, to: number, count: number, who: string, random: () => number): LogLine[] {
  const lines: LogLine[] = [{ timeNs: ns(from) + 120_000n, text: `[${who}] starting: torch 2.5.1, world size ready` }];
  const span = Math.max(1, to - from - 2000);
  for (let i = 1; i <= count; i += 1) {
    const at = from + 1000 + Math.floor((span * i) / (count + 1));
    const nanos = BigInt(Math.floor(random() * 1_000_000));
    const loss = (2.5 * Math.exp(-i / (count / 2)) + 0.3 + random() * 0.05).toFixed(4);
    lines.push({ timeNs: ns(at) + nanos, text: `[${who}] epoch ${Math.ceil(i / 4)} step ${i * 50} loss ${loss}` });
    // A second line 200 ms later in the same second as often as not.
    lines.push({ timeNs: ns(at + 200) + nanos, text: `[${who}] throughput ${(900 + random() * 50).toFixed(1)} samples/s` });
  }
  lines.push({ timeNs: ns(to) - 1_000_000n, text: `[${who}] done` });
  return lines;
}

function ns(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}
