import { afterEach, describe, expect, it } from 'vitest';

import { RUNNING_LINE_MS, startKubernetesEmulator } from '../src/testing/index.js';
import { lineCount, readUntil } from './helpers.js';

import type { KubernetesEmulator } from '../src/testing/index.js';

const LOG = '/api/v1/namespaces/ml/pods/gpt-running-master-0/log';

async function open(kube: KubernetesEmulator, query: string): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const response = await fetch(`${kube.url}${LOG}?${query}`, { headers: { authorization: `Bearer ${kube.token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('transfer-encoding')).toBe('chunked');
  return response.body!.getReader();
}

describe('Kubernetes emulator: follow', () => {
  let kube: KubernetesEmulator | undefined;
  afterEach(async () => {
    await kube?.close();
    kube = undefined;
  });

  it('streams lines as the clock makes them due, on one connection', async () => {
    let now = Date.UTC(2026, 11, 1, 12, 0, 0);
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now, followPollMs: 5 });
    const reader = await open(kube, 'follow=true&timestamps=true');
    // runningSince is 60 s before the clock; lines come every 2 s plus a few ns of skew, so 0…58 s are due.
    const first = await readUntil(reader, (text) => text.endsWith('\n') && lineCount(text) >= 30);
    expect(lineCount(first.text)).toBe(30);
    now += 3 * RUNNING_LINE_MS;
    const more = await readUntil(reader, (text) => text.endsWith('\n') && lineCount(text) >= 33, first.text);
    expect(more.ended).toBe(false);
    expect(more.text.split('\n').filter((line) => line !== '').at(-1)).toContain('step 32 ');
    await reader.cancel();
  });

  it('drops an idle follow stream cleanly after the idle timeout; a reconnect from the last timestamp, duplicates dropped, resumes exactly', async () => {
    let now = Date.UTC(2026, 11, 1, 12, 0, 0);
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now, followIdleTimeoutMs: 150, followPollMs: 5 });
    const reader = await open(kube, 'follow=true&timestamps=true');
    const dropped = await readUntil(reader, () => false);
    expect(dropped.ended).toBe(true); // the server ended the stream by itself: nothing new arrived in 150 ms
    const delivered = dropped.text.split('\n').filter((line) => line !== '');
    const last = delivered.at(-1)!;
    now += 2 * RUNNING_LINE_MS;
    // sinceTime has whole-second precision, so the last second comes back: drop what was delivered.
    const again = await open(kube, `follow=true&timestamps=true&sinceTime=${encodeURIComponent(last.split(' ')[0]!)}`);
    const replay = (await readUntil(again, () => false)).text.split('\n').filter((line) => line !== '');
    expect(replay[0]).toBe(last);
    const fresh = replay.filter((line) => !delivered.includes(line));
    expect(fresh).toHaveLength(2);
    const whole = await fetch(`${kube.url}${LOG}?timestamps=true`, { headers: { authorization: `Bearer ${kube.token}` } });
    expect([...delivered, ...fresh].join('\n') + '\n').toBe(await whole.text());
  });

  it('resets the connection instead when configured to', async () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now, followIdleTimeoutMs: 100, followDrop: 'reset', followPollMs: 5 });
    const reader = await open(kube, 'follow=true');
    await expect(readUntil(reader, () => false)).rejects.toThrow();
  });

  it('ends the stream once the container stops and its last lines are out', async () => {
    let now = Date.UTC(2026, 11, 1, 12, 0, 0);
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now, followPollMs: 5 });
    const reader = await open(kube, 'follow=true&tailLines=2');
    const start = await readUntil(reader, (text) => lineCount(text) >= 2);
    expect(lineCount(start.text)).toBe(2);
    now += RUNNING_LINE_MS;
    kube.stopContainer('ml', 'gpt-running-master-0', 'pytorch', now);
    const rest = await readUntil(reader, () => false, start.text);
    expect(rest.ended).toBe(true);
    expect(lineCount(rest.text)).toBe(3);
  });

  it('ends at once for a terminated container, and honours limitBytes while following', async () => {
    kube = await startKubernetesEmulator({ scenarios: true, followPollMs: 5 });
    const response = await fetch(`${kube.url}/api/v1/namespaces/ml/pods/bert-finetune-worker-0/log?follow=true`, { headers: { authorization: `Bearer ${kube.token}` } });
    expect((await response.text()).endsWith('[worker-0] done\n')).toBe(true);
    const limited = await fetch(`${kube.url}${LOG}?follow=true&limitBytes=100`, { headers: { authorization: `Bearer ${kube.token}` } });
    expect(Buffer.byteLength(await limited.text())).toBe(100);
  });

  it('follows lines appended by the test at once, without waiting for the poll', async () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    kube = await startKubernetesEmulator({ scenarios: true, clock: () => now, followPollMs: 60_000 });
    const reader = await open(kube, 'follow=true&tailLines=0');
    kube.appendLog('ml', 'gpt-running-master-0', 'pytorch', [{ timeNs: BigInt(now - 1) * 1_000_000n, text: 'checkpoint saved' }]);
    const got = await readUntil(reader, (text) => text.includes('\n'));
    expect(got.text).toBe('checkpoint saved\n');
    await reader.cancel();
  });
});
