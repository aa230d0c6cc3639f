import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PODS, PYTORCHJOBS, SCENARIO_JOBS, startKubernetesEmulator } from '../src/testing/index.js';
import { get, items, names } from './helpers.js';

import type { KubernetesEmulator } from '../src/testing/index.js';

const NS = '/api/v1/namespaces/ml';
const KF = '/apis/kubeflow.org/v1/namespaces/ml/pytorchjobs';

describe('Kubernetes emulator: reads, selectors and errors', () => {
  let kube: KubernetesEmulator;
  beforeAll(async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
  });
  afterAll(async () => kube.close());

  it('answers 401 Unauthorized as a Status without a valid bearer token', async () => {
    for (const token of [null, 'wrong-token']) {
      const answer = await get(kube, `${NS}/pods`, token);
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
  });

  it('lists pods as a PodList whose built-in items carry no kind, in name order', async () => {
    const answer = await get(kube, `${NS}/pods`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
    expect(items(answer)[0]).not.toHaveProperty('kind');
    const listed = names(answer);
    expect(listed).toEqual([...listed].sort());
    expect(listed).toContain('bert-finetune-worker-3');
  });

  it('serves each job kind under its group and version, custom resources with apiVersion and kind per item', async () => {
    const pytorch = await get(kube, KF);
    expect(pytorch.json).toMatchObject({ kind: 'PyTorchJobList', apiVersion: 'kubeflow.org/v1' });
    expect(items(pytorch)[0]).toMatchObject({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob' });
    const trainjob = await get(kube, `/apis/trainer.kubeflow.org/v1alpha1/namespaces/ml/trainjobs/${SCENARIO_JOBS.trainJob}`);
    expect(trainjob.json).toMatchObject({ apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', status: { conditions: [{ type: 'Complete', status: 'True' }] } });
    const jobset = await get(kube, `/apis/jobset.x-k8s.io/v1alpha2/namespaces/ml/jobsets/${SCENARIO_JOBS.trainJob}`);
    expect(jobset.json).toMatchObject({ kind: 'JobSet', status: { terminalState: 'Completed' } });
    const job = await get(kube, `/apis/batch/v1/namespaces/ml/jobs/${SCENARIO_JOBS.indexedJob}`);
    expect(job.json).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed' }, status: { completedIndexes: '0-2' } });
    const all = await get(kube, '/apis/kubeflow.org/v1/pytorchjobs');
    expect(names(all)).toContain(SCENARIO_JOBS.completed);
  });

  it('matches equality-based label selectors', async () => {
    const byJob = await get(kube, `${NS}/pods?labelSelector=${encodeURIComponent('training.kubeflow.org/job-name=bert-finetune')}`);
    expect(names(byJob)).toEqual(['bert-finetune-master-0', ...[0, 1, 2, 3].map((i) => `bert-finetune-worker-${i}`)]);
    const notMaster = await get(kube, `${NS}/pods?labelSelector=${encodeURIComponent('training.kubeflow.org/job-name==bert-finetune,training.kubeflow.org/replica-type!=master')}`);
    expect(names(notMaster)).toHaveLength(4);
  });

  it('matches set-based label selectors: in, notin, exists, does not exist', async () => {
    const q = async (selector: string): Promise<string[]> => names(await get(kube, `${NS}/pods?labelSelector=${encodeURIComponent(selector)}`));
    expect(await q('training.kubeflow.org/job-name in (resnet-oom, t5-restarted),training.kubeflow.org/replica-type in (master)')).toEqual(['resnet-oom-master-0', 't5-restarted-master-0']);
    const indexed = await q('batch.kubernetes.io/job-completion-index');
    expect(indexed).toHaveLength(5); // 3 shard-eval pods and the TrainJob's 2
    expect(await q('batch.kubernetes.io/job-completion-index,!jobset.sigs.k8s.io/jobset-name')).toHaveLength(3);
    // notin matches pods without the label too, as in apimachinery.
    const notin = await q('training.kubeflow.org/replica-type notin (worker)');
    expect(notin).toContain('shard-eval-0-' + indexed.find((name) => name.startsWith('shard-eval-0-'))!.slice('shard-eval-0-'.length));
    expect(notin.some((name) => name.includes('worker'))).toBe(false);
  });

  it('refuses a malformed label selector with 400 BadRequest', async () => {
    const answer = await get(kube, `${NS}/pods?labelSelector=${encodeURIComponent('team in ()')}`);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
  });

  it('filters events by involvedObject and reason, and refuses unknown fields with the apiserver message', async () => {
    const selector = 'involvedObject.name=llama-pending-master-0,reason=FailedScheduling';
    const answer = await get(kube, `${NS}/events?fieldSelector=${encodeURIComponent(selector)}`);
    expect(items(answer)).toHaveLength(1);
    expect(items(answer)[0]).toMatchObject({ type: 'Warning', count: 31, source: { component: 'default-scheduler' } });
    expect(String(items(answer)[0]!['message'])).toContain('Insufficient nvidia.com/gpu');
    const unknown = await get(kube, `${NS}/events?fieldSelector=${encodeURIComponent('spec.nodeName=x')}`);
    expect(unknown.status).toBe(400);
    expect(unknown.json['message']).toBe('field label not supported: spec.nodeName');
    const custom = await get(kube, `${KF}?fieldSelector=${encodeURIComponent('status.phase=x')}`);
    expect(custom.json['message']).toBe('"status.phase" is not a known field selector: only "metadata.name", "metadata.namespace"');
    const byName = await get(kube, `${KF}?fieldSelector=metadata.name%3Dresnet-oom`);
    expect(names(byName)).toEqual(['resnet-oom']);
    const pending = await get(kube, `${NS}/pods?fieldSelector=status.phase%3DPending`);
    expect(names(pending)).toEqual(['llama-pending-master-0', 'llama-pending-worker-0', 'yolo-badimage-master-0']);
  });

  it('answers 404 NotFound Status objects with apierrors wording, for objects and unknown resources', async () => {
    const pod = await get(kube, `${NS}/pods/vit-pods-gone-worker-0`);
    expect(pod.status).toBe(404);
    expect(pod.json).toMatchObject({ reason: 'NotFound', code: 404, message: 'pods "vit-pods-gone-worker-0" not found', details: { name: 'vit-pods-gone-worker-0', kind: 'pods' } });
    const job = await get(kube, `${KF}/nope`);
    expect(job.json).toMatchObject({ message: 'pytorchjobs.kubeflow.org "nope" not found', details: { group: 'kubeflow.org', kind: 'pytorchjobs' } });
    const resource = await get(kube, '/apis/kubeflow.org/v1/namespaces/ml/tfjobs');
    expect(resource.status).toBe(404);
    expect(resource.json['reason']).toBe('NotFound');
  });

  it('answers 403 Forbidden with the RBAC wording for a denied list, get and pods/log', async () => {
    const lift = kube.forbid({ resource: 'pytorchjobs', group: 'kubeflow.org', verb: 'list', namespace: 'ml' });
    const listed = await get(kube, KF);
    expect(listed.status).toBe(403);
    expect(listed.json).toMatchObject({
      reason: 'Forbidden',
      code: 403,
      message: `pytorchjobs.kubeflow.org is forbidden: User "${kube.user}" cannot list resource "pytorchjobs" in API group "kubeflow.org" in the namespace "ml"`,
      details: { group: 'kubeflow.org', kind: 'pytorchjobs' },
    });
    expect((await get(kube, `${KF}/resnet-oom`)).status).toBe(200); // get is still allowed
    lift();
    expect((await get(kube, KF)).status).toBe(200);
    const liftLogs = kube.forbid({ resource: 'pods/log' });
    const log = await get(kube, `${NS}/pods/bert-finetune-master-0/log`);
    expect(log.json['message']).toBe(`pods "bert-finetune-master-0" is forbidden: User "${kube.user}" cannot get resource "pods/log" in API group "" in the namespace "ml"`);
    liftLogs();
  });
});

describe('Kubernetes emulator: chunked lists', () => {
  let now = Date.UTC(2026, 11, 1, 12, 0, 0);
  let kube: KubernetesEmulator;
  beforeAll(async () => {
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now, continueTtlMs: 60_000 });
  });
  afterAll(async () => kube.close());

  async function allPages(path: string, limit: number): Promise<{ names: string[]; pages: number; remaining: number[] }> {
    const seen: string[] = [];
    const remaining: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const answer = await get(kube, `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${token === undefined ? '' : `&continue=${encodeURIComponent(token)}`}`);
      expect(answer.status).toBe(200);
      pages += 1;
      seen.push(...names(answer));
      const metadata = answer.json['metadata'] as { continue?: string; remainingItemCount?: number };
      if (metadata.remainingItemCount !== undefined) remaining.push(metadata.remainingItemCount);
      token = metadata.continue;
    } while (token !== undefined);
    return { names: seen, pages, remaining };
  }

  it('pages with limit and continue to exactly the unpaged list, counting what remains', async () => {
    const whole = names(await get(kube, `${NS}/pods`));
    const paged = await allPages(`${NS}/pods`, 4);
    expect(paged.names).toEqual(whole);
    expect(paged.pages).toBe(Math.ceil(whole.length / 4));
    expect(paged.remaining[0]).toBe(whole.length - 4);
  });

  it('fills pages with selector matches and leaves out remainingItemCount when filtering', async () => {
    const selector = encodeURIComponent('training.kubeflow.org/replica-type=worker');
    const whole = names(await get(kube, `${NS}/pods?labelSelector=${selector}`));
    const paged = await allPages(`${NS}/pods?labelSelector=${selector}`, 3);
    expect(paged.names).toEqual(whole);
    expect(paged.remaining).toEqual([]);
  });

  it('serves later pages from the first page’s snapshot, whatever changed since', async () => {
    const first = await get(kube, `${KF}?limit=2`);
    const token = (first.json['metadata'] as { continue: string }).continue;
    const before = names(await get(kube, KF));
    kube.put(PYTORCHJOBS, { metadata: { name: 'zz-new-job', namespace: 'ml' }, spec: {}, status: {} });
    kube.delete(PYTORCHJOBS, 'ml', before.at(-1)!);
    const rest = await get(kube, `${KF}?limit=100&continue=${encodeURIComponent(token)}`);
    expect([...names(first), ...names(rest)]).toEqual(before);
    expect((rest.json['metadata'] as { resourceVersion: string }).resourceVersion).toBe((first.json['metadata'] as { resourceVersion: string }).resourceVersion);
  });

  it('answers 410 Expired after compaction, with a token that continues inconsistently from the next key', async () => {
    const first = await get(kube, `${NS}/pods?limit=3`);
    const token = (first.json['metadata'] as { continue: string }).continue;
    kube.put(PODS, { metadata: { name: 'zzz-late-pod', namespace: 'ml' }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Pending' } });
    kube.compact();
    const expired = await get(kube, `${NS}/pods?limit=3&continue=${encodeURIComponent(token)}`);
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(String(expired.json['message'])).toMatch(/^The provided continue parameter is too old to display a consistent list result\./);
    const resume = (expired.json['metadata'] as { continue: string }).continue;
    let seen = names(first);
    let next: string | undefined = resume;
    while (next !== undefined) {
      const page = await get(kube, `${NS}/pods?limit=3&continue=${encodeURIComponent(next)}`);
      expect(page.status).toBe(200);
      seen = [...seen, ...names(page)];
      next = (page.json['metadata'] as { continue?: string }).continue;
    }
    expect(seen).toEqual(names(await get(kube, `${NS}/pods`)));
    expect(seen).toContain('zzz-late-pod');
  });

  it('expires a snapshot older than the continue lifetime (clock-driven)', async () => {
    const first = await get(kube, `${NS}/events?limit=2`);
    const token = (first.json['metadata'] as { continue: string }).continue;
    now += 61_000;
    const expired = await get(kube, `${NS}/events?limit=2&continue=${encodeURIComponent(token)}`);
    expect(expired.status).toBe(410);
  });

  it('rejects a continue token it did not issue with 400', async () => {
    const answer = await get(kube, `${NS}/pods?limit=2&continue=garbage`);
    expect(answer.status).toBe(400);
    expect(answer.json['reason']).toBe('BadRequest');
  });
});

describe('Kubernetes emulator: fault injection', () => {
  let kube: KubernetesEmulator;
  beforeAll(async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
  });
  afterAll(async () => kube.close());

  it('throttles with 429 TooManyRequests, Retry-After and details.retryAfterSeconds', async () => {
    const handle = kube.faults.inject({ path: '/pods', kind: 'throttle', times: 1, delayMs: 2000 });
    const answer = await get(kube, `${NS}/pods`);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(answer.json).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 2 } });
    expect(handle.hits).toBe(1);
    expect((await get(kube, `${NS}/pods`)).status).toBe(200);
  });

  it('answers 500 and 503 Status objects, and drops connections', async () => {
    kube.faults.inject({ path: 'pytorchjobs', sequence: ['500', '503'], times: 1 });
    expect((await get(kube, KF)).json).toMatchObject({ reason: 'InternalError', code: 500 });
    expect((await get(kube, KF)).json).toMatchObject({ reason: 'ServiceUnavailable', code: 503 });
    kube.faults.inject({ path: 'pytorchjobs', kind: 'drop', times: 1 });
    await expect(get(kube, KF)).rejects.toThrow();
    expect((await get(kube, KF)).status).toBe(200);
  });

  it('expires a continue request on demand', async () => {
    const first = await get(kube, `${NS}/pods?limit=2`);
    const token = (first.json['metadata'] as { continue: string }).continue;
    kube.faults.inject({ path: 'continue=', kind: 'expire', times: 1 });
    expect((await get(kube, `${NS}/pods?limit=2&continue=${encodeURIComponent(token)}`)).status).toBe(410);
    expect((await get(kube, `${NS}/pods?limit=2&continue=${encodeURIComponent(token)}`)).status).toBe(200);
  });
});
