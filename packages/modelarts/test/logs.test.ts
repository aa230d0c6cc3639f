// Log reading against the emulator: preview vs complete log, timestamps, tails, follow, rotation,
// cut characters, expired download URLs, and the v1 chunked API in all its answer shapes.
import { createRunlens, type LogRecord, type Runlens } from '@runlens/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modelartsProvider } from '../src/index.js';
import { SCENARIO, startModelartsEmulator, type ModelartsEmulator, type TrainingJobDetail } from '../src/testing/index.js';

let emulator: ModelartsEmulator;
let runlens: Runlens;

const open = (em: ModelartsEmulator, settings: Record<string, unknown> = {}, clock?: () => number) =>
  createRunlens({ providers: [modelartsProvider], env: em.env, settings: { modelarts: { requestsPerSecond: 100_000, ...settings } }, ...(clock ? { testHooks: { modelarts: { clock } } } : {}), follow: { statusPollMs: 20 }, retry: { baseDelayMs: 2, maxDelayMs: 20 } });

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: true });
  runlens = open(emulator);
});
afterEach(() => emulator.faults.clear());
afterAll(async () => {
  await runlens.close();
  await emulator.close();
});

async function collect(iterable: AsyncIterable<LogRecord>, limit = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of iterable) {
    out.push(r);
    if (out.length >= limit) break;
  }
  return out;
}

function job(id: string, phase: string, tasks: string[], created = Date.UTC(2024, 0, 15, 0, 0, 0)): TrainingJobDetail {
  return { kind: 'job', metadata: { id, name: id, create_time: created }, status: { phase, tasks, start_time: created + 60_000, duration: phase === 'Running' ? 0 : 60_000 } };
}

const requestsTo = (em: ModelartsEmulator, part: string) => em.requests.filter((r) => r.path.includes(part));

describe('v2 task logs', () => {
  it('merges both tasks of the completed job: ModelArts stamps read as China time, other lines carry the last stamp', async () => {
    const records = await collect(await runlens.logs(`modelarts:${SCENARIO.completedJobId}`));
    const first = records[0]!;
    expect(first).toMatchObject({ node: 'worker-0', message: '[ModelArts Service Log][INFO][2021/05/18 14:05:15,000]: worker-0 sidecar started' });
    expect(first.timestamp).toBe(Date.UTC(2021, 4, 18, 6, 5, 15));
    // Untimed lines take the timestamp of the previous stamped line of their task.
    const epoch = records.find((r) => r.node === 'worker-1' && r.message.startsWith('Epoch 1/3 step 100'))!;
    const stamped = records.filter((r) => r.node === 'worker-1' && r.message.startsWith('[ModelArts Service Log]') && r.timestamp <= epoch.timestamp);
    expect(epoch.timestamp).toBe(stamped[stamped.length - 1]!.timestamp);
    expect(records.some((r) => r.message === '第 3 轮训练完成，验证集准确率 0.910')).toBe(true);
    for (const node of ['worker-0', 'worker-1']) {
      const own = records.filter((r) => r.node === node).map((r) => r.message);
      expect(own[own.length - 1]).toBe('[Modelarts Service Log][sidecar] exiting at 2021-05-18-14:28:14');
    }
    const times = records.map((r) => r.timestamp);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('reads the pre-2022 `context` preview field', async () => {
    const records = await collect(await runlens.logs(`modelarts:${SCENARIO.failedJobId}`, { nodes: ['worker-1'] }));
    expect(records.map((r) => r.message)).toContain('RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 31.75 GiB total capacity)');
  });

  it('reads a 12 MiB log (over the 5 MiB preview cap) whole, from its download URL in ranged pages', async () => {
    emulator.resetRequests();
    const records = await collect(await runlens.logs(`modelarts:${SCENARIO.largeLogJobId}`));
    expect(records).toHaveLength(104_858);
    expect(records[0]!.message).toMatch(/^\[ModelArts Service Log\]\[INFO\]\[2023\/03\/02 08:59:30,000\] worker-0 step=000000000 /);
    expect(records[104_857]!.message).toContain('step=000104857');
    expect(records.every((r, i) => r.message.includes(`step=${String(i).padStart(9, '0')}`))).toBe(true);
    expect(requestsTo(emulator, '/logs/preview')).toHaveLength(1);
    expect(requestsTo(emulator, '/logs/url')).toHaveLength(1);
    const ranges = emulator.requests.filter((r) => r.path.startsWith('/obs/')).map((r) => r.headers.range);
    // Pages end after the last whole 120-byte line of each 1 MiB range.
    expect(ranges).toHaveLength(Math.ceil(SCENARIO.largeLogBytes / (Math.floor((1024 * 1024) / 120) * 120)));
    expect(ranges[0]).toBe('bytes=0-1048575');
  });

  it('tails the 12 MiB log from the preview alone', async () => {
    emulator.resetRequests();
    const records = await collect(await runlens.logs(`modelarts:${SCENARIO.largeLogJobId}`, { tail: 5 }));
    expect(records.map((r) => r.message.match(/step=(\d+)/)![1])).toEqual(['000104853', '000104854', '000104855', '000104856', '000104857']);
    expect(requestsTo(emulator, '/logs/preview')).toHaveLength(1);
    expect(emulator.requests.filter((r) => r.path.startsWith('/obs/'))).toHaveLength(0);
  });

  it('a job still creating has no log lines and no metrics yet (204), and no error', async () => {
    const run = await runlens.describe(`modelarts:${SCENARIO.creatingJobId}`);
    expect(run).toMatchObject({ status: 'pending', providerStatus: 'Creating' });
    expect(await collect(await runlens.logs(`modelarts:${SCENARIO.creatingJobId}`))).toEqual([]);
    expect((await runlens.metrics(`modelarts:${SCENARIO.creatingJobId}`)).series).toEqual([]);
  });

  it('follows a running job: only new bytes, a partial line waits for its newline, it ends with the job', async () => {
    const id = 'a1111111-0000-4000-8000-000000000001';
    emulator.putJob(job(id, 'Running', ['worker-0']));
    emulator.appendTaskLog(id, 'worker-0', '2024-01-15T00:01:00.000Z one\n');
    const reader = await runlens.logs(`modelarts:${id}`, { follow: true, pollIntervalMs: { min: 20, max: 40 } });
    const seen: string[] = [];
    for await (const record of reader) {
      seen.push(record.message);
      if (record.message === 'one') emulator.appendTaskLog(id, 'worker-0', '2024-01-15T00:01:01.000Z two\n2024-01-15T00:01:02.000Z thr');
      if (record.message === 'two') {
        setTimeout(() => {
          emulator.appendTaskLog(id, 'worker-0', 'ee\n2024-01-15T00:01:03.000Z four\n');
          emulator.setPhase(id, 'Completed');
        }, 150);
      }
    }
    expect(seen).toEqual(['one', 'two', 'three', 'four']);
  });

  it('follows a large log (over one page) with ranged reads of the new bytes, not by polling the preview', async () => {
    const small = await startModelartsEmulator({ previewCapBytes: 2048 });
    const rl = open(small, { pageBytes: 4096 });
    try {
      const id = 'a1111111-0000-4000-8000-000000000005';
      small.putJob(job(id, 'Running', ['worker-0']));
      small.appendTaskLog(id, 'worker-0', Array.from({ length: 400 }, (_, i) => `2024-01-15T00:00:00.000Z old ${i}\n`).join(''));
      small.resetRequests();
      const reader = await rl.logs(`modelarts:${id}`, { tail: 2, follow: true, pollIntervalMs: { min: 20, max: 40 } });
      const seen: string[] = [];
      for await (const record of reader) {
        seen.push(record.message);
        if (record.message === 'old 399') small.appendTaskLog(id, 'worker-0', '2024-01-15T00:00:01.000Z new 1\n');
        if (record.message === 'new 1') {
          small.appendTaskLog(id, 'worker-0', '2024-01-15T00:00:02.000Z new 2\n');
          small.setPhase(id, 'Completed');
        }
      }
      expect(seen).toEqual(['old 398', 'old 399', 'new 1', 'new 2']);
      expect(requestsTo(small, '/logs/preview')).toHaveLength(1);
      const ranges = small.requests.filter((r) => r.path.startsWith('/obs/')).map((r) => r.headers.range);
      expect(ranges.length).toBeGreaterThan(1);
      expect(new Set(ranges).size).toBeLessThanOrEqual(3);
    } finally {
      await rl.close();
      await small.close();
    }
  });

  it('a log that shrank (rotated) is read again from its start', async () => {
    const id = 'a1111111-0000-4000-8000-000000000002';
    emulator.putJob(job(id, 'Running', ['worker-0']));
    emulator.setTaskLog(id, 'worker-0', '2024-01-15T00:01:00.000Z old 1\n2024-01-15T00:01:01.000Z old 2\n');
    const reader = await runlens.logs(`modelarts:${id}`);
    expect((await collect(reader)).map((r) => r.message)).toEqual(['old 1', 'old 2']);
    emulator.setTaskLog(id, 'worker-0', '2024-01-15T00:02:00.000Z new\n');
    const resumed = await collect(await runlens.logs(`modelarts:${id}`, { cursor: reader.cursor() }));
    expect(resumed.map((r) => r.message)).toEqual(['new']);
  });

  it('a truncated preview cut inside a character is never used for those bytes; the complete log is', async () => {
    // The newest 98 bytes start 1 byte before the end of `行` in line 9: a cut character.
    const small = await startModelartsEmulator({ previewCapBytes: 98 });
    const rl = open(small, { pageBytes: 64 });
    try {
      const id = 'a1111111-0000-4000-8000-000000000003';
      small.putJob(job(id, 'Completed', ['worker-0']));
      const lines = Array.from({ length: 12 }, (_, i) => `2024-01-15T00:00:${String(i).padStart(2, '0')}Z 第${i}行训练日志`);
      small.setTaskLog(id, 'worker-0', lines.map((l) => `${l}\n`).join(''));
      const all = await collect(await rl.logs(`modelarts:${id}`));
      expect(all.map((r) => r.message)).toEqual(lines.map((l) => l.slice(21)));
      expect(all.every((r) => !r.message.includes('\uFFFD'))).toBe(true);
      small.resetRequests();
      const tail = await collect(await rl.logs(`modelarts:${id}`, { tail: 1 }));
      expect(tail.map((r) => r.message)).toEqual(['第11行训练日志']);
      // From the preview: its cut first line is dropped, what follows is exact.
      expect(small.requests.filter((r) => r.path.startsWith('/obs/'))).toHaveLength(0);
    } finally {
      await rl.close();
      await small.close();
    }
  });

  it('renews an expired download URL (403 "Request has expired") and loses nothing', async () => {
    let now = Date.UTC(2024, 0, 15, 8, 0, 0);
    const clocked = await startModelartsEmulator({ previewCapBytes: 1024, obsUrlTtlMs: 1000, clock: () => now });
    const rl = open(clocked, { pageBytes: 4096 }, () => now);
    try {
      const id = 'a1111111-0000-4000-8000-000000000004';
      clocked.putJob(job(id, 'Completed', ['worker-0']));
      const lines = Array.from({ length: 2000 }, (_, i) => `2024-01-15T00:00:00.000Z line ${i}`);
      clocked.setTaskLog(id, 'worker-0', lines.map((l) => `${l}\n`).join(''));
      const seen: string[] = [];
      for await (const record of await rl.logs(`modelarts:${id}`)) {
        seen.push(record.message);
        if (seen.length % 150 === 0) now += 1500; // the URL of the page being read ahead expires
      }
      expect(seen).toEqual(lines.map((l) => l.slice(25)));
      expect(requestsTo(clocked, '/logs/url').length).toBeGreaterThan(3);
    } finally {
      await rl.close();
      await clocked.close();
    }
  });
});

describe('v1 job logs', () => {
  const ref = `modelarts:${SCENARIO.v1.jobId}/${SCENARIO.v1.versionId}`;

  it('reads each file as a node, reassembling the characters cut at 2048 and 4096', async () => {
    const records = await collect(await runlens.logs(ref));
    for (const [i, file] of SCENARIO.v1.files.entries()) {
      const own = records.filter((r) => r.stream === file);
      expect(own.every((r) => r.node === `worker-${i}`)).toBe(true);
      expect(own.some((r) => r.message.endsWith('=训练数据加载完成'))).toBe(true);
      expect(own.some((r) => r.message.endsWith('=😀 checkpoint ok'))).toBe(true);
      expect(own[own.length - 1]!.message).toContain(`node ${i} exit with 0`);
    }
    expect(records.some((r) => r.message.includes('\uFFFD'))).toBe(false);
  });

  it('gives the same lines whichever documented answer shape the API uses', async () => {
    const baseline = (await collect(await runlens.logs(ref))).map((r) => [r.stream, r.message, r.timestamp]);
    for (const shape of ['bytes-count', 'lines'] as const) {
      emulator.setV1Options(SCENARIO.v1.jobId, SCENARIO.v1.versionId, { logShape: shape });
      try {
        expect((await collect(await runlens.logs(ref))).map((r) => [r.stream, r.message, r.timestamp]), shape).toEqual(baseline);
      } finally {
        emulator.setV1Options(SCENARIO.v1.jobId, SCENARIO.v1.versionId, { logShape: 'bytes' });
      }
    }
  });

  it('tails with start_byte=-1', async () => {
    emulator.resetRequests();
    const records = await collect(await runlens.logs(ref, { tail: 3 }));
    expect(records).toHaveLength(3);
    expect(records[2]!.message).toContain('exit with 0');
    const reads = emulator.requests.filter((r) => r.path.endsWith('/log'));
    expect(reads.filter((r) => r.query.start_byte === '-1')).toHaveLength(2);
  });

  it('describes the v1 version with its integer status and nodes', async () => {
    const run = await runlens.describe(ref);
    expect(run).toMatchObject({ ref, status: 'completed', providerStatus: 'COMPLETED', nodes: [{ name: 'worker-0' }, { name: 'worker-1' }] });
  });
});
