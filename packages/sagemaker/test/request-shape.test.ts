// The exact requests the adapter sends, checked with nock (the AWS SDK goes through node:http):
// operations (X-Amz-Target), JSON bodies, page tokens, S3 paths and query strings.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunlens, recordArray, resolveSettings, type LogRecord, type Run, type Runlens } from '@runlens/core';
import { sagemakerProvider, type SagemakerSettings } from '../src/index.js';
import { createSagemakerProvider } from '../src/provider.js';
import { UNTHROTTLED } from './harness.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const ENDPOINT = 'http://aws.test';
const ENV = { AWS_ENDPOINT_URL: ENDPOINT, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDREQUESTSHAPE000', AWS_SECRET_ACCESS_KEY: 'request-shape-secret' };
const GROUP = '/aws/sagemaker/TrainingJobs';
const JOB = 'job-a';
const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);
const sec = (ms: number) => ms / 1000;

function job(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TrainingJobName: JOB,
    TrainingJobArn: `arn:aws:sagemaker:us-east-1:123456789012:training-job/${JOB}`,
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    CreationTime: sec(T0),
    TrainingStartTime: sec(T0 + 100_000),
    TrainingEndTime: sec(T0 + 3_600_000),
    LastModifiedTime: sec(T0 + 3_601_000),
    HyperParameters: { lr: '0.1' },
    AlgorithmSpecification: { TrainingImage: 'img', TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'train:loss', Regex: 'loss=([0-9.]+)' }] },
    ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: 2, VolumeSizeInGB: 30 },
    OutputDataConfig: { S3OutputPath: 's3://bucket/prefix' },
    CheckpointConfig: { S3Uri: `s3://bucket/prefix/${JOB}/checkpoints` },
    ModelArtifacts: { S3ModelArtifacts: `s3://bucket/prefix/${JOB}/output/model.tar.gz` },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    FinalMetricDataList: [{ MetricName: 'train:loss', Value: 0.25, Timestamp: sec(T0 + 3_500_000) }],
    SecondaryStatusTransitions: [
      { Status: 'Starting', StartTime: sec(T0), EndTime: sec(T0 + 100_000), StatusMessage: 'Preparing the instances for training' },
      { Status: 'Completed', StartTime: sec(T0 + 3_600_000), EndTime: sec(T0 + 3_600_000), StatusMessage: 'Training job completed' },
    ],
    ...overrides,
  };
}

/** A JSON 1.1 call: POST / with the operation in X-Amz-Target. */
function json11(target: string, body: nock.DataMatcherMap) {
  return nock(ENDPOINT).post('/', body).matchHeader('x-amz-target', target).matchHeader('content-type', 'application/x-amz-json-1.1');
}

const reply11 = { 'content-type': 'application/x-amz-json-1.1' };

function describeJob(name = JOB, body: Record<string, unknown> = job()) {
  return json11('SageMaker.DescribeTrainingJob', { TrainingJobName: name }).reply(200, body, reply11);
}

let runlens: Runlens;

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(async () => {
  await runlens?.close();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected request was sent').toEqual([]);
});
afterAll(() => {
  nock.enableNetConnect();
});

/**
 * "Now" for the adapter: 100 days after the jobs here (CloudWatch's retention periods depend on a
 * job's age: finer periods are gone after 15 and 63 days, every datapoint after 15 months).
 */
const NOW = T0 + 100 * 86_400_000;

function open(env: Record<string, string> = ENV, settings: Record<string, unknown> = {}, now = NOW): Runlens {
  runlens = createRunlens({ providers: [sagemakerProvider], env, settings: { sagemaker: { ...UNTHROTTLED, ...settings } }, testHooks: { sagemaker: { clock: () => now } }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  return runlens;
}

async function collect(iterable: AsyncIterable<LogRecord>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of iterable) out.push(record);
  return out;
}

describe('SageMaker', () => {
  it('describes a job by name: DescribeTrainingJob with exactly the name', async () => {
    describeJob();
    const run = await open().describe(`sagemaker:${JOB}`);
    expect(run).toMatchObject({
      ref: `sagemaker:${JOB}`,
      id: JOB,
      name: JOB,
      status: 'completed',
      providerStatus: 'Completed',
      createdAt: new Date(T0).toISOString(),
      startedAt: new Date(T0 + 100_000).toISOString(),
      endedAt: new Date(T0 + 3_600_000).toISOString(),
      nodes: [
        { name: 'algo-1', instanceType: 'ml.g5.2xlarge' },
        { name: 'algo-2', instanceType: 'ml.g5.2xlarge' },
      ],
      hyperparameters: { lr: '0.1' },
      finalMetrics: { 'train:loss': 0.25 },
      timeline: [
        { at: new Date(T0).toISOString(), status: 'Starting', message: 'Preparing the instances for training' },
        { at: new Date(T0 + 3_600_000).toISOString(), status: 'Completed', message: 'Training job completed' },
      ],
    });
    expect((run.raw as Record<string, unknown>)['TrainingJobArn']).toBe(`arn:aws:sagemaker:us-east-1:123456789012:training-job/${JOB}`);
  });

  it('takes the name and the signing region from an ARN ref, and echoes the ARN in the ref', async () => {
    const arn = 'arn:aws:sagemaker:eu-west-1:123456789012:training-job/job-b';
    let authorization = '';
    nock(ENDPOINT)
      .post('/', { TrainingJobName: 'job-b' })
      .matchHeader('x-amz-target', 'SageMaker.DescribeTrainingJob')
      .reply(function () {
        authorization = String(this.req.headers['authorization']);
        return [200, job({ TrainingJobName: 'job-b', TrainingJobArn: arn }), reply11];
      });
    const run = await open().describe(arn);
    expect(run.ref).toBe(`sagemaker:${arn}`);
    expect(run.id).toBe(arn);
    expect(run.name).toBe('job-b');
    expect(authorization).toContain('/eu-west-1/sagemaker/aws4_request');
  });

  it('sends the service-specific endpoint variable before the global one', async () => {
    nock('http://sagemaker.only.test').post('/', { TrainingJobName: JOB }).matchHeader('x-amz-target', 'SageMaker.DescribeTrainingJob').reply(200, job(), reply11);
    const run = await open({ ...ENV, AWS_ENDPOINT_URL_SAGEMAKER: 'http://sagemaker.only.test' }).describe(`sagemaker:${JOB}`);
    expect(run.status).toBe('completed');
  });

  it('maps the ValidationException SageMaker sends for a missing job to NotFound', async () => {
    json11('SageMaker.DescribeTrainingJob', { TrainingJobName: 'missing' }).reply(400, { __type: 'ValidationException', message: 'Requested resource not found.' }, reply11);
    await expect(open().describe('sagemaker:missing')).rejects.toMatchObject({ code: 'NotFound', providerCode: 'ValidationException' });
  });

  it('lists every ListTrainingJobs page, including empty StatusEquals pages that carry a NextToken', async () => {
    const since = Date.UTC(2025, 0, 1);
    const base = { MaxResults: 100, SortBy: 'CreationTime', SortOrder: 'Descending', StatusEquals: 'Failed', NameContains: 'job', CreationTimeAfter: sec(since - 1) };
    const summary = (name: string, created: number) => ({ TrainingJobName: name, TrainingJobArn: `arn:aws:sagemaker:us-east-1:123456789012:training-job/${name}`, CreationTime: sec(created), TrainingJobStatus: 'Failed', TrainingEndTime: sec(created + 60_000) });
    json11('SageMaker.ListTrainingJobs', base).reply(200, { TrainingJobSummaries: [summary('job-3', T0 + 3000)], NextToken: 'page-2' }, reply11);
    json11('SageMaker.ListTrainingJobs', { ...base, NextToken: 'page-2' }).reply(200, { TrainingJobSummaries: [], NextToken: 'page-3' }, reply11);
    json11('SageMaker.ListTrainingJobs', { ...base, NextToken: 'page-3' }).reply(200, { TrainingJobSummaries: [summary('job-1', T0 + 1000)] }, reply11);
    const { runs } = await open().list({ providers: ['sagemaker'], status: ['failed'], since, nameContains: 'job' });
    expect(runs.map((r) => [r.ref, r.status])).toEqual([
      ['sagemaker:job-3', 'failed'],
      ['sagemaker:job-1', 'failed'],
    ]);
  });

  it('sends no StatusEquals when a status maps to several SageMaker statuses', async () => {
    json11('SageMaker.ListTrainingJobs', { MaxResults: 100, SortBy: 'CreationTime', SortOrder: 'Descending', CreationTimeBefore: sec(T0) }).reply(
      200,
      {
        TrainingJobSummaries: [
          { TrainingJobName: 'a', TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/a', CreationTime: sec(T0 - 2000), TrainingJobStatus: 'Stopping' },
          { TrainingJobName: 'b', TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/b', CreationTime: sec(T0 - 3000), TrainingJobStatus: 'Completed' },
        ],
      },
      reply11,
    );
    const { runs } = await open().list({ providers: ['sagemaker'], status: ['running'], until: T0 });
    expect(runs.map((r) => [r.id, r.status, r.providerStatus])).toEqual([['a', 'running', 'Stopping']]);
  });
});

describe('CloudWatch Logs', () => {
  const stream1 = `${JOB}/algo-1-1741000200`;
  const stream10 = `${JOB}/algo-10-1741000201`;
  const event = (t: number, message: string) => ({ timestamp: t, message, ingestionTime: t + 300 });

  it('discovers streams on every DescribeLogStreams page and reads each with GetLogEvents until the token repeats', async () => {
    describeJob(JOB, job({ ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: 10, VolumeSizeInGB: 30 } }));
    const streams = { logGroupName: GROUP, logStreamNamePrefix: `${JOB}/`, limit: 50 };
    json11('Logs_20140328.DescribeLogStreams', streams).reply(200, { logStreams: [{ logStreamName: stream10, lastEventTimestamp: T0 + 5 }], nextToken: 'streams-2' }, reply11);
    json11('Logs_20140328.DescribeLogStreams', { ...streams, nextToken: 'streams-2' }).reply(200, { logStreams: [{ logStreamName: stream1 }] }, reply11);
    const read = { logGroupName: GROUP, startFromHead: true, limit: 10_000 };
    json11('Logs_20140328.GetLogEvents', { ...read, logStreamName: stream1 }).reply(200, { events: [event(T0, 'one a'), event(T0 + 2, 'one b')], nextForwardToken: 'f/1-1', nextBackwardToken: 'b/1-0' }, reply11);
    // A mid-stream empty page with a fresh token is not the end.
    json11('Logs_20140328.GetLogEvents', { ...read, logStreamName: stream1, nextToken: 'f/1-1' }).reply(200, { events: [], nextForwardToken: 'f/1-1b', nextBackwardToken: 'b/1-1' }, reply11);
    json11('Logs_20140328.GetLogEvents', { ...read, logStreamName: stream1, nextToken: 'f/1-1b' }).reply(200, { events: [event(T0 + 5, 'one c')], nextForwardToken: 'f/1-2', nextBackwardToken: 'b/1-1' }, reply11);
    json11('Logs_20140328.GetLogEvents', { ...read, logStreamName: stream1, nextToken: 'f/1-2' }).reply(200, { events: [], nextForwardToken: 'f/1-2', nextBackwardToken: 'b/1-2' }, reply11);
    json11('Logs_20140328.GetLogEvents', { ...read, logStreamName: stream10 }).reply(200, { events: [event(T0 + 1, 'ten a'), event(T0 + 5, 'ten b')], nextForwardToken: 'f/10-1', nextBackwardToken: 'b/10-0' }, reply11);
    json11('Logs_20140328.GetLogEvents', { ...read, logStreamName: stream10, nextToken: 'f/10-1' }).reply(200, { events: [], nextForwardToken: 'f/10-1', nextBackwardToken: 'b/10-1' }, reply11);

    const records = await collect(await open().logs(`sagemaker:${JOB}`));
    expect(records.map((r) => [r.node, r.message, r.stream])).toEqual([
      ['algo-1', 'one a', stream1],
      ['algo-10', 'ten a', stream10],
      ['algo-1', 'one b', stream1],
      // Equal timestamps: algo-1 before algo-10 (natural order), not CloudWatch's lexical order.
      ['algo-1', 'one c', stream1],
      ['algo-10', 'ten b', stream10],
    ]);
  });

  it('reads GetLogEvents answers exactly in any JSON form: escapes, non-ASCII, whitespace, key order; other forms go to the SDK', async () => {
    describeJob(JOB, job({ ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: 1 } }));
    json11('Logs_20140328.DescribeLogStreams', { logGroupName: GROUP, logStreamNamePrefix: `${JOB}/`, limit: 50 }).reply(200, { logStreams: [{ logStreamName: stream1 }] }, reply11);
    const read = { logGroupName: GROUP, logStreamName: stream1, startFromHead: true, limit: 10_000 };
    // As JSON text: escapes CloudWatch may send, raw UTF-8, and the JSON escapes of the same.
    const raw = [String.raw`quote \" backslash \\ tab \t end`, 'raw UTF-8: é 日本 😀', String.raw`escaped: \u00e9 \ud83d\ude00 \/ \b\f\r\n`];
    // Written out by hand: tokens first, fields in another order, whitespace everywhere.
    const pretty = `{ "nextForwardToken" : "f/1-1",\n  "events" : [\n    { "message" : "${raw[0]}", "ingestionTime" : ${T0 + 300}, "timestamp" : ${T0} },\n    {"timestamp":${T0 + 1},"message":"${raw[1]}"},\n    {"ingestionTime":${T0 + 301},"message":"${raw[2]}","timestamp":${T0 + 2}},\n    {"timestamp":${T0 + 3},"message":""}\n  ],\n  "nextBackwardToken" : "b/1-0"\n}\n`;
    json11('Logs_20140328.GetLogEvents', read).reply(200, pretty, reply11);
    // A member the adapter does not know (a later API version, say): the SDK parses this one.
    json11('Logs_20140328.GetLogEvents', { ...read, nextToken: 'f/1-1' }).reply(200, JSON.stringify({ events: [event(T0 + 4, 'via the SDK "quoted" é')], nextForwardToken: 'f/1-2', nextBackwardToken: 'b/1-1', futureMember: { a: [1, 2.5, null] } }), reply11);
    json11('Logs_20140328.GetLogEvents', { ...read, nextToken: 'f/1-2' }).reply(200, '{"events":[],"nextForwardToken":"f/1-2","nextBackwardToken":"b/1-2"}', reply11);

    const records = await collect(await open().logs(`sagemaker:${JOB}`));
    expect(records.map((r) => [r.timestamp, r.message])).toEqual([
      [T0, 'quote " backslash \\ tab \t end'],
      [T0 + 1, 'raw UTF-8: é 日本 😀'],
      [T0 + 2, 'escaped: é 😀 / \b\f\r\n'],
      [T0 + 3, ''],
      [T0 + 4, 'via the SDK "quoted" é'],
    ]);
  });

  it('sends since/until as startTime/endTime and keeps endTime on token reads', async () => {
    describeJob(JOB, job({ ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: 1 } }));
    json11('Logs_20140328.DescribeLogStreams', { logGroupName: GROUP, logStreamNamePrefix: `${JOB}/`, limit: 50 }).reply(200, { logStreams: [{ logStreamName: stream1 }] }, reply11);
    const read = { logGroupName: GROUP, logStreamName: stream1, startFromHead: true, limit: 10_000, endTime: T0 + 60_000 };
    json11('Logs_20140328.GetLogEvents', { ...read, startTime: T0 + 1_000 }).reply(200, { events: [event(T0 + 1_000, 'inside')], nextForwardToken: 'f/a', nextBackwardToken: 'b/a' }, reply11);
    json11('Logs_20140328.GetLogEvents', { ...read, nextToken: 'f/a' }).reply(200, { events: [], nextForwardToken: 'f/a', nextBackwardToken: 'b/a' }, reply11);
    const records = await collect(await open().logs(`sagemaker:${JOB}`, { since: T0 + 1_000, until: T0 + 60_000 }));
    expect(records.map((r) => r.message)).toEqual(['inside']);
  });

  it('tails with GetLogEvents newest-first (limit = N, endTime = until), paging back with the backward token', async () => {
    describeJob(JOB, job({ ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: 1 } }));
    json11('Logs_20140328.DescribeLogStreams', { logGroupName: GROUP, logStreamNamePrefix: `${JOB}/`, limit: 50 }).reply(200, { logStreams: [{ logStreamName: stream1 }] }, reply11);
    const tail = { logGroupName: GROUP, logStreamName: stream1, startFromHead: false, endTime: T0 + 90_000 };
    // The service stops a page at 1 MB: two events come back although three were asked for.
    json11('Logs_20140328.GetLogEvents', { ...tail, limit: 3 }).reply(200, { events: [event(T0 + 50_000, 'y'), event(T0 + 60_000, 'z')], nextForwardToken: 'f/end', nextBackwardToken: 'b/older' }, reply11);
    json11('Logs_20140328.GetLogEvents', { ...tail, limit: 1, nextToken: 'b/older' }).reply(200, { events: [event(T0 + 40_000, 'x')], nextForwardToken: 'f/mid', nextBackwardToken: 'b/oldest' }, reply11);
    const records = await collect(await open().logs(`sagemaker:${JOB}`, { tail: 3, until: T0 + 90_000 }));
    expect(records.map((r) => r.message)).toEqual(['x', 'y', 'z']);
  });

  it('treats a log group that does not exist yet as no streams', async () => {
    describeJob(JOB, job({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Starting', TrainingEndTime: undefined }));
    json11('Logs_20140328.DescribeLogStreams', { logGroupName: GROUP, logStreamNamePrefix: `${JOB}/`, limit: 50 }).reply(400, { __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' }, reply11);
    expect(await open().logStreams(`sagemaker:${JOB}`)).toEqual([]);
  });

  it('falls back to startTime plus a skip count when CloudWatch no longer accepts a forward token', async () => {
    const provider = createSagemakerProvider({
      env: ENV,
      settings: resolveSettings(sagemakerProvider, UNTHROTTLED, ENV) as SagemakerSettings,
      cwd: process.cwd(),
      debug: () => undefined,
      testHooks: {},
      requests: { requester: ({ mapError }) => ({ call: async (spec, send) => send(spec.signal).catch((e: unknown) => Promise.reject(mapError(e, { operation: spec.operation, run: spec.run }))) }) },
    });
    const target = { run: { id: JOB, name: JOB, ref: `sagemaker:${JOB}` } as Run, handle: { name: JOB, job: {} } };
    const info = { id: stream1, node: 'algo-1' };
    const read = { logGroupName: GROUP, logStreamName: stream1, startFromHead: true, limit: 10_000 };
    json11('Logs_20140328.GetLogEvents', { ...read, nextToken: 'f/expired' }).reply(400, { __type: 'InvalidParameterException', message: 'The specified nextToken is invalid.' }, reply11);
    // Three events at T0+7 lie before the position: two on the first page, one on the next.
    json11('Logs_20140328.GetLogEvents', { ...read, startTime: T0 + 7 }).reply(200, { events: [event(T0 + 7, 'seen 1'), event(T0 + 7, 'seen 2')], nextForwardToken: 'f/p1', nextBackwardToken: 'b/p0' }, reply11);
    json11('Logs_20140328.GetLogEvents', { ...read, nextToken: 'f/p1' }).reply(200, { events: [event(T0 + 7, 'seen 3'), event(T0 + 7, 'new 1'), event(T0 + 9, 'new 2')], nextForwardToken: 'f/p2', nextBackwardToken: 'b/p1' }, reply11);
    if (provider.logs?.kind !== 'positioned') throw new Error('CloudWatch logs are positioned');
    const page = await provider.logs.readStream(target, info, { position: { t: 'f/expired', ts: T0 + 7, k: 3 } });
    expect(recordArray(page.records).map((r) => r.message)).toEqual(['new 1', 'new 2']);
    expect(page.next).toEqual({ t: 'f/p2', ts: T0 + 9, k: 1 });
    expect(page.caughtUp).toBe(false);
    await provider.close?.();
  });
});

describe('CloudWatch metrics', () => {
  const queries = (period: number, system = ['CPUUtilization', 'MemoryUtilization', 'GPUUtilization', 'GPUMemoryUtilization', 'DiskUtilization'], training = ['train:loss']) => {
    const list = [1, 2].flatMap((node) => system.map((metric) => ({ metric, dimensions: [{ Name: 'Host', Value: `${JOB}/algo-${node}` }] })));
    list.push(...training.map((metric) => ({ metric, dimensions: [{ Name: 'TrainingJobName', Value: JOB }] })));
    return list.map((q, i) => ({ Id: `m${i}`, MetricStat: { Metric: { Namespace: '/aws/sagemaker/TrainingJobs', MetricName: q.metric, Dimensions: q.dimensions }, Period: period, Stat: 'Average' }, ReturnData: true }));
  };
  /** A JSON 1.0 query-compatible call, as client-cloudwatch >= 3.949 sends it. */
  const getMetricData = (body: nock.DataMatcherMap) =>
    nock(ENDPOINT)
      .post('/', body)
      .matchHeader('x-amz-target', 'GraniteServiceVersion20100801.GetMetricData')
      .matchHeader('content-type', 'application/x-amz-json-1.0')
      .matchHeader('x-amzn-query-mode', 'true');
  const reply10 = { 'content-type': 'application/x-amz-json-1.0' };

  it('asks GetMetricData for every host metric and the MetricDefinitions, follows NextToken, and normalizes CPU by vCPUs', async () => {
    describeJob();
    const start = sec(Math.floor((T0 + 100_000) / 60_000) * 60_000);
    const end = sec(T0 + 3_600_000 + 60_000 + 15 * 60_000);
    const body = { MetricDataQueries: queries(60), StartTime: start, EndTime: end, ScanBy: 'TimestampAscending' };
    const minute = (k: number) => sec(T0 + 120_000 + k * 60_000);
    getMetricData(body).reply(200, { MetricDataResults: [{ Id: 'm0', Label: 'CPUUtilization', Timestamps: [minute(0), minute(1)], Values: [400, 800], StatusCode: 'PartialData' }], NextToken: 'metrics-2', Messages: [] }, reply10);
    getMetricData({ ...body, NextToken: 'metrics-2' }).reply(
      200,
      {
        MetricDataResults: [
          { Id: 'm0', Label: 'CPUUtilization', Timestamps: [minute(3)], Values: [200], StatusCode: 'Complete' },
          { Id: 'm10', Label: 'train:loss', Timestamps: [minute(0)], Values: [1.5], StatusCode: 'Complete' },
        ],
        Messages: [],
      },
      reply10,
    );
    const { series, warnings } = await open().metrics(`sagemaker:${JOB}`);
    const cpu = series.find((s) => s.name === 'cpu.utilization' && s.node === 'algo-1');
    // 400/8 and 800/8; minute 2 is a gap (null), not an invented value.
    expect(cpu?.points).toEqual([
      { timestamp: T0 + 120_000, value: 50 },
      { timestamp: T0 + 180_000, value: 100 },
      { timestamp: T0 + 240_000, value: null },
      { timestamp: T0 + 300_000, value: 25 },
    ]);
    expect(cpu).toMatchObject({ providerName: 'CPUUtilization', unit: 'percent', kind: 'system' });
    expect(cpu?.note).toContain('8 vCPUs of ml.g5.2xlarge');
    expect(series.find((s) => s.name === 'train:loss')?.points).toEqual([{ timestamp: T0 + 120_000, value: 1.5 }]);
    // One short warning: a count and the first few series, never all of them.
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/CloudWatch has no datapoints for \d+ series: memory\.utilization@algo-1, /)]);
  });

  it('says per run that a job which never started an instance has no system metrics; final values stay', async () => {
    describeJob(JOB, job({ TrainingStartTime: undefined, TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed', FailureReason: 'CapacityError: Unable to provision requested ML compute capacity.' }));
    describeJob(JOB, job({ TrainingStartTime: undefined, TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed', FailureReason: 'CapacityError: Unable to provision requested ML compute capacity.' }));
    const rl = open();
    const view = await rl.describeRun(`sagemaker:${JOB}`, { evidence: false });
    const reason = 'the job ended before any instance started, so none reported metrics to CloudWatch';
    expect(view.capabilities.systemMetrics).toEqual({ available: false, reason });
    // The description's FinalMetricDataList is there: training metrics stay available.
    expect([view.capabilities.trainingMetrics, view.capabilities.logs, view.capabilities.artifacts]).toEqual([{ available: true }, { available: true }, { available: true }]);
    const { series, warnings } = await rl.metrics(`sagemaker:${JOB}`);
    expect(series.map((s) => [s.name, s.points.length])).toEqual([['train:loss', 1]]);
    expect(warnings.map((w) => w.message)).toEqual([`sagemaker:${JOB} has no system metrics: ${reason}`]);
    // No GetMetricData was sent (nock has none to answer; afterEach checks nothing is left).
  });

  it('says a job without an S3 output path has no artifacts, before asking S3', async () => {
    describeJob(JOB, job({ OutputDataConfig: undefined, ModelArtifacts: undefined }));
    await expect(open().artifacts(`sagemaker:${JOB}`)).rejects.toMatchObject({ code: 'Unsupported', message: expect.stringContaining(`sagemaker:${JOB} has no artifacts: the job has no S3 output path`) });
  });

  it('asks again at CloudWatch’s coarser retention period when old data has no 1-minute points', async () => {
    describeJob();
    const from = T0 + 100_000;
    const end = (period: number) => sec(T0 + 3_600_000 + period * 1000 + 15 * 60_000);
    getMetricData({ MetricDataQueries: queries(60, ['DiskUtilization'], []), StartTime: sec(Math.floor(from / 60_000) * 60_000), EndTime: end(60), ScanBy: 'TimestampAscending' }).reply(200, { MetricDataResults: [], Messages: [] }, reply10);
    getMetricData({ MetricDataQueries: queries(300, ['DiskUtilization'], []), StartTime: sec(Math.floor(from / 300_000) * 300_000), EndTime: end(300), ScanBy: 'TimestampAscending' }).reply(200, { MetricDataResults: [], Messages: [] }, reply10);
    getMetricData({ MetricDataQueries: queries(3600, ['DiskUtilization'], []), StartTime: sec(Math.floor(from / 3_600_000) * 3_600_000), EndTime: end(3600), ScanBy: 'TimestampAscending' }).reply(
      200,
      { MetricDataResults: [{ Id: 'm0', Timestamps: [sec(T0)], Values: [12.5], StatusCode: 'Complete' }], Messages: [] },
      reply10,
    );
    const { series, warnings } = await open().metrics(`sagemaker:${JOB}`, { names: ['disk.utilization'] });
    expect(series.map((s) => [s.name, s.node, s.points])).toEqual([['disk.utilization', 'algo-1', [{ timestamp: T0, value: 12.5 }]]]);
    expect(warnings.map((w) => w.message).join('\n')).toContain('60-minute averages');
  });
});

describe('S3', () => {
  it('lists the job prefix page by page (skipping checkpoints) and streams an object by its key', async () => {
    describeJob();
    const listing = (keys: [string, number][], next?: string) =>
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>prefix/${JOB}/</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${next ? `<NextContinuationToken>${next}</NextContinuationToken>` : ''}${keys
        .map(([key, size]) => `<Contents><Key>${key}</Key><LastModified>2025-03-03T10:00:00.000Z</LastModified><ETag>"x"</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
        .join('')}</ListBucketResult>`;
    nock(ENDPOINT).get('/bucket/').query({ 'list-type': '2', prefix: `prefix/${JOB}/` }).reply(200, listing([[`prefix/${JOB}/checkpoints/ckpt-1.pt`, 9_000_000], [`prefix/${JOB}/output/model.tar.gz`, 5]], 'continue-2'), { 'content-type': 'application/xml' });
    nock(ENDPOINT).get('/bucket/').query({ 'list-type': '2', prefix: `prefix/${JOB}/`, 'continuation-token': 'continue-2' }).reply(200, listing([[`prefix/${JOB}/output/output.tar.gz`, 3]]), { 'content-type': 'application/xml' });
    const artifacts = await open().artifacts(`sagemaker:${JOB}`);
    expect(artifacts).toEqual([
      { path: 'output/model.tar.gz', size: 5, modifiedAt: '2025-03-03T10:00:00.000Z', location: `s3://bucket/prefix/${JOB}/output/model.tar.gz` },
      { path: 'output/output.tar.gz', size: 3, modifiedAt: '2025-03-03T10:00:00.000Z', location: `s3://bucket/prefix/${JOB}/output/output.tar.gz` },
    ]);

    describeJob();
    nock(ENDPOINT).get(`/bucket/prefix/${JOB}/output/model.tar.gz`).query(true).reply(200, Buffer.from('model'), { 'content-length': '5' });
    const body = await runlens.openArtifact(`sagemaker:${JOB}`, 'output/model.tar.gz');
    const chunks: Uint8Array[] = [];
    for await (const chunk of body.body) chunks.push(chunk);
    expect(body.size).toBe(5);
    expect(Buffer.concat(chunks).toString()).toBe('model');
  });

  it('refuses paths that leave the job prefix or name a checkpoint, without a request', async () => {
    describeJob();
    await expect(open().openArtifact(`sagemaker:${JOB}`, '../other-job/output/model.tar.gz')).rejects.toMatchObject({ code: 'NotFound' });
    describeJob();
    await expect(runlens.openArtifact(`sagemaker:${JOB}`, 'checkpoints/ckpt-1.pt')).rejects.toMatchObject({ code: 'NotFound' });
  });
});
