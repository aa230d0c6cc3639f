import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { attempts, jobFailure, jobState, mainContainer, nodeName, podWarnings } from '../src/cluster.js';
import { SCENARIO_JOBS, startKubernetesEmulator } from '../src/testing/index.js';
import { get } from './helpers.js';

import type { EventObject, JobKind, JobObject, PodObject } from '../src/cluster.js';
import type { KubernetesEmulator } from '../src/testing/index.js';

/** The run model over what the emulator serves on the wire, as the adapter will read it. */
describe('run model from wire objects', () => {
  let kube: KubernetesEmulator;
  beforeAll(async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
  });
  afterAll(async () => kube.close());

  const PATHS: Record<JobKind, string> = {
    PyTorchJob: '/apis/kubeflow.org/v1/namespaces/ml/pytorchjobs',
    TrainJob: '/apis/trainer.kubeflow.org/v1alpha1/namespaces/ml/trainjobs',
    Job: '/apis/batch/v1/namespaces/ml/jobs',
  };
  const SELECTORS: Record<JobKind, (name: string) => string> = {
    PyTorchJob: (name) => `training.kubeflow.org/job-name=${name}`,
    TrainJob: (name) => `jobset.sigs.k8s.io/jobset-name=${name}`,
    Job: (name) => `batch.kubernetes.io/job-name=${name}`,
  };

  async function read(kind: JobKind, name: string): Promise<{ job: JobObject; pods: PodObject[]; events: EventObject[] }> {
    const job = (await get(kube, `${PATHS[kind]}/${name}`)).json as JobObject;
    const pods = (await get(kube, `/api/v1/namespaces/ml/pods?labelSelector=${encodeURIComponent(SELECTORS[kind](name))}`)).json['items'] as PodObject[];
    const events: EventObject[] = [];
    for (const involved of [name, ...pods.map((pod) => pod.metadata!.name!)]) {
      const answer = await get(kube, `/api/v1/namespaces/ml/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${involved}`)}`);
      events.push(...(answer.json['items'] as EventObject[]));
    }
    return { job, pods, events };
  }

  it('takes status and times from conditions for each kind', async () => {
    const completed = await read('PyTorchJob', SCENARIO_JOBS.completed);
    expect(jobState('PyTorchJob', completed.job)).toMatchObject({ status: 'completed', providerStatus: 'Succeeded', startedAt: '2026-11-30T09:00:00Z', endedAt: '2026-11-30T09:20:00Z' });
    expect(jobState('PyTorchJob', (await read('PyTorchJob', SCENARIO_JOBS.oomKilled)).job)).toMatchObject({ status: 'failed', endedAt: '2026-11-30T10:07:00Z' });
    expect(jobState('PyTorchJob', (await read('PyTorchJob', SCENARIO_JOBS.unschedulable)).job)).toMatchObject({ status: 'pending', providerStatus: 'Created' });
    expect(jobState('PyTorchJob', (await read('PyTorchJob', SCENARIO_JOBS.running)).job)).toMatchObject({ status: 'running', providerStatus: 'Running' });
    expect(jobState('TrainJob', (await read('TrainJob', SCENARIO_JOBS.trainJob)).job)).toMatchObject({ status: 'completed', providerStatus: 'Complete', endedAt: '2026-11-30T15:08:00Z' });
    expect(jobState('Job', (await read('Job', SCENARIO_JOBS.indexedJob)).job)).toMatchObject({ status: 'completed', startedAt: '2026-11-30T16:00:00Z', endedAt: '2026-11-30T16:05:00Z' });
    const timeline = jobState('PyTorchJob', completed.job).timeline.map((event) => event.status);
    expect(timeline).toEqual(['Created', 'Running=False', 'Succeeded']);
  });

  it('names nodes by replica type and index, and picks the operator’s container', async () => {
    const completed = await read('PyTorchJob', SCENARIO_JOBS.completed);
    expect(completed.pods.map((pod) => nodeName('PyTorchJob', pod))).toEqual(['master-0', 'worker-0', 'worker-1', 'worker-2', 'worker-3']);
    expect(mainContainer('PyTorchJob', completed.pods[0]!)).toBe('pytorch');
    const train = await read('TrainJob', SCENARIO_JOBS.trainJob);
    expect(train.pods.map((pod) => nodeName('TrainJob', pod))).toEqual(['node-0', 'node-1']);
    expect(mainContainer('TrainJob', train.pods[0]!)).toBe('node');
    const indexed = await read('Job', SCENARIO_JOBS.indexedJob);
    expect(indexed.pods.map((pod) => nodeName('Job', pod))).toEqual(['index-0', 'index-1', 'index-2']);
  });

  it('keeps restarts as distinct attempts and says which still have logs', async () => {
    const { pods } = await read('PyTorchJob', SCENARIO_JOBS.restarted);
    const worker = pods.find((pod) => nodeName('PyTorchJob', pod) === 'worker-0')!;
    expect(attempts(worker.status!.containerStatuses![0])).toEqual([
      { attempt: 1, state: 'terminated', exitCode: 1, reason: 'Error', startedAt: '2026-11-30T12:00:10Z', endedAt: '2026-11-30T12:04:00Z', logs: 'previous' },
      { attempt: 2, state: 'terminated', exitCode: 0, reason: 'Completed', startedAt: '2026-11-30T12:04:10Z', endedAt: '2026-11-30T12:14:55Z', logs: 'current' },
    ]);
    expect(attempts({ restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }).map((a) => a.logs)).toEqual(['gone', 'gone', 'previous', 'current']);
  });

  it('classifies the OOM-killed worker as out-of-memory, not the workers the operator stopped after it', async () => {
    const { job, pods, events } = await read('PyTorchJob', SCENARIO_JOBS.oomKilled);
    const failure = jobFailure('PyTorchJob', job, pods, events);
    expect(failure.category).toBe('out-of-memory');
    expect(failure.reason).toBe('worker-1: container pytorch was OOMKilled');
    expect(failure.evidence[0]).toBe('[worker-1] container pytorch terminated: OOMKilled (exit 137)');
    expect(failure.evidence).toContain('[job] PyTorchJob resnet-oom is failed because 1 Worker replica(s) failed.');
  });

  it('classifies FailedScheduling as capacity and image pull failures as setup', async () => {
    const pending = await read('PyTorchJob', SCENARIO_JOBS.unschedulable);
    const capacity = jobFailure('PyTorchJob', pending.job, pending.pods, pending.events);
    expect(capacity.category).toBe('capacity');
    expect(capacity.evidence.some((line) => line.startsWith('[master-0] FailedScheduling (×31): 0/6 nodes are available'))).toBe(true);
    const pull = await read('PyTorchJob', SCENARIO_JOBS.imagePull);
    const setup = jobFailure('PyTorchJob', pull.job, pull.pods, pull.events);
    expect(setup.category).toBe('setup');
    // The kubelet's event says more than the waiting reason, so it is the reason; the waiting state is evidence.
    expect(setup.reason).toMatch(/^master-0: Failed to pull image "ghcr.io\/example\/yolo:v8-typo": .*not found$/);
    expect(setup.evidence).toContain('[master-0] ImagePullBackOff: Back-off pulling image "ghcr.io/example/yolo:v8-typo"');
  });

  it('falls back to the job’s own reason, and warns when the pods are gone', async () => {
    const gone = await read('PyTorchJob', SCENARIO_JOBS.podsDeleted);
    expect(gone.pods).toEqual([]);
    const failure = jobFailure('PyTorchJob', gone.job, gone.pods, gone.events);
    expect(failure).toMatchObject({ category: 'unknown', reason: 'Job vit-pods-gone has failed because it has reached the specified backoff limit' });
    const state = jobState('PyTorchJob', gone.job);
    expect(podWarnings(state, gone.pods).map((warning) => warning.code)).toEqual(['pods-deleted']);
    const pending = await read('PyTorchJob', SCENARIO_JOBS.unschedulable);
    expect(podWarnings(jobState('PyTorchJob', pending.job), pending.pods).map((warning) => warning.code)).toEqual(['pods-pending']);
    const done = await read('PyTorchJob', SCENARIO_JOBS.completed);
    expect(podWarnings(jobState('PyTorchJob', done.job), done.pods)).toEqual([]);
  });

  it('reports a failed non-zero exit as a user code error, and a deadline as a timeout', () => {
    const pod: PodObject = { metadata: { name: 'j-worker-0', labels: { 'training.kubeflow.org/replica-type': 'worker', 'training.kubeflow.org/replica-index': '0' } }, spec: { nodeName: 'n' }, status: { containerStatuses: [{ name: 'pytorch', state: { terminated: { exitCode: 2, reason: 'Error', finishedAt: '2026-01-01T00:00:00Z' } } }] } };
    expect(jobFailure('PyTorchJob', {}, [pod], []).category).toBe('user-code-error');
    const job: JobObject = { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', lastTransitionTime: '2026-01-01T00:00:00Z' }] } };
    expect(jobFailure('Job', job, [], [])).toMatchObject({ category: 'timeout', reason: 'Job was active longer than specified deadline' });
  });
});
