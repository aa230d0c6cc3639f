// The API over a cloud provider: the SageMaker adapter against its loopback emulator. A running job
// followed over SSE until it completes, a reconnect with Last-Event-ID in the middle, followers
// sharing one upstream reader, client aborts stopping the provider reads, and provider errors mapped.
import { createRunlens, logRecordJson } from '@runlens/core';
import { localProvider } from '@runlens/local';
import { sagemakerProvider } from '@runlens/sagemaker';
import { COMPLETED_JOB, RUNNING_JOB, startSagemakerEmulator, type SagemakerEmulator } from '@runlens/sagemaker/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readNdjson, readSse, runPath, serve, until, type Served } from './helpers.js';

const FAST = { followPollMs: { min: 20, max: 40 }, statusPollMs: 20, streamDiscoveryMs: 20 };
// Follow timing is core's policy (contract v2): SageMaker has no follow settings.
/** Follow policy is core's (contract v2): the same intervals as RunlensOptions.follow. */
const FOLLOW = { pollMs: FAST.followPollMs, statusPollMs: FAST.statusPollMs, streamDiscoveryMs: FAST.streamDiscoveryMs };
const RUNNING = `sagemaker:${RUNNING_JOB.name}`;
const COMPLETED = `sagemaker:${COMPLETED_JOB.name}`;
const SSE = { accept: 'text/event-stream' };

let emulator: SagemakerEmulator;
let s: Served;

beforeEach(async () => {
  emulator = await startSagemakerEmulator();
  s = await serve({
    providers: [localProvider, sagemakerProvider],
    runlensOptions: { env: { ...emulator.env }, follow: FOLLOW, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } },
    followPollMs: FAST.followPollMs,
    heartbeatMs: 50,
  });
});
afterEach(async () => {
  await s?.close();
  await emulator?.close();
});

const logRequests = () => emulator.requests.filter((r) => r.operation === 'GetLogEvents' || r.operation === 'DescribeLogStreams' || r.operation === 'DescribeTrainingJob').length;

/** The whole log as `runlens logs --json` prints it once the job is over. */
async function fullLog(ref: string): Promise<string[]> {
  const runlens = createRunlens({ providers: [sagemakerProvider], env: { ...emulator.env } });
  const out: string[] = [];
  for await (const record of await runlens.logs(ref)) out.push(JSON.stringify(logRecordJson(record)));
  await runlens.close();
  return out;
}

/** Follows over SSE; `onLine` sees each line as it arrives and returns false to disconnect. */
async function follow(options: { lastEventId?: string; onLine?: (count: number) => boolean | void; signal?: AbortSignal } = {}) {
  const lines: string[] = [];
  let lastId: string | undefined;
  let ended = false;
  let heartbeats = 0;
  const r = await fetch(`${s.url}${runPath(RUNNING, '/logs?follow=true')}`, { headers: { ...SSE, ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}) }, signal: options.signal });
  expect(r.status).toBe(200);
  await readSse(
    r.body!,
    (event) => {
      if (event.event === 'end') {
        ended = true;
        return false;
      }
      if (event.event !== 'message') return;
      lines.push(event.data);
      lastId = event.id;
      return options.onLine?.(lines.length);
    },
    () => heartbeats++,
  );
  return { lines, lastId, ended, heartbeats };
}

describe('following a running SageMaker job', () => {
  it('streams over SSE until the job completes, and a reconnect with Last-Event-ID loses and repeats nothing', async () => {
    // First connection: take the initial lines and one advance, then drop the connection mid-stream.
    let advanced = false;
    const first = await follow({
      onLine: (n) => {
        if (n === 3 && !advanced) {
          advanced = true;
          emulator.advance(RUNNING_JOB.name);
        }
        return n < 40;
      },
    });
    expect(first.lines.length).toBe(40);
    expect(first.ended).toBe(false);
    // While nobody follows, the job goes on.
    emulator.advance(RUNNING_JOB.name);
    // Second connection resumes from the last id the client saw; the job then completes.
    let completed = false;
    const second = await follow({
      lastEventId: first.lastId,
      onLine: () => {
        if (!completed) {
          completed = true;
          emulator.advance(RUNNING_JOB.name);
          emulator.complete(RUNNING_JOB.name);
        }
      },
    });
    expect(second.ended).toBe(true);
    const all = [...first.lines, ...second.lines];
    const expected = await fullLog(RUNNING);
    // Live, lines come in the order passes find them; afterwards the merge sorts by time. As
    // multisets they must be equal: nothing lost, nothing repeated.
    expect(all.length).toBe(expected.length);
    expect([...all].sort()).toEqual([...expected].sort());
    expect(new Set(all).size).toBe(new Set(expected).size);
  });

  it('NDJSON follow carries SSE\'s events as typed lines: degraded warnings, resume cursors, end', async () => {
    /** Follows as NDJSON; keeps only the records a cursor line has confirmed, as a resuming client would. */
    const followNdjson = async (cursor: string | undefined, onRecord: (count: number, cursors: number) => boolean | void) => {
      const confirmed: string[] = [];
      let unconfirmed: string[] = [];
      const types: string[] = [];
      const warnings: { type: string; message: string }[] = [];
      let last: string | undefined;
      const r = await fetch(`${s.url}${runPath(RUNNING, `/logs?follow=true${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)}`);
      expect(r.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      await readNdjson(r.body!, (line) => {
        if (!('type' in line)) {
          unconfirmed.push(JSON.stringify(line));
          return onRecord(confirmed.length + unconfirmed.length, types.filter((t) => t === 'cursor').length);
        }
        types.push(line.type as string);
        if (line.type === 'warning') warnings.push(line.warning as { type: string; message: string });
        if (line.type === 'cursor' || line.type === 'end') {
          confirmed.push(...unconfirmed);
          unconfirmed = [];
          last = line.cursor as string;
        }
        return line.type !== 'end';
      });
      return { confirmed, unconfirmed, types, warnings, last };
    };
    let advanced = false;
    // Leaves at the first record after a cursor line: that record is unconfirmed, and comes again.
    const first = await followNdjson(undefined, (n, cursors) => {
      if (!advanced) {
        advanced = true;
        emulator.advance(RUNNING_JOB.name);
      }
      return cursors === 0;
    });
    expect(first.confirmed.length).toBeGreaterThan(0);
    expect(first.unconfirmed).toHaveLength(1);
    expect(first.types).not.toContain('end');
    // Reading the log fails for a while: the follow rides it out and says so, then resumes.
    emulator.faults.inject({ operation: 'GetLogEvents', kind: '500', times: 4 });
    emulator.advance(RUNNING_JOB.name);
    let completed = false;
    const second = await followNdjson(first.last, () => {
      if (!completed) {
        completed = true;
        emulator.advance(RUNNING_JOB.name);
        emulator.complete(RUNNING_JOB.name);
      }
    });
    expect(second.types[second.types.length - 1]).toBe('end');
    expect(second.unconfirmed).toEqual([]);
    expect(second.warnings).toEqual([
      expect.objectContaining({ type: 'degraded', message: expect.stringContaining('lost contact') }),
      expect.objectContaining({ type: 'degraded', message: expect.stringContaining('reconnected') }),
    ]);
    // Records after the last cursor line of the first connection came again on the second: the
    // confirmed ones together are the whole log, nothing lost or repeated.
    const all = [...first.confirmed, ...second.confirmed];
    const expected = await fullLog(RUNNING);
    expect(all.length).toBe(expected.length);
    expect([...all].sort()).toEqual([...expected].sort());
  });

  it('20 followers share one upstream reader: no more provider requests than one follower', async () => {
    const run = async (followers: number) => {
      emulator.resetRequests();
      const seen = Array.from({ length: followers }, () => 0);
      let step = 0;
      // Drive the job by events: advance when every follower has the initial lines, complete after.
      const drive = () => {
        const least = Math.min(...seen);
        if (step === 0 && least >= 10) {
          step = 1;
          emulator.advance(RUNNING_JOB.name);
        } else if (step === 1 && least >= 30) {
          step = 2;
          emulator.complete(RUNNING_JOB.name);
        }
      };
      const results = await Promise.all(
        seen.map((_, i) =>
          follow({
            onLine: (n) => {
              seen[i] = n;
              drive();
            },
          }),
        ),
      );
      return { results, requests: logRequests() };
    };
    const one = await run(1);
    await s.close();
    await emulator.close();
    emulator = await startSagemakerEmulator();
    s = await serve({ providers: [localProvider, sagemakerProvider], runlensOptions: { env: { ...emulator.env }, follow: FOLLOW }, followPollMs: FAST.followPollMs });
    const twenty = await run(20);
    const expected = await fullLog(RUNNING);
    // Polling makes the counts vary a little with timing; twenty separate readers would make ~20x.
    expect(twenty.requests).toBeLessThanOrEqual(one.requests * 2 + 10);
    for (const r of [...one.results, ...twenty.results]) expect([...r.lines].sort()).toEqual([...expected].sort());
    // Followers of one fan-out see the very same order.
    for (const r of twenty.results) expect(r.lines).toEqual(twenty.results[0]!.lines);
  });

  it('a client that disconnects stops the provider reads at once', async () => {
    const controller = new AbortController();
    const got = follow({ signal: controller.signal, onLine: (n) => void (n === 5 && controller.abort()) }).catch((e: Error) => e);
    expect(await got).toBeInstanceOf(Error);
    await until(() => s.server.follows.size === 0, 'the shared follow to close');
    // A read already on the wire when the client left (read-ahead keeps several) still lands at the
    // emulator; what must not happen is a new one.
    await new Promise((r) => setTimeout(r, 5 * FAST.followPollMs.max));
    const before = logRequests();
    // The job keeps producing; a reader still polling would ask for it within a few poll intervals.
    emulator.advance(RUNNING_JOB.name);
    await new Promise((r) => setTimeout(r, 20 * FAST.followPollMs.max));
    expect(logRequests()).toBe(before);
  });

  it('sends heartbeats on an idle follow', async () => {
    let sawHeartbeat = false;
    const controller = new AbortController();
    const r = await fetch(`${s.url}${runPath(RUNNING, '/logs?follow=true')}`, { headers: SSE, signal: controller.signal });
    await readSse(
      r.body!,
      () => undefined,
      (comment) => {
        if (comment === 'heartbeat') {
          sawHeartbeat = true;
          controller.abort();
        }
      },
    ).catch(() => undefined);
    expect(sawHeartbeat).toBe(true);
  });
});

describe('back-pressure and abort without follow', () => {
  it('a client that reads slowly holds the provider reads back, and leaving stops them', async () => {
    await s.close();
    await emulator.close();
    emulator = await startSagemakerEmulator({ scenarios: false, logPageLimit: 1_000 });
    s = await serve({ providers: [localProvider, sagemakerProvider], runlensOptions: { env: { ...emulator.env } } });
    // Pages are generated only when read, so a big job costs what is read of it.
    const big = emulator.seedLargeJob('rl-big', { nodes: 4, linesPerNode: 200_000 });
    const pages = () => emulator.requests.filter((r) => r.operation === 'GetLogEvents').length;
    const controller = new AbortController();
    const r = await fetch(`${s.url}${runPath('sagemaker:rl-big', '/logs')}`, { signal: controller.signal });
    const reader = r.body!.getReader();
    let bytes = 0;
    while (bytes < 64 * 1024) bytes += (await reader.read()).value!.byteLength;
    // The client stops reading: the server fills the socket's buffers, then stops asking the provider.
    let seen = -1;
    while (seen !== pages()) {
      seen = pages();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const full = (big.totalEvents / 1_000) | 0;
    // What core may read ahead (DEFAULT_READ_AHEAD_BYTES) plus the socket's buffers: measured 133
    // of 800 pages read while the client sat on 64 KiB (with a read-ahead of 20 MiB).
    expect(seen).toBeLessThan(full / 4);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pages()).toBeLessThanOrEqual(seen + 4);
  });
});

describe('other endpoints over SageMaker', () => {
  it('describe, NDJSON logs, metrics with points, artifacts and compare with a local archive', async () => {
    const run = (await (await fetch(`${s.url}${runPath(COMPLETED)}`)).json()) as { ref: string; status: string };
    expect(run).toMatchObject({ ref: COMPLETED, status: 'completed' });
    const text = await (await fetch(`${s.url}${runPath(COMPLETED, '/logs')}`)).text();
    expect(text.split('\n').filter(Boolean)).toEqual(await fullLog(COMPLETED));
    const metrics = (await (await fetch(`${s.url}${runPath(COMPLETED, '/metrics?points=10')}`)).json()) as { series: { points: unknown[] }[] };
    expect(metrics.series.length).toBeGreaterThan(0);
    expect(metrics.series.every((x) => x.points.length <= 10 + x.points.filter((p) => (p as { value: unknown }).value === null).length)).toBe(true);
    const { artifacts } = (await (await fetch(`${s.url}${runPath(COMPLETED, '/artifacts')}`)).json()) as { artifacts: { path: string; size: number }[] };
    expect(artifacts.length).toBeGreaterThan(0);
    const download = await fetch(`${s.url}${runPath(COMPLETED, `/artifact?path=${encodeURIComponent(artifacts[0]!.path)}`)}`);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(artifacts[0]!.size);
    const compare = await fetch(`${s.url}/api/compare?ref=${encodeURIComponent(COMPLETED)}&ref=${encodeURIComponent('local:./examples/runs/azureml-seed004-metrics')}`);
    expect(compare.status).toBe(200);
    const listed = (await (await fetch(`${s.url}/api/runs?provider=sagemaker&status=running`)).json()) as { runs: { ref: string }[] };
    expect(listed.runs.map((r) => r.ref)).toEqual([RUNNING]);
  });

  it('maps provider failures: missing job 404, throttling 503 with Retry-After, 5xx 502, denied 401/403; no secret in any body', async () => {
    const missing = await fetch(`${s.url}${runPath('sagemaker:no-such-job')}`);
    expect(missing.status).toBe(404);
    const bodies = [await missing.text()];
    emulator.faults.inject({ operation: 'DescribeTrainingJob', kind: 'throttle', times: 2 });
    const slow = await fetch(`${s.url}${runPath(COMPLETED)}`);
    expect(slow.status).toBe(503);
    expect(Number(slow.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    bodies.push(await slow.text());
    emulator.faults.inject({ operation: 'DescribeTrainingJob', kind: '500', times: 2 });
    const broken = await fetch(`${s.url}${runPath(COMPLETED)}`);
    expect(broken.status).toBe(502);
    bodies.push(await broken.text());
    emulator.faults.inject({ operation: 'DescribeTrainingJob', kind: 'deny', times: 2 });
    const denied = await fetch(`${s.url}${runPath(COMPLETED)}`);
    expect([401, 403]).toContain(denied.status);
    bodies.push(await denied.text());
    for (const body of bodies) {
      expect(JSON.parse(body).error.code).toBeTypeOf('string');
      expect(body).not.toContain(emulator.env.AWS_SECRET_ACCESS_KEY!);
      expect(body).not.toContain(emulator.env.AWS_ACCESS_KEY_ID!);
    }
  });
});
