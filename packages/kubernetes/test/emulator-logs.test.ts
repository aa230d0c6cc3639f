import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PODS, startKubernetesEmulator } from '../src/testing/index.js';
import { get, lineCount } from './helpers.js';

import type { KubernetesEmulator } from '../src/testing/index.js';

const POD_LOG = (pod: string, query = ''): string => `/api/v1/namespaces/ml/pods/${pod}/log${query === '' ? '' : `?${query}`}`;
const TIMESTAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{9})Z (.*)$/;

describe('Kubernetes emulator: pods/{pod}/log', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  let kube: KubernetesEmulator;
  let full: string[];
  beforeAll(async () => {
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now });
    full = (await get(kube, POD_LOG('bert-finetune-master-0', 'timestamps=true'))).text.split('\n').filter((line) => line !== '');
  });
  afterAll(async () => kube.close());

  it('returns the container log as text/plain, one line per entry', async () => {
    const answer = await get(kube, POD_LOG('bert-finetune-master-0'));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/plain');
    expect(answer.text.endsWith('[master-0] done\n')).toBe(true);
    expect(lineCount(answer.text)).toBe(full.length);
  });

  it('prefixes every line with an RFC3339 timestamp with nine fraction digits when timestamps=true', () => {
    expect(full.length).toBeGreaterThan(20);
    for (const line of full) expect(line).toMatch(TIMESTAMPED);
  });

  it('applies sinceTime to the whole second: lines earlier in that second come back too', async () => {
    // A line in the middle whose second also holds an earlier line.
    const index = full.findIndex((line, i) => i > 0 && line.slice(0, 19) === full[i - 1]!.slice(0, 19));
    expect(index).toBeGreaterThan(0);
    const since = full[index]!.split(' ')[0]!;
    const answer = await get(kube, POD_LOG('bert-finetune-master-0', `timestamps=true&sinceTime=${encodeURIComponent(since)}`));
    const lines = answer.text.split('\n').filter((line) => line !== '');
    expect(lines[0]).toBe(full[index - 1]); // before `since`, same second
    expect(lines).toEqual(full.filter((line) => line.slice(0, 19) >= since.slice(0, 19)));
  });

  it('refuses an unparseable sinceTime with 400', async () => {
    const answer = await get(kube, POD_LOG('bert-finetune-master-0', 'sinceTime=yesterday'));
    expect(answer.status).toBe(400);
    expect(answer.json['reason']).toBe('BadRequest');
  });

  it('applies sinceSeconds against the clock', async () => {
    const at = Date.UTC(2026, 11, 1, 15, 0, 0);
    const clocked = await startKubernetesEmulator({ scenarios: true, clock: () => at });
    try {
      const all = (await get(clocked, POD_LOG('gpt-running-master-0', 'timestamps=true'))).text.split('\n').filter((line) => line !== '');
      const recent = (await get(clocked, POD_LOG('gpt-running-master-0', 'timestamps=true&sinceSeconds=10'))).text.split('\n').filter((line) => line !== '');
      const cutoff = new Date(at - 10_000).toISOString().replace('.000Z', '.000000000Z');
      expect(all.every((line) => line.split(' ')[0]! <= new Date(at).toISOString().replace('.000Z', '.999999999Z'))).toBe(true);
      expect(recent).toEqual(all.filter((line) => line.split(' ')[0]! >= cutoff));
      expect(recent.length).toBeGreaterThanOrEqual(4);
      expect(recent.length).toBeLessThan(all.length);
    } finally {
      await clocked.close();
    }
  });

  it('returns the last tailLines lines, and none for tailLines=0', async () => {
    const tail = await get(kube, POD_LOG('bert-finetune-master-0', 'timestamps=true&tailLines=3'));
    expect(tail.text.split('\n').filter((line) => line !== '')).toEqual(full.slice(-3));
    expect((await get(kube, POD_LOG('bert-finetune-master-0', 'tailLines=0'))).text).toBe('');
  });

  it('applies the tail before since, as the kubelet does', async () => {
    const since = full.at(-2)!.split(' ')[0]!;
    const answer = await get(kube, POD_LOG('bert-finetune-master-0', `timestamps=true&tailLines=10&sinceTime=${encodeURIComponent(since)}`));
    const expected = full.slice(-10).filter((line) => line.slice(0, 19) >= since.slice(0, 19));
    expect(answer.text.split('\n').filter((line) => line !== '')).toEqual(expected);
  });

  it('stops after limitBytes, cutting the last line', async () => {
    const answer = await get(kube, POD_LOG('bert-finetune-master-0', 'limitBytes=50'));
    expect(Buffer.byteLength(answer.text)).toBe(50);
    const whole = (await get(kube, POD_LOG('bert-finetune-master-0'))).text;
    expect(whole.startsWith(answer.text)).toBe(true);
  });

  it('counts limitBytes in bytes, cutting inside a multi-byte character if it falls there', async () => {
    kube.put(PODS, {
      metadata: { name: 'utf8-pod', namespace: 'ml' },
      spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'a' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'main', state: { running: {} } }] },
    });
    kube.appendLog('ml', 'utf8-pod', 'main', [{ timeNs: BigInt(now - 1000) * 1_000_000n, text: 'épochs: ✓✓' }]);
    const response = await fetch(`${kube.url}${POD_LOG('utf8-pod', 'limitBytes=10')}`, { headers: { authorization: `Bearer ${kube.token}` } });
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.byteLength).toBe(10);
    expect(body).toEqual(Buffer.from('épochs: ✓', 'utf8').subarray(0, 10)); // 'épochs: ' is 9 bytes, '✓' 3: the cut splits the ✓
  });

  it('validates the options: a negative tail or both since bounds answer 422 Invalid', async () => {
    const tail = await get(kube, POD_LOG('bert-finetune-master-0', 'tailLines=-1'));
    expect(tail.status).toBe(422);
    expect(tail.json).toMatchObject({ reason: 'Invalid', code: 422 });
    const both = await get(kube, POD_LOG('bert-finetune-master-0', 'sinceSeconds=5&sinceTime=2026-11-30T09:00:00Z'));
    expect(both.status).toBe(422);
    expect(String(both.json['message'])).toContain('at most one of `sinceTime` or `sinceSeconds` may be specified');
    expect((await get(kube, POD_LOG('bert-finetune-master-0', 'tailLines=ten'))).status).toBe(400);
  });

  it('reads the previous run of a restarted container with previous=true', async () => {
    const previous = await get(kube, POD_LOG('t5-restarted-worker-0', 'previous=true'));
    expect(previous.status).toBe(200);
    expect(previous.text).toContain('RuntimeError: NCCL communicator was aborted');
    const current = await get(kube, POD_LOG('t5-restarted-worker-0'));
    expect(current.text).not.toContain('NCCL');
    expect(current.text).toContain('[worker-0] done');
  });

  it('answers 400 for previous=true on a container that never restarted', async () => {
    const answer = await get(kube, POD_LOG('t5-restarted-master-0', 'previous=true'));
    expect(answer.status).toBe(400);
    expect(answer.json['message']).toBe('previous terminated container "pytorch" in pod "t5-restarted-master-0" not found');
  });

  it('picks the only container, and asks for one when a pod has several', async () => {
    kube.put(PODS, {
      metadata: { name: 'two-containers', namespace: 'ml' },
      spec: { nodeName: 'n1', containers: [{ name: 'trainer', image: 'a' }, { name: 'sidecar', image: 'b' }], initContainers: [{ name: 'fetch', image: 'c' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'trainer', state: { running: {} } }, { name: 'sidecar', state: { running: {} } }] },
    });
    kube.appendLog('ml', 'two-containers', 'sidecar', [{ timeNs: BigInt(now - 1000) * 1_000_000n, text: 'sidecar up' }]);
    const none = await get(kube, POD_LOG('two-containers'));
    expect(none.status).toBe(400);
    expect(none.json['message']).toBe('a container name must be specified for pod two-containers, choose one of: [trainer sidecar] or one of the init containers: [fetch]');
    expect((await get(kube, POD_LOG('two-containers', 'container=sidecar'))).text).toBe('sidecar up\n');
    const wrong = await get(kube, POD_LOG('two-containers', 'container=nope'));
    expect(wrong.json['message']).toBe('container nope is not valid for pod two-containers');
  });

  it('answers an unscheduled pod with an empty log, and a pulling one with 400 waiting to start', async () => {
    const pending = await get(kube, POD_LOG('llama-pending-master-0'));
    expect(pending.status).toBe(200);
    expect(pending.text).toBe('');
    const pulling = await get(kube, POD_LOG('yolo-badimage-master-0'));
    expect(pulling.status).toBe(400);
    expect(pulling.json['message']).toBe('container "pytorch" in pod "yolo-badimage-master-0" is waiting to start: ImagePullBackOff');
  });

  it('answers 404 for the logs of a deleted pod', async () => {
    const gone = await get(kube, POD_LOG('vit-pods-gone-master-0'));
    expect(gone.status).toBe(404);
    expect(gone.json['message']).toBe('pods "vit-pods-gone-master-0" not found');
    kube.deletePod('ml', 'resnet-oom-worker-0');
    expect((await get(kube, POD_LOG('resnet-oom-worker-0'))).status).toBe(404);
  });
});
