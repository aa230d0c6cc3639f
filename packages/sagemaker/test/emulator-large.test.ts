// The lazily generated large job: events computed from (node, index), served through the real SDK.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SAGEMAKER_LOG_GROUP, largeJobEvent, largeJobSpec, startSagemakerEmulator } from '../src/testing/index.js';
import type { LargeJobInfo, SagemakerEmulator } from '../src/testing/index.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const NAME = 'rl-large-16node';
const START = Date.UTC(2025, 2, 9, 8, 0, 0);

let emulator: SagemakerEmulator;
let logs: CloudWatchLogsClient;
let sagemaker: SageMakerClient;
let info: LargeJobInfo;
const spec = largeJobSpec(NAME);

beforeAll(async () => {
  emulator = await startSagemakerEmulator({ scenarios: false });
  info = emulator.seedLargeJob(NAME, { nodes: 16, linesPerNode: 100_000 });
  const config = { ...emulator.clientConfig, maxAttempts: 1 };
  logs = new CloudWatchLogsClient(config);
  sagemaker = new SageMakerClient(config);
});

afterAll(async () => {
  logs?.destroy();
  sagemaker?.destroy();
  await emulator?.close();
});

const stream1 = () => info.streams.find((name) => name.includes('/algo-1-')) ?? '';

describe('seedLargeJob', () => {
  it('registers a completed 16-node job with 1.6 M events', async () => {
    expect(info.totalEvents).toBe(1_600_000);
    expect(info.streams).toHaveLength(16);
    const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: NAME }));
    expect([job.TrainingJobStatus, job.ResourceConfig?.InstanceCount]).toEqual(['Completed', 16]);
    const described = await logs.send(new DescribeLogStreamsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: `${NAME}/` }));
    expect(described.logStreams?.map((s) => s.logStreamName)).toEqual([...info.streams].sort());
    expect(described.logStreams?.[0]).toMatchObject({ logStreamName: `${NAME}/algo-1-${START / 1000}`, firstEventTimestamp: START, lastEventTimestamp: START + 999_990 });
  });

  it('serves the first events, capped at 1 MB per page', async () => {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: stream1(), startFromHead: true }));
    const events = page.events ?? [];
    expect(events[0]).toMatchObject({
      timestamp: START,
      message: '[2025-03-09 08:00:00,000 algo-1 rank=0] epoch=1 step=1 loss=2.30000 lr=3.00e-4 grad_norm=0.713 tok/s=127000',
    });
    expect(events.slice(0, 4).map((e) => e.timestamp)).toEqual([START, START, START, START + 30]);
    const bytes = (list: OutputLogEvent[]) => list.reduce((sum, e) => sum + Buffer.byteLength(e.message ?? '') + 26, 0);
    expect(events.length).toBeLessThan(10_000);
    expect(bytes(events)).toBeLessThanOrEqual(1_048_576);
    const next = largeJobEvent(spec, 1, events.length);
    expect(bytes(events) + Buffer.byteLength(next.message) + 26).toBeGreaterThan(1_048_576);
  });

  it('serves the last events newest-first by default', async () => {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: info.streams.find((name) => name.includes('/algo-16-')) ?? '', limit: 3 }));
    // 100 000 lines in flushes of 3: the last flush holds a single line.
    const last = START + 15 * 1_200 + 999_990;
    expect(page.events?.map((e) => e.timestamp)).toEqual([last - 30, last - 30, last]);
    expect(page.events?.at(-1)?.message).toBe(largeJobEvent(spec, 16, 99_999).message);
    expect(page.events?.at(-1)?.message).toMatch(/^\[2025-03-09 08:16:57,990 algo-16 rank=15\] eval step=100000 eval_loss=[0-9.]+ eval_accuracy=[0-9.]+ samples=2048$/);
  });

  it('reads a whole 100 000-line stream forward without losing or repeating an event', async () => {
    let token: string | undefined;
    let count = 0;
    let previous = 0;
    const misplaced: number[] = [];
    for (let page = 0; page < 100; page += 1) {
      const out = await logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: stream1(), startFromHead: true, nextToken: token }));
      if (out.nextForwardToken === token) break;
      for (const event of out.events ?? []) {
        // Each line carries its 1-based index as the step number.
        if (!event.message?.includes(` step=${count + 1} `) || (event.timestamp ?? 0) < previous) misplaced.push(count);
        previous = event.timestamp ?? 0;
        count += 1;
      }
      token = out.nextForwardToken;
    }
    expect(misplaced).toEqual([]);
    expect(count).toBe(100_000);
  });

  it('interleaves the generated streams in FilterLogEvents', async () => {
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: `${NAME}/`, limit: 130, startTime: START + 1_170 }));
    const nodeOf = (name?: string) => Number(/\/algo-(\d+)-/.exec(name ?? '')?.[1]);
    // At START + 1200 node 2 starts: node 1's three lines of that millisecond come first (ingested first).
    expect(page.events?.slice(0, 9).map((e) => [nodeOf(e.logStreamName), (e.timestamp ?? 0) - START])).toEqual([
      [1, 1170], [1, 1170], [1, 1170],
      [1, 1200], [1, 1200], [1, 1200],
      [2, 1200], [2, 1200], [2, 1200],
    ]);
    expect(page.nextToken).toBeDefined();
  });
});

describe('memoizeLogPages (benchmarks only)', () => {
  it('answers a repeated page with the same events, and an injected fault still fires', async () => {
    const memo = await startSagemakerEmulator({ scenarios: false, memoizeLogPages: true });
    const client = new CloudWatchLogsClient({ ...memo.clientConfig, maxAttempts: 1 });
    try {
      const seeded = memo.seedLargeJob(NAME, { nodes: 1, linesPerNode: 20_000 });
      const input = { logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: seeded.streams[0]!, startFromHead: true };
      const first = await client.send(new GetLogEventsCommand(input));
      const again = await client.send(new GetLogEventsCommand(input));
      expect(again.events).toEqual(first.events);
      expect(again.nextForwardToken).toBe(first.nextForwardToken);
      const next = await client.send(new GetLogEventsCommand({ ...input, nextToken: first.nextForwardToken }));
      expect(next.events?.[0]?.timestamp).toBeGreaterThan(first.events!.at(-1)!.timestamp!);
      memo.faults.inject({ operation: 'GetLogEvents', kind: 'throttle', times: 1 });
      await expect(client.send(new GetLogEventsCommand(input))).rejects.toMatchObject({ name: 'ThrottlingException' });
    } finally {
      client.destroy();
      await memo.close();
    }
  });
});
