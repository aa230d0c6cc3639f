// Fault injection as the real SDK clients observe it (maxAttempts 1, so nothing is retried away).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { COMPLETED_JOB, SAGEMAKER_LOG_GROUP, completedFourNodeJob, startSagemakerEmulator } from '../src/testing/index.js';
import type { SagemakerEmulator } from '../src/testing/index.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

type AwsError = Error & { $metadata?: { httpStatusCode?: number }; $fault?: string; code?: string; Code?: string };

let emulator: SagemakerEmulator;
let sagemaker: SageMakerClient;
let logs: CloudWatchLogsClient;
let cloudwatch: CloudWatchClient;
let s3: S3Client;
const node1 = completedFourNodeJob().streams[0]!;
/** The stream as CloudWatch orders it: by timestamp, ties in ingestion order. */
const node1Messages = [...node1.events].sort((a, b) => a.timestamp - b.timestamp).map((e) => e.message);

beforeAll(async () => {
  emulator = await startSagemakerEmulator({ logPageLimit: 10 });
  const config = { ...emulator.clientConfig, maxAttempts: 1 };
  sagemaker = new SageMakerClient(config);
  logs = new CloudWatchLogsClient(config);
  cloudwatch = new CloudWatchClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
});

afterEach(() => {
  emulator.faults.clear();
  emulator.resetRequests();
});

afterAll(async () => {
  for (const client of [sagemaker, logs, cloudwatch, s3]) client?.destroy();
  await emulator?.close();
});

const describeJob = () => sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: COMPLETED_JOB.name }));
const firstLogPage = (nextToken?: string) => logs.send(new GetLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamName: node1.name, startFromHead: true, nextToken }));

async function errorOf(promise: Promise<unknown>): Promise<AwsError> {
  try {
    await promise;
  } catch (error) {
    return error as AwsError;
  }
  throw new Error('expected the call to fail');
}

describe('faults', () => {
  it('throttles with HTTP 400 ThrottlingException once, then answers', async () => {
    const fault = emulator.faults.inject({ operation: 'GetLogEvents', kind: 'throttle', times: 1 });
    const error = await errorOf(firstLogPage());
    expect([error.name, error.message, error.$metadata?.httpStatusCode]).toEqual(['ThrottlingException', 'Rate exceeded', 400]);
    expect((await firstLogPage()).events).toHaveLength(10);
    expect([fault.seen, fault.hits]).toEqual([1, 1]);
    expect(emulator.requests.map((r) => r.operation)).toEqual(['GetLogEvents', 'GetLogEvents']);
  });

  it('throttles SageMaker and leaves other operations alone', async () => {
    emulator.faults.inject({ operation: 'DescribeTrainingJob', kind: 'throttle', times: 2 });
    expect((await firstLogPage()).events).toHaveLength(10);
    expect((await errorOf(describeJob())).name).toBe('ThrottlingException');
    expect((await errorOf(describeJob())).name).toBe('ThrottlingException');
    expect((await describeJob()).TrainingJobStatus).toBe('Completed');
  });

  it('throttles CloudWatch metrics in the query-compatible form', async () => {
    emulator.faults.inject({ operation: 'GetMetricData', kind: 'throttle', times: 1 });
    const query = { Id: 'cpu', MetricStat: { Metric: { Namespace: '/aws/sagemaker/TrainingJobs', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'Host', Value: `${COMPLETED_JOB.name}/algo-1` }] }, Period: 60, Stat: 'Average' } };
    const error = await errorOf(cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [query], StartTime: new Date(COMPLETED_JOB.created), EndTime: new Date(COMPLETED_JOB.created + 3_600_000) })));
    // The query error code from `x-amzn-query-error: Throttling;Sender` names the error.
    expect([error.name, error.Code, error.message, error.$metadata?.httpStatusCode]).toEqual(['Throttling', 'Throttling', 'Rate exceeded', 400]);

    emulator.faults.inject({ operation: 'GetMetricData', kind: 'throttle', times: 1 });
    const raw = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData', 'x-amzn-query-mode': 'true' },
      body: '{}',
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-amzn-query-error')).toBe('Throttling;Sender');
    expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0');
  });

  it('answers 500 InternalFailure and 503 ServiceUnavailable as server faults', async () => {
    emulator.faults.inject({ operation: '*', kind: '500', times: 1 });
    const internal = await errorOf(describeJob());
    expect([internal.name, internal.$metadata?.httpStatusCode, internal.$fault]).toEqual(['InternalFailure', 500, 'server']);
    emulator.faults.inject({ operation: 'GetLogEvents', kind: '503', times: 1 });
    const unavailable = await errorOf(firstLogPage());
    expect([unavailable.name, unavailable.$metadata?.httpStatusCode, unavailable.$fault]).toEqual(['ServiceUnavailableException', 503, 'server']);
  });

  it('drops the connection without an answer', async () => {
    emulator.faults.inject({ operation: 'DescribeTrainingJob', kind: 'drop', times: 1 });
    const error = await errorOf(describeJob());
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(`${error.name} ${error.code ?? ''} ${error.message}`).toMatch(/ECONNRESET|socket hang up/);
    expect((await describeJob()).TrainingJobName).toBe(COMPLETED_JOB.name);
  });

  it('delays a slow answer and then answers normally', async () => {
    emulator.faults.inject({ operation: 'GetLogEvents', kind: 'slow', delayMs: 250, times: 1 });
    const started = performance.now();
    const page = await firstLogPage();
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(page.events?.map((e) => e.message)).toEqual(node1Messages.slice(0, 10));
    expect(node1Messages[0]).toBe('bash: cannot set terminal process group (-1): Inappropriate ioctl for device');
  });

  it('affects every Nth matching request', async () => {
    const fault = emulator.faults.inject({ operation: 'DescribeTrainingJob', kind: 'throttle', every: 3 });
    const outcomes: string[] = [];
    for (let call = 0; call < 7; call += 1) outcomes.push(await describeJob().then(() => 'ok', (error: Error) => error.name));
    expect(outcomes).toEqual(['ok', 'ok', 'ThrottlingException', 'ok', 'ok', 'ThrottlingException', 'ok']);
    expect(fault.hits).toBe(2);
    fault.cancel();
    expect((await describeJob()).TrainingJobStatus).toBe('Completed');
  });

  it('returns an empty log page with a fresh token mid-stream', async () => {
    const first = await firstLogPage();
    emulator.faults.inject({ operation: 'GetLogEvents', kind: 'empty', times: 1 });
    const empty = await firstLogPage(first.nextForwardToken);
    expect(empty.events).toEqual([]);
    expect(empty.nextForwardToken).not.toBe(first.nextForwardToken);
    const resumed = await firstLogPage(empty.nextForwardToken);
    expect(resumed.events?.map((e) => e.message)).toEqual(node1Messages.slice(10, 20));

    emulator.faults.inject({ operation: 'FilterLogEvents', kind: 'empty', times: 1 });
    const filter = await logs.send(new FilterLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNames: [node1.name] }));
    expect(filter.events).toEqual([]);
    expect(filter.nextToken).toBeDefined();
    const next = await logs.send(new FilterLogEventsCommand({ logGroupName: SAGEMAKER_LOG_GROUP, logStreamNames: [node1.name], nextToken: filter.nextToken }));
    expect(next.events?.map((e) => e.message)).toEqual(node1Messages.slice(0, 10));
  });

  it('slows S3 down with 503 SlowDown', async () => {
    emulator.faults.inject({ operation: 'GetObject', kind: 'throttle', times: 1 });
    const error = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'rl-bucket', Key: 'rl-completed-4node/output/output.tar.gz' })));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['SlowDown', 503]);
    expect(emulator.requests.at(-1)).toMatchObject({ service: 's3', operation: 'GetObject', method: 'GET' });
  });

  it('rejects invalid fault specs', () => {
    expect(() => emulator.faults.inject({ kind: 'explode' as never })).toThrow(/unknown fault kind/);
    expect(() => emulator.faults.inject({ kind: 'throttle', times: 0 })).toThrow(/invalid fault times/);
  });
});
