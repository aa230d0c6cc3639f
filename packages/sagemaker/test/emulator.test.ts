// The emulator driven by the real AWS SDK v3 clients: SageMaker, CloudWatch Logs, CloudWatch and S3.

import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { GetMetricDataCommandOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { FilteredLogEvent, GetLogEventsCommandInput, OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeTrainingJobCommand, ListTrainingJobsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { ListTrainingJobsCommandInput } from '@aws-sdk/client-sagemaker';
import {
  COMPLETED_JOB,
  INVALID_VALUE_FAILURE_REASON,
  RUNNING_JOB,
  SAGEMAKER_LOG_GROUP,
  SIXTY_NODE_JOB,
  completedFourNodeJob,
  failedHyperparameterJob,
  staticScenarioJobs,
  startSagemakerEmulator,
} from '../src/testing/index.js';
import type { SagemakerEmulator, ScenarioStream } from '../src/testing/index.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const PAGE_LIMIT = 7;
const METRIC_PAGE = 100;

let emulator: SagemakerEmulator;
let sagemaker: SageMakerClient;
let logs: CloudWatchLogsClient;
let cloudwatch: CloudWatchClient;
let s3: S3Client;
const completed = completedFourNodeJob();

beforeAll(async () => {
  emulator = await startSagemakerEmulator({ logPageLimit: PAGE_LIMIT, metricPageSize: METRIC_PAGE, clock: () => Date.UTC(2025, 5, 1) });
  const config = { ...emulator.clientConfig, maxAttempts: 1 };
  sagemaker = new SageMakerClient(config);
  logs = new CloudWatchLogsClient(config);
  cloudwatch = new CloudWatchClient(config);
  // Path-style: `rl-bucket.127.0.0.1` would not resolve.
  s3 = new S3Client({ ...config, forcePathStyle: true });
});

afterAll(async () => {
  for (const client of [sagemaker, logs, cloudwatch, s3]) client?.destroy();
  await emulator?.close();
});

/** The order CloudWatch returns a stream in: by timestamp, equal timestamps in ingestion order. */
function inStreamOrder(stream: ScenarioStream): { timestamp: number; message: string }[] {
  return stream.events.map(({ timestamp, message }) => ({ timestamp, message })).sort((a, b) => a.timestamp - b.timestamp);
}

function stream(scenario: { streams: ScenarioStream[] }, node: number): ScenarioStream {
  const found = scenario.streams.find((candidate) => candidate.name.includes(`/algo-${node}-`));
  if (!found) throw new Error(`no stream for node ${node}`);
  return found;
}

async function errorOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('SageMaker', () => {
  it('describes a completed job with epoch-second timestamps on the wire', async () => {
    const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: COMPLETED_JOB.name }));
    expect(job.TrainingJobStatus).toBe('Completed');
    expect(job.ResourceConfig?.InstanceCount).toBe(4);
    expect(job.CreationTime).toEqual(new Date(COMPLETED_JOB.created));
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe('s3://rl-bucket/rl-completed-4node/output/model.tar.gz');
    expect(job.AlgorithmSpecification?.MetricDefinitions?.map((d) => d.Name)).toEqual(['train:loss', 'validation:accuracy']);
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual(['Starting', 'Downloading', 'Training', 'Uploading', 'Completed']);
    const lossLine = inStreamOrder(stream(completed, 1)).filter((e) => e.message.includes('train:loss=')).at(-2);
    expect(job.FinalMetricDataList?.[0]).toMatchObject({ MetricName: 'train:loss', Value: Number(/train:loss=([0-9.]+)/.exec(lossLine?.message ?? '')?.[1]) });

    const recorded = emulator.requests.at(-1);
    expect(recorded).toMatchObject({ service: 'sagemaker', operation: 'DescribeTrainingJob', body: { TrainingJobName: COMPLETED_JOB.name } });
    expect(recorded?.headers['content-type']).toBe('application/x-amz-json-1.1');

    const raw = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.DescribeTrainingJob' },
      body: JSON.stringify({ TrainingJobName: COMPLETED_JOB.name }),
    });
    expect(((await raw.json()) as { CreationTime: unknown }).CreationTime).toBe(COMPLETED_JOB.created / 1000);
  });

  it('answers a missing job with ValidationException, as the real service does', async () => {
    const error = await errorOf(sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'no-such-job' })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('Requested resource not found.');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('carries seed 003 failure reasons verbatim', async () => {
    const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'rl-failed-invalid-value' }));
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toBe(INVALID_VALUE_FAILURE_REASON);
    expect(job.FailureReason).toContain("AlgorithmError: u'abc' is not valid under any of the given schemas\n\nFailed validating u'oneOf'");
    const capacity = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'rl-failed-capacity' }));
    expect(capacity.FailureReason).toMatch(/^CapacityError: Unable to provision requested ML compute capacity/);
    const timeout = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'rl-stopped-timeout' }));
    expect([timeout.TrainingJobStatus, timeout.SecondaryStatus]).toEqual(['Stopped', 'MaxRuntimeExceeded']);
  });

  const allJobs = [...staticScenarioJobs().map((s) => s.job), { TrainingJobName: RUNNING_JOB.name, CreationTime: RUNNING_JOB.created, TrainingJobStatus: 'InProgress' }]
    .map((job) => ({ name: job.TrainingJobName, created: Number(job.CreationTime), status: String(job.TrainingJobStatus) }))
    .sort((a, b) => a.created - b.created);

  async function listAll(input: ListTrainingJobsCommandInput): Promise<string[][]> {
    const pages: string[][] = [];
    let token: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const out = await sagemaker.send(new ListTrainingJobsCommand({ ...input, NextToken: token }));
      pages.push(out.TrainingJobSummaries?.map((s) => s.TrainingJobName ?? '') ?? []);
      token = out.NextToken;
      if (!token) return pages;
    }
    throw new Error('ListTrainingJobs never ended');
  }

  it('pages ListTrainingJobs by CreationTime, ascending by default', async () => {
    const pages = await listAll({ MaxResults: 5 });
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    expect(pages.flat()).toEqual(allJobs.map((job) => job.name));
    const first = await sagemaker.send(new ListTrainingJobsCommand({}));
    expect(first.TrainingJobSummaries).toHaveLength(10);
    expect(first.TrainingJobSummaries?.[0]).toMatchObject({ TrainingJobName: 'rl-failed-hyperparameter', TrainingJobStatus: 'Failed', CreationTime: new Date(Date.UTC(2017, 9, 16, 23, 40, 31)) });
  });

  it('applies StatusEquals after taking MaxResults jobs, so pages can be short or empty with a NextToken', async () => {
    const pages = await listAll({ MaxResults: 3, StatusEquals: 'Failed', SortBy: 'CreationTime', SortOrder: 'Descending' });
    const newestFirst = [...allJobs].reverse();
    const expected = [0, 3, 6, 9].map((start) => newestFirst.slice(start, start + 3).filter((job) => job.status === 'Failed').map((job) => job.name));
    expect(pages).toEqual(expected);
    expect(pages.some((page) => page.length === 0)).toBe(true);
    expect(pages.flat().sort()).toEqual(['rl-failed-capacity', 'rl-failed-data-shape', 'rl-failed-hyperparameter', 'rl-failed-invalid-value', 'rl-failed-oom', 'rl-failed-permission', 'rl-failed-setup']);
  });

  it('filters by name and creation time and validates MaxResults', async () => {
    const stopped = await sagemaker.send(new ListTrainingJobsCommand({ NameContains: 'stopped', SortBy: 'Name' }));
    expect(stopped.TrainingJobSummaries?.map((s) => s.TrainingJobName)).toEqual(['rl-stopped-timeout', 'rl-stopped-user']);
    const recent = await sagemaker.send(new ListTrainingJobsCommand({ CreationTimeAfter: new Date(Date.UTC(2025, 2, 6)), MaxResults: 100 }));
    expect(recent.TrainingJobSummaries?.map((s) => s.TrainingJobName)).toEqual(['rl-stopped-timeout', 'rl-stopped-user', 'rl-60node', 'rl-running-2node']);
    const error = await errorOf(sagemaker.send(new ListTrainingJobsCommand({ MaxResults: 101 })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('Member must have value less than or equal to 100');
  });
});

describe('CloudWatch Logs', () => {
  it('pages DescribeLogStreams past 50 streams in lexical order', async () => {
    const first = await logs.send(new DescribeLogStreamsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: `${SIXTY_NODE_JOB.name}/` }));
    expect(first.logStreams).toHaveLength(50);
    expect(first.nextToken).toBeDefined();
    const second = await logs.send(new DescribeLogStreamsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: `${SIXTY_NODE_JOB.name}/`, nextToken: first.nextToken }));
    expect(second.logStreams).toHaveLength(10);
    expect(second.nextToken).toBeUndefined();
    const names = [...(first.logStreams ?? []), ...(second.logStreams ?? [])].map((s) => s.logStreamName ?? '');
    expect(names).toEqual([...names].sort());
    expect(names[0]).toMatch(/^rl-60node\/algo-1-\d{10}$/);
    expect(names[1]).toMatch(/^rl-60node\/algo-10-\d{10}$/);
    expect(new Set(names.map((name) => name.split('/')[1]?.split('-')[1])).size).toBe(60);
    expect(first.logStreams?.[0]).toMatchObject({ storedBytes: 0, arn: expect.stringContaining(':log-group:/aws/sagemaker/TrainingJobs:log-stream:rl-60node/algo-1-') });
  });

  it('rejects limit > 50 and a missing group like the service', async () => {
    const tooMany = await errorOf(logs.send(new DescribeLogStreamsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, limit: 51 })));
    expect(tooMany.name).toBe('InvalidParameterException');
    expect(tooMany.message).toContain('Member must have value less than or equal to 50');
    const missing = await errorOf(logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/sagemaker/Nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('The specified log group does not exist.');
  });

  async function readForward(input: GetLogEventsCommandInput): Promise<{ pages: OutputLogEvent[][]; lastSent?: string; lastReturned?: string }> {
    const pages: OutputLogEvent[][] = [];
    let token: string | undefined;
    for (let page = 0; page < 1000; page += 1) {
      const out = await logs.send(new GetLogEventsCommand({ ...input, startFromHead: true, nextToken: token }));
      if (out.nextForwardToken === token) return { pages, lastSent: token, lastReturned: out.nextForwardToken };
      expect(out.nextForwardToken).toMatch(/^f\/\d{56}\/s$/);
      pages.push(out.events ?? []);
      token = out.nextForwardToken;
    }
    throw new Error('GetLogEvents never returned the same token');
  }

  it('pages GetLogEvents forward across equal timestamps and ends on the same token', async () => {
    const node1 = stream(completed, 1);
    const expected = inStreamOrder(node1);
    const { pages, lastSent, lastReturned } = await readForward({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: node1.name });
    expect(lastReturned).toBe(lastSent);
    expect(pages.flat().map(({ timestamp, message }) => ({ timestamp, message }))).toEqual(expected);
    expect(pages).toHaveLength(Math.ceil(expected.length / PAGE_LIMIT));
    // The env dump and the loss/throughput pairs put equal timestamps on both sides of page boundaries.
    const straddling = pages.slice(1).filter((page, index) => page[0]?.timestamp === pages[index]?.at(-1)?.timestamp);
    expect(straddling.length).toBeGreaterThan(5);
  });

  it('returns the newest page by default and pages backward', async () => {
    const node2 = stream(completed, 2);
    const expected = inStreamOrder(node2);
    const newest = await logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: node2.name }));
    expect(newest.events?.map((e) => e.message)).toEqual(expected.slice(-PAGE_LIMIT).map((e) => e.message));
    const older = await logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: node2.name, nextToken: newest.nextBackwardToken }));
    expect(older.events?.map((e) => e.message)).toEqual(expected.slice(-2 * PAGE_LIMIT, -PAGE_LIMIT).map((e) => e.message));
    expect(older.nextBackwardToken).toMatch(/^b\/\d{56}\/s$/);
  });

  it('treats startTime as inclusive and endTime as exclusive', async () => {
    const node3 = stream(completed, 3);
    const rendezvous = node3.events.find((e) => e.message.startsWith('[rank 2] Rendezvous complete'))?.timestamp ?? 0;
    const window = async (endTime: number) =>
      (await logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: node3.name, startTime: rendezvous, endTime, startFromHead: true }))).events?.map((e) => e.message);
    expect(await window(rendezvous + 48)).toEqual(['[rank 2] Rendezvous complete: world_size=4 master=algo-1:7777']);
    expect(await window(rendezvous + 49)).toHaveLength(2);
  });

  it('replays the same page for a reused token and shows appended events after the end token', async () => {
    const name = 'rl-manual/algo-1-1741000000';
    emulator.putLogEvents(name, [1, 2, 3].map((i) => ({ timestamp: 1_741_000_000_000, message: `same ms ${i}` })));
    const read = (nextToken?: string) => logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: name, startFromHead: true, nextToken }));
    const first = await read();
    expect(first.events?.map((e) => e.message)).toEqual(['same ms 1', 'same ms 2', 'same ms 3']);
    const end = await read(first.nextForwardToken);
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(first.nextForwardToken);
    emulator.putLogEvents(name, [{ timestamp: 1_741_000_000_000, message: 'same ms 4' }, { timestamp: 1_741_000_000_001, message: 'next ms' }]);
    const again = await read(first.nextForwardToken);
    expect(again.events?.map((e) => e.message)).toEqual(['same ms 4', 'next ms']);
    expect((await read(first.nextForwardToken)).events?.map((e) => e.message)).toEqual(['same ms 4', 'next ms']);
  });

  it('validates GetLogEvents input and reports missing streams', async () => {
    const missing = await errorOf(logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: 'rl-completed-4node/algo-9-0' })));
    expect([missing.name, missing.message]).toEqual(['ResourceNotFoundException', 'The specified log stream does not exist.']);
    const limit = await errorOf(logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: stream(completed, 1).name, limit: 10_001 })));
    expect(limit.name).toBe('InvalidParameterException');
    const foreign = await errorOf(logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: stream(completed, 1).name, nextToken: `f/${'0'.repeat(56)}/s` })));
    expect(foreign.name).toBe('InvalidParameterException');
  });

  it('interleaves FilterLogEvents by timestamp then ingestion order and ends without nextToken', async () => {
    const expected = completed.streams
      .flatMap((s) => s.events.map((e) => ({ logStreamName: s.name, timestamp: e.timestamp, message: e.message })))
      .sort((a, b) => a.timestamp - b.timestamp);
    const events: FilteredLogEvent[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: `${COMPLETED_JOB.name}/`, limit: 500, nextToken: token }));
      expect(out.searchedLogStreams).toEqual([]);
      events.push(...(out.events ?? []));
      token = out.nextToken;
      pages += 1;
    } while (token && pages < 1000);
    expect(token).toBeUndefined();
    expect(pages).toBe(Math.ceil(expected.length / PAGE_LIMIT));
    expect(events.map(({ logStreamName, timestamp, message }) => ({ logStreamName, timestamp, message }))).toEqual(expected);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    expect(events[0]?.eventId).toMatch(/^\d{56}$/);
  });

  it('matches filter patterns and names the hyperparameter error of seed 003', async () => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: 'rl-failed-hyperparameter/', filterPattern: 'ERROR train.py' }));
    expect(out.nextToken).toBeUndefined();
    expect(out.events?.map((e) => e.message)).toEqual([
      "[10/16/2017 23:45:17 ERROR 139623806805824 train.py:48] Additional properties are not allowed (u'mini_batch_siz' was unexpected)",
      "[10/16/2017 23:45:17 ERROR 140046187603776 train.py:48] Additional properties are not allowed (u'mini_batch_siz' was unexpected)",
    ]);
    const scenario = failedHyperparameterJob();
    expect(out.events?.map((e) => e.logStreamName)).toEqual(scenario.streams.map((s) => s.name));
    const tooMany = await errorOf(logs.send(new FilterLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNames: Array.from({ length: 101 }, (_, i) => `s${i}`) })));
    expect(tooMany.name).toBe('InvalidParameterException');
  });

  it('has no log streams for jobs that failed before training', async () => {
    for (const job of ['rl-failed-setup', 'rl-failed-capacity']) {
      const out = await logs.send(new DescribeLogStreamsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: `${job}/` }));
      expect(out.logStreams).toEqual([]);
    }
  });
});

describe('CloudWatch GetMetricData', () => {
  const hostQuery = (node: number): MetricDataQuery => ({
    Id: `cpu${node}`,
    MetricStat: { Metric: { Namespace: '/aws/sagemaker/TrainingJobs', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'Host', Value: `${COMPLETED_JOB.name}/algo-${node}` }] }, Period: 60, Stat: 'Average' },
  });
  const start = new Date(COMPLETED_JOB.created);
  const end = new Date(COMPLETED_JOB.created + 4 * 3_600_000);

  it('pages datapoints with NextToken, newest first by default', async () => {
    const results = new Map<string, { timestamps: Date[]; values: number[] }>();
    const statuses: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out: GetMetricDataCommandOutput = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [1, 2, 3, 4].map(hostQuery), StartTime: start, EndTime: end, NextToken: token }));
      for (const result of out.MetricDataResults ?? []) {
        const entry = results.get(result.Id ?? '') ?? { timestamps: [], values: [] };
        entry.timestamps.push(...(result.Timestamps ?? []));
        entry.values.push(...(result.Values ?? []));
        results.set(result.Id ?? '', entry);
        statuses.push(result.StatusCode ?? '');
      }
      token = out.NextToken;
      pages += 1;
    } while (token && pages < 100);
    const cpu1 = completed.metrics.find((m) => m.metricName === 'CPUUtilization' && m.dimensions[0]?.Value.endsWith('/algo-1'));
    const points = cpu1?.points ?? [];
    expect(points.length).toBeGreaterThan(180);
    expect(pages).toBe(Math.ceil((4 * points.length) / METRIC_PAGE));
    expect(statuses).toContain('PartialData');
    expect(results.get('cpu1')?.values).toEqual([...points].reverse().map((p) => p.value));
    expect(results.get('cpu1')?.timestamps[0]).toEqual(new Date(points.at(-1)?.timestamp ?? 0));
    expect(Math.max(...(results.get('cpu1')?.values ?? []))).toBeLessThanOrEqual(800);
    expect(Math.max(...(results.get('cpu1')?.values ?? []))).toBeGreaterThan(100);

    const wire = emulator.requests.filter((r) => r.operation === 'GetMetricData').at(-1);
    expect(wire?.service).toBe('monitoring');
    expect(wire?.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(wire?.headers['x-amzn-query-mode']).toBe('true');
    expect((wire?.body as { StartTime: unknown }).StartTime).toBe(COMPLETED_JOB.created / 1000);
  });

  it('serves the algorithm metric that the log lines print', async () => {
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [{ Id: 'loss', MetricStat: { Metric: { Namespace: '/aws/sagemaker/TrainingJobs', MetricName: 'train:loss', Dimensions: [{ Name: 'TrainingJobName', Value: COMPLETED_JOB.name }] }, Period: 60, Stat: 'Average' } }],
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampAscending',
        MaxDatapoints: 1000,
      }),
    );
    const fromLog = inStreamOrder(stream(completed, 1)).flatMap((e) => /^epoch=\d+ step=\d+ train:loss=([0-9.]+)/.exec(e.message)?.[1] ?? []).map(Number);
    expect(fromLog).toHaveLength(COMPLETED_JOB.trainingMinutes);
    // 180 points fit in one MaxDatapoints=1000 request but not in the 100-point page.
    expect(out.NextToken).toBeDefined();
    expect(out.MetricDataResults?.[0]?.Values).toEqual(fromLog.slice(0, METRIC_PAGE));
  });

  it('also speaks awsQuery, as AWS CLI 2.9 and client-cloudwatch <= 3.948 do', async () => {
    const query = (id: string) =>
      fetch(emulator.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams({
          Action: 'GetMetricData',
          Version: '2010-08-01',
          'MetricDataQueries.member.1.Id': id,
          'MetricDataQueries.member.1.MetricStat.Metric.Namespace': '/aws/sagemaker/TrainingJobs',
          'MetricDataQueries.member.1.MetricStat.Metric.MetricName': 'MemoryUtilization',
          'MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name': 'Host',
          'MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value': `${COMPLETED_JOB.name}/algo-3`,
          'MetricDataQueries.member.1.MetricStat.Period': '60',
          'MetricDataQueries.member.1.MetricStat.Stat': 'Maximum',
          StartTime: start.toISOString(),
          EndTime: end.toISOString(),
          ScanBy: 'TimestampAscending',
          MaxDatapoints: '3',
        }),
      });
    const memory = completed.metrics.find((m) => m.metricName === 'MemoryUtilization' && m.dimensions[0]?.Value.endsWith('/algo-3'))?.points.slice(0, 3) ?? [];
    const ok = await query('mem');
    const xml = await ok.text();
    expect(ok.status).toBe(200);
    expect(xml).toContain(`<Timestamps>${memory.map((p) => `<member>${new Date(p.timestamp).toISOString()}</member>`).join('')}</Timestamps>`);
    expect(xml).toContain(`<Values>${memory.map((p) => `<member>${p.value}</member>`).join('')}</Values><StatusCode>PartialData</StatusCode>`);
    expect(xml).toMatch(/<NextToken>[\w-]+<\/NextToken>/);
    const bad = await query('Mem');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<Error><Type>Sender</Type><Code>ValidationError</Code>');
    expect(emulator.requests.at(-1)).toMatchObject({ service: 'monitoring', operation: 'GetMetricData', body: { MaxDatapoints: 3, StartTime: COMPLETED_JOB.created / 1000 } });
  });

  it('rejects an Id that does not start with a lowercase letter', async () => {
    const error = await errorOf(cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [{ ...hostQuery(1), Id: 'Cpu' }], StartTime: start, EndTime: end })));
    // Query-compatible error: the SDK names it from the shape and keeps the query code in `Code`.
    expect(error.name).toBe('ValidationException');
    expect((error as unknown as { Code: string }).Code).toBe('ValidationError');
    expect(error.message).toContain('not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('S3', () => {
  const checkpoint = completed.objects.find((o) => o.key.endsWith('checkpoint-9000.pt'));

  it('serves ranged GETs of a multi-gigabyte generated object', async () => {
    expect(checkpoint).toBeDefined();
    const body = checkpoint?.body;
    if (!body || Buffer.isBuffer(body)) throw new Error('checkpoint should be generated');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'rl-bucket', Key: checkpoint?.key }));
    expect(head.ContentLength).toBe(body.size);
    expect(body.size).toBeGreaterThan(2 ** 31);
    const offset = 2 ** 31 + 5;
    const out = await s3.send(new GetObjectCommand({ Bucket: 'rl-bucket', Key: checkpoint?.key, Range: `bytes=${offset}-${offset + 99}` }));
    expect(out.$metadata.httpStatusCode).toBe(206);
    expect(out.ContentRange).toBe(`bytes ${offset}-${offset + 99}/${body.size}`);
    expect(Buffer.from(await out.Body!.transformToByteArray())).toEqual(body.generate(offset, 100));
  });

  it('stores real tar.gz artifacts at the paths DescribeTrainingJob names', async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: 'rl-bucket', Key: 'rl-completed-4node/output/model.tar.gz' }));
    const tar = gunzipSync(Buffer.from(await out.Body!.transformToByteArray()));
    expect(tar.subarray(0, 11).toString()).toBe('config.json');
    expect(tar.subarray(257, 262).toString()).toBe('ustar');
    const output = await s3.send(new HeadObjectCommand({ Bucket: 'rl-bucket', Key: 'rl-completed-4node/output/output.tar.gz' }));
    expect(output.ContentLength).toBeGreaterThan(0);
  });

  it('pages ListObjectsV2 and groups by delimiter', async () => {
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: 'rl-bucket', Prefix: 'rl-completed-4node/', MaxKeys: 5, ContinuationToken: token }));
      keys.push(...(out.Contents ?? []).map((c) => c.Key ?? ''));
      token = out.NextContinuationToken;
      pages += 1;
    } while (token && pages < 20);
    const expected = completed.objects.map((o) => o.key).sort();
    expect(keys).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 5));
    const grouped = await s3.send(new ListObjectsV2Command({ Bucket: 'rl-bucket', Prefix: 'rl-completed-4node/', Delimiter: '/' }));
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['rl-completed-4node/checkpoints/', 'rl-completed-4node/output/', 'rl-completed-4node/source/']);
    expect(grouped.Contents ?? []).toEqual([]);
  });

  it('answers NoSuchKey and NoSuchBucket with 404', async () => {
    const key = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'rl-bucket', Key: 'nope' })));
    expect([key.name, key.$metadata?.httpStatusCode]).toEqual(['NoSuchKey', 404]);
    const bucket = await errorOf(s3.send(new ListObjectsV2Command({ Bucket: 'no-bucket' })));
    expect([bucket.name, bucket.$metadata?.httpStatusCode]).toEqual(['NoSuchBucket', 404]);
    const head = await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'rl-bucket', Key: 'nope' })));
    expect([head.name, head.$metadata?.httpStatusCode]).toEqual(['NotFound', 404]);
  });
});

describe('the running job', () => {
  it('grows when advanced, shows a late node, and completes', async () => {
    const prefix = `${RUNNING_JOB.name}/`;
    const streams = async () => (await logs.send(new DescribeLogStreamsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNamePrefix: prefix }))).logStreams?.map((s) => s.logStreamName ?? '') ?? [];
    const before = await streams();
    expect(before).toHaveLength(1);
    const node1 = before[0] ?? '';
    let token: string | undefined;
    for (let page = 0; page < 200; page += 1) {
      const out = await logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: node1, startFromHead: true, nextToken: token }));
      if (out.nextForwardToken === token) break;
      token = out.nextForwardToken;
    }
    expect(emulator.advance()).toBeGreaterThan(40);
    expect(await streams()).toHaveLength(2);
    const grown = await logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: node1, startFromHead: true, nextToken: token }));
    expect(grown.events?.map((e) => (e.message ?? '').replace(/[0-9.]+/g, '#'))).toEqual([
      'epoch=# step=# train:loss=# lr=#e-#',
      '[rank #] step=# samples/s=#',
      '[rank #] heartbeat step=# dataloader_wait_ms=#',
    ]);
    expect(grown.events?.[0]?.message).toMatch(/^epoch=1 step=240 train:loss=/);

    const inProgress = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: RUNNING_JOB.name }));
    expect(inProgress.TrainingJobStatus).toBe('InProgress');
    expect(inProgress.TrainingEndTime).toBeUndefined();
    emulator.complete(RUNNING_JOB.name);
    const done = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: RUNNING_JOB.name }));
    expect(done.TrainingJobStatus).toBe('Completed');
    expect(done.TrainingEndTime).toEqual(new Date(RUNNING_JOB.created + 240_000 + 7 * 60_000));
    expect(() => emulator.advance(RUNNING_JOB.name)).toThrow(/not a running scenario job/);
  });
});
