// BullMQ on a real redis-server: jobs deduplicated by key, failures sorted like core's retry policy,
// throttling that pauses a group for every worker, and a killed worker's job taken over by another.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { authError, notFound, providerError, throttled } from '@runlens/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedis, enqueue, parseQueueUrl, startWorker, waitForJobs, type BulkJob, type QueueLocation, type RunningWorker, type WorkerEvent } from '../src/index.js';
import { REDIS_SERVER, REDIS_SKIP_REASON, REQUIRE_REDIS, startRedis, type TestRedis } from '../src/testing/index.js';

it('has a redis-server to test with', (context) => {
  if (REDIS_SERVER) return;
  if (REQUIRE_REDIS) throw new Error(`RUNLENS_REQUIRE_REDIS=1 but ${REDIS_SKIP_REASON}`);
  console.warn(`queue tests skipped: ${REDIS_SKIP_REASON}`);
  context.skip(REDIS_SKIP_REASON);
});

describe('parseQueueUrl', () => {
  it('takes redis:// and rediss:// and hides the password in what it shows', () => {
    const location = parseQueueUrl('redis://copy:s3cret-pass@127.0.0.1:6390/2');
    expect(location.display).toBe('redis://copy:***@127.0.0.1:6390/2');
    expect(location.url).toContain('s3cret-pass');
    expect(parseQueueUrl('rediss://cache.example:6380').display).toBe('rediss://cache.example:6380');
  });
  it('refuses anything else as invalid input', () => {
    expect(() => parseQueueUrl('http://127.0.0.1:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseQueueUrl('localhost:6379')).toThrow(/redis:\/\//);
  });
});

describe.skipIf(!REDIS_SERVER)('bulk jobs on BullMQ', () => {
  let redis: TestRedis;
  let location: QueueLocation;
  const workers: RunningWorker[] = [];
  let prefixes = 0;
  /** Each test its own queues, so one test's jobs never meet another's worker. */
  const prefix = () => `t${++prefixes}-${process.pid}`;
  const jobs = (keys: string[], group = 'local'): BulkJob<{ n: number }>[] => keys.map((key, n) => ({ key, group, data: { n } }));
  const work = async <T, R>(options: Parameters<typeof startWorker<T, R>>[1]) => {
    const worker = await startWorker(location, options);
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    redis = await startRedis();
    location = parseQueueUrl(redis.url);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close(true)));
    await redis?.stop();
  });

  it('checks Redis first: unreachable is a provider error, an evicting Redis is refused', async () => {
    await expect(checkRedis(location)).resolves.toBeUndefined();
    await expect(checkRedis(parseQueueUrl('redis://127.0.0.1:1'))).rejects.toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/) });
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await expect(checkRedis(location)).rejects.toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('noeviction') });
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      admin.disconnect();
    }
  });

  it('runs each key once however often it is enqueued, and reports every outcome', async () => {
    const p = prefix();
    const keys = Array.from({ length: 30 }, (_, i) => `local:run-${i}`);
    const first = await enqueue(location, jobs(keys), { prefix: p });
    const again = await enqueue(location, jobs(keys.slice(0, 10)), { prefix: p });
    expect([first.added, first.existing, again.added, again.existing]).toEqual([30, 0, 0, 10]);
    expect(again.jobs.map((j) => j.id)).toEqual(first.jobs.slice(0, 10).map((j) => j.id));
    const processed: string[] = [];
    await work<{ n: number }, { doubled: number }>({ prefix: p, groups: ['local'], concurrency: 4, handler: async (data, context) => (processed.push(context.key), { doubled: data.n * 2 }) });
    const outcomes = await waitForJobs<{ doubled: number }>(location, first.jobs, { prefix: p, rescanMs: 200 });
    expect(outcomes.map((o) => [o.key, o.state, o.result?.doubled])).toEqual(keys.map((k, n) => [k, 'completed', n * 2]));
    expect(processed.sort()).toEqual([...keys].sort());
    // Enqueued once more after completion: still one job, not run again.
    const later = await enqueue(location, jobs(keys), { prefix: p });
    expect([later.added, later.existing]).toEqual([0, 30]);
  });

  it('fails a job at once on an error that would repeat, retries one that may not, and puts failed jobs back when enqueued again', async () => {
    const p = prefix();
    const tries = new Map<string, number>();
    let denyAll = true;
    await work({
      prefix: p,
      groups: ['sagemaker'],
      handler: async (_data: { n: number }, context) => {
        const n = (tries.get(context.key) ?? 0) + 1;
        tries.set(context.key, n);
        if (context.key === 'missing') throw notFound('no such training job: missing');
        if (context.key === 'denied' && denyAll) throw authError('AccessDeniedException: not authorized');
        if (context.key === 'flaky' && n < 3) throw providerError('503 Service Unavailable', { retryable: true });
        return n;
      },
    });
    const queued = await enqueue(location, jobs(['missing', 'denied', 'flaky'], 'sagemaker'), { prefix: p, attempts: 4, backoffMs: 50 });
    const outcomes = await waitForJobs<number>(location, queued.jobs, { prefix: p, rescanMs: 200 });
    expect(outcomes.map((o) => [o.key, o.state, o.attempts])).toEqual([
      ['missing', 'failed', 1],
      ['denied', 'failed', 1],
      ['flaky', 'completed', 3],
    ]);
    expect(outcomes[0]).toMatchObject({ errorCode: 'NotFound', error: expect.stringMatching(/^no such training job/) });
    // The user fixes the permission and runs the same command again: the failed jobs go back.
    denyAll = false;
    const again = await enqueue(location, jobs(['missing', 'denied', 'flaky'], 'sagemaker'), { prefix: p, attempts: 4, backoffMs: 50 });
    expect([again.added, again.existing, again.retried]).toEqual([0, 1, 2]);
    const second = await waitForJobs<number>(location, again.jobs, { prefix: p, rescanMs: 200 });
    expect(second.map((o) => [o.key, o.state])).toEqual([
      ['missing', 'failed'],
      ['denied', 'completed'],
      ['flaky', 'completed'],
    ]);
  });

  it('pauses the whole group on throttling, for every worker, without using up attempts', async () => {
    const p = prefix();
    const PAUSE = 1_000;
    const started: { key: string; at: number }[] = [];
    let throttledAt = 0;
    let onThrottled!: () => void;
    const throttledNow = new Promise<void>((resolve) => (onThrottled = resolve));
    const handler = async (_data: { n: number }, context: { key: string }) => {
      started.push({ key: context.key, at: Date.now() });
      if (context.key === 'a' && throttledAt === 0) throw throttled('Rate exceeded', { retryAfterMs: PAUSE });
      // The other worker holds its job until the throttle, so its next fetch falls inside the pause.
      await throttledNow;
      return 'ok';
    };
    const onEvent = (e: WorkerEvent) => {
      if (e.type !== 'throttled') return;
      expect(e).toMatchObject({ key: 'a', pauseMs: PAUSE });
      throttledAt = Date.now(); // the event comes just before the pause is set in Redis
      onThrottled();
    };
    for (let i = 0; i < 2; i++) await work({ prefix: p, groups: ['modelarts'], concurrency: 1, handler, onEvent });
    const queued = await enqueue(location, jobs(['a', 'b', 'c', 'd'], 'modelarts'), { prefix: p, attempts: 1 });
    const outcomes = await waitForJobs<string>(location, queued.jobs, { prefix: p, rescanMs: 200 });
    // attempts: 1, yet the throttled job completed: a pause is not a failed attempt.
    expect(outcomes.map((o) => o.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // Every job fetched after the throttle started after the pause, on either worker. (A lower bound:
    // a loaded machine can only make them later.)
    const later = started.filter((s) => s.key === 'c' || s.key === 'd' || (s.key === 'a' && s.at > throttledAt));
    expect(later.map((s) => s.key).sort()).toEqual(['a', 'c', 'd']);
    for (const s of later) expect(s.at, s.key).toBeGreaterThanOrEqual(throttledAt + PAUSE - 5);
  });

  it("hands a killed worker's job to another worker, which finishes it once", async () => {
    const p = prefix();
    const fixture = fileURLToPath(new URL('./fixtures/hanging-worker.mjs', import.meta.url));
    const child = spawn(process.execPath, [fixture, redis.url, p, 'azureml'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const queued = await enqueue(location, jobs(['azureml:job-1'], 'azureml'), { prefix: p, attempts: 2 });
      let seen = '';
      while (!seen.includes('started azureml:job-1')) seen += String((await once(child.stdout!, 'data'))[0]);
      child.kill('SIGKILL');
      await once(child, 'exit');
      const finishedBy: string[] = [];
      await work({ prefix: p, groups: ['azureml'], lockDurationMs: 1_000, stalledIntervalMs: 500, handler: async (_d: { n: number }, context) => (finishedBy.push(context.key), 'done') });
      const [outcome] = await waitForJobs<string>(location, queued.jobs, { prefix: p, rescanMs: 200 });
      expect([outcome!.state, outcome!.result]).toEqual(['completed', 'done']);
      expect(finishedBy).toEqual(['azureml:job-1']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
