// Listings never end early with success: a page that claims more (S3 IsTruncated) but gives no
// token, or a token that comes back unchanged from a listing API, is a ProviderError (exit 5).
// Checked on the wire with nock (the AWS SDK goes through node:http).
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunlens, type Runlens } from '@runlens/core';
import { failureOf as failure } from '@runlens/core/testing';
import { sagemakerProvider } from '../src/index.js';
import { UNTHROTTLED } from './harness.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const ENDPOINT = 'http://aws.test';
const ENV = { AWS_ENDPOINT_URL: ENDPOINT, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDLISTINGTEST0000', AWS_SECRET_ACCESS_KEY: 'listing-test-secret' };
const JOB = 'job-t';
const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);
const sec = (ms: number) => ms / 1000;
const reply11 = { 'content-type': 'application/x-amz-json-1.1' };

const json11 = (target: string, body: nock.DataMatcherMap) =>
  nock(ENDPOINT).post('/', body).matchHeader('x-amz-target', target).matchHeader('content-type', 'application/x-amz-json-1.1');

function describeJob() {
  return json11('SageMaker.DescribeTrainingJob', { TrainingJobName: JOB }).reply(
    200,
    {
      TrainingJobName: JOB,
      TrainingJobArn: `arn:aws:sagemaker:us-east-1:123456789012:training-job/${JOB}`,
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      CreationTime: sec(T0),
      TrainingStartTime: sec(T0 + 100_000),
      TrainingEndTime: sec(T0 + 3_600_000),
      AlgorithmSpecification: { TrainingImage: 'img', TrainingInputMode: 'File' },
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      OutputDataConfig: { S3OutputPath: 's3://bucket/prefix' },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    },
    reply11,
  );
}

function listing(keys: string[], truncated: boolean, next?: string): string {
  const contents = keys.map((k) => `<Contents><Key>${k}</Key><LastModified>2025-03-03T10:00:00.000Z</LastModified><ETag>"x"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>prefix/${JOB}/</Prefix>` +
    `<KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next ? `<NextContinuationToken>${next}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`
  );
}

let runlens: Runlens;
beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  await runlens?.close();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected request was sent').toEqual([]);
});
afterAll(() => nock.enableNetConnect());

function open(): Runlens {
  runlens = createRunlens({ providers: [sagemakerProvider], env: ENV, settings: { sagemaker: { ...UNTHROTTLED } }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  return runlens;
}

describe('S3 ListObjectsV2', () => {
  it('a page with IsTruncated=true and no NextContinuationToken is a ProviderError, not the end of the outputs', async () => {
    describeJob();
    nock(ENDPOINT).get('/bucket/').query({ 'list-type': '2', prefix: `prefix/${JOB}/` }).reply(200, listing([`prefix/${JOB}/output/a.bin`], true, 'page-2'), { 'content-type': 'application/xml' });
    nock(ENDPOINT).get('/bucket/').query({ 'list-type': '2', prefix: `prefix/${JOB}/`, 'continuation-token': 'page-2' }).reply(200, listing([`prefix/${JOB}/output/b.bin`], true), { 'content-type': 'application/xml' });
    const error = await failure(open().artifacts(`sagemaker:${JOB}`));
    expect(error.code).toBe('ProviderError');
    expect(error.message).toMatch(/S3 listing of s3:\/\/bucket\/prefix\/job-t\/ was cut short: page 2 says it is truncated but gives no marker or token/);
  });

  it('IsTruncated=false ends the listing even next to a stray token', async () => {
    describeJob();
    nock(ENDPOINT).get('/bucket/').query({ 'list-type': '2', prefix: `prefix/${JOB}/` }).reply(200, listing([`prefix/${JOB}/output/a.bin`], false, 'stray'), { 'content-type': 'application/xml' });
    expect((await open().artifacts(`sagemaker:${JOB}`)).map((a) => a.path)).toEqual(['output/a.bin']);
  });
});

describe('token listings', () => {
  it('ListTrainingJobs answering the NextToken it was sent is a ProviderError', async () => {
    const base = { MaxResults: 100, SortBy: 'CreationTime', SortOrder: 'Descending' };
    const summary = { TrainingJobName: 'j', TrainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/j', CreationTime: sec(T0), TrainingJobStatus: 'Completed' };
    json11('SageMaker.ListTrainingJobs', base).reply(200, { TrainingJobSummaries: [summary], NextToken: 'again' }, reply11);
    json11('SageMaker.ListTrainingJobs', { ...base, NextToken: 'again' }).reply(200, { TrainingJobSummaries: [], NextToken: 'again' }, reply11);
    const error = await failure(open().list({ providers: ['sagemaker'] }));
    expect(error).toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/ListTrainingJobs did not advance: page 2 gave the same token again/) });
  });

  it('DescribeLogStreams answering the nextToken it was sent is a ProviderError', async () => {
    describeJob();
    const streams = { logGroupName: '/aws/sagemaker/TrainingJobs', logStreamNamePrefix: `${JOB}/`, limit: 50 };
    json11('Logs_20140328.DescribeLogStreams', streams).reply(200, { logStreams: [{ logStreamName: `${JOB}/algo-1-1741000200` }], nextToken: 's-2' }, reply11);
    json11('Logs_20140328.DescribeLogStreams', { ...streams, nextToken: 's-2' }).reply(200, { logStreams: [], nextToken: 's-2' }, reply11);
    const error = await failure(open().logStreams(`sagemaker:${JOB}`));
    expect(error).toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/DescribeLogStreams did not advance/) });
  });
});

describe('awkward S3 keys through the emulator', () => {
  it('keys with spaces, non-ASCII characters and deep prefixes download byte for byte; folder markers are skipped', async () => {
    nock.enableNetConnect('127.0.0.1');
    const { startSagemakerEmulator } = await import('../src/testing/index.js');
    const emulator = await startSagemakerEmulator();
    try {
      const name = 'awkward-keys';
      emulator.putTrainingJob({ TrainingJobName: name, TrainingJobStatus: 'Completed', SecondaryStatus: 'Completed', OutputDataConfig: { S3OutputPath: 's3://awkward-bucket/' } });
      const deep = `deep/${Array.from({ length: 12 }, (_, i) => `level-${i}`).join('/')}/`;
      const bodies: Record<string, Buffer> = {
        'output/with space.txt': Buffer.from('space\n'),
        'output/ünïcödé/数据 集/模型.bin': Buffer.from([0, 255, 1, 254, 0x80, 0x0a, 0x0d]),
        "output/odd!'()*&=+;,@$#%[].txt": Buffer.from('punctuation'),
        [`output/${deep}leaf.json`]: Buffer.from('{"deep":true}'),
      };
      for (const [path, body] of Object.entries(bodies)) emulator.putObject('awkward-bucket', `${name}/${path}`, body);
      emulator.putObject('awkward-bucket', `${name}/output/ünïcödé/`, Buffer.alloc(0));
      emulator.putObject('awkward-bucket', `${name}/output/${deep}`, Buffer.alloc(0));
      runlens = createRunlens({ providers: [sagemakerProvider], env: { ...emulator.env }, settings: { sagemaker: { ...UNTHROTTLED } }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
      const listed = await runlens.artifacts(`sagemaker:${name}`);
      expect(listed.map((a) => a.path).sort()).toEqual(Object.keys(bodies).sort());
      for (const artifact of listed) {
        const body = await runlens.openArtifact(`sagemaker:${name}`, artifact.path);
        const chunks: Uint8Array[] = [];
        for await (const chunk of body.body) chunks.push(chunk);
        expect(Buffer.concat(chunks)).toEqual(bodies[artifact.path]);
      }
    } finally {
      await runlens.close();
      await emulator.close();
      nock.disableNetConnect();
    }
  });
});
