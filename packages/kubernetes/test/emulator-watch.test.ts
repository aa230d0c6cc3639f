import { afterEach, describe, expect, it } from 'vitest';

import { PODS, startKubernetesEmulator } from '../src/testing/index.js';
import { get, readUntil } from './helpers.js';

import type { KubernetesEmulator } from '../src/testing/index.js';

const PODS_PATH = '/api/v1/namespaces/ml/pods';

interface WatchEvent {
  type: string;
  object: { kind?: string; metadata: { name: string; resourceVersion: string }; code?: number; reason?: string };
}

function events(text: string): WatchEvent[] {
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as WatchEvent);
}

describe('Kubernetes emulator: watch', () => {
  let kube: KubernetesEmulator | undefined;
  afterEach(async () => {
    await kube?.close();
    kube = undefined;
  });

  async function open(path: string): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    const response = await fetch(`${kube!.url}${path}`, { headers: { authorization: `Bearer ${kube!.token}` } });
    expect(response.status).toBe(200);
    return response.body!.getReader();
  }

  it('streams ADDED, MODIFIED and DELETED after a list’s resourceVersion, within the label selector', async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    const selector = encodeURIComponent('training.kubeflow.org/job-name=gpt-running');
    const list = await get(kube, `${PODS_PATH}?labelSelector=${selector}`);
    const rv = (list.json['metadata'] as { resourceVersion: string }).resourceVersion;
    const reader = await open(`${PODS_PATH}?watch=true&labelSelector=${selector}&resourceVersion=${rv}`);
    const labels = { 'training.kubeflow.org/job-name': 'gpt-running', 'training.kubeflow.org/replica-type': 'worker', 'training.kubeflow.org/replica-index': '2' };
    kube.put(PODS, { metadata: { name: 'unrelated', namespace: 'ml' }, spec: {}, status: {} });
    kube.put(PODS, { metadata: { name: 'gpt-running-worker-2', namespace: 'ml', labels }, spec: {}, status: { phase: 'Pending' } });
    kube.put(PODS, { metadata: { name: 'gpt-running-worker-2', namespace: 'ml', labels }, spec: {}, status: { phase: 'Running' } });
    kube.deletePod('ml', 'gpt-running-worker-2');
    const { text } = await readUntil(reader, (sofar) => events(sofar).length >= 3 && sofar.endsWith('\n'));
    const seen = events(text);
    expect(seen.map((event) => `${event.type} ${event.object.metadata.name}`)).toEqual([
      'ADDED gpt-running-worker-2', 'MODIFIED gpt-running-worker-2', 'DELETED gpt-running-worker-2',
    ]);
    expect(seen[0]!.object.kind).toBe('Pod');
    const versions = seen.map((event) => Number(event.object.metadata.resourceVersion));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions[0]).toBeGreaterThan(Number(rv));
    await reader.cancel();
  });

  it('starts with ADDED for every existing object without a resourceVersion, and ends at timeoutSeconds', async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    const reader = await open('/apis/kubeflow.org/v1/namespaces/ml/pytorchjobs?watch=true&timeoutSeconds=1');
    const { text, ended } = await readUntil(reader, () => false);
    expect(ended).toBe(true);
    const seen = events(text);
    expect(seen.every((event) => event.type === 'ADDED' && event.object.kind === 'PyTorchJob')).toBe(true);
    expect(seen.map((event) => event.object.metadata.name)).toContain('bert-finetune');
  });

  it('answers a watch from a compacted resourceVersion with one ERROR event holding 410 Expired', async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    const rv = ((await get(kube, PODS_PATH)).json['metadata'] as { resourceVersion: string }).resourceVersion;
    kube.put(PODS, { metadata: { name: 'later', namespace: 'ml' }, spec: {}, status: {} });
    kube.compact();
    const reader = await open(`${PODS_PATH}?watch=true&resourceVersion=${rv}`);
    const { text, ended } = await readUntil(reader, () => false);
    expect(ended).toBe(true);
    expect(events(text)).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  });
});
