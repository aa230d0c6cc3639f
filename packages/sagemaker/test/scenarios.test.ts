// The emulator's scenarios through the adapter: status and failure mapping for every seed-003 job,
// node counts, metric normalization, 60-node stream discovery and the artifact layout.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunlens, type LogRecord, type Runlens } from '@runlens/core';
import { sagemakerProvider } from '../src/index.js';
import { mapStatus } from '../src/convert-run.js';
import { instanceShape } from '../src/instances.js';
import { nodeOfStream } from '../src/logs.js';
import { withGaps } from '../src/metrics.js';
import {
  CAPACITY_FAILURE_REASON,
  COMPLETED_JOB,
  INVALID_VALUE_FAILURE_REASON,
  SCENARIO_BUCKET,
  SETUP_FAILURE_REASON,
  SIXTY_NODE_JOB,
  TRAINING_JOBS_NAMESPACE,
  completedFourNodeJob,
  startSagemakerEmulator,
  type SagemakerEmulator,
} from '../src/testing/index.js';
import { UNTHROTTLED } from './harness.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

let emulator: SagemakerEmulator;
let runlens: Runlens;

beforeAll(async () => {
  emulator = await startSagemakerEmulator();
  runlens = createRunlens({ providers: [sagemakerProvider], env: emulator.env, settings: { sagemaker: UNTHROTTLED }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
});
afterEach(() => emulator.resetRequests());
afterAll(async () => {
  await runlens?.close();
  await emulator?.close();
});

async function collect(iterable: AsyncIterable<LogRecord>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of iterable) out.push(record);
  return out;
}

describe('failures of seed 003 and the script scenarios', () => {
  const cases: [job: string, status: string, category: string, reason: RegExp][] = [
    ['rl-failed-hyperparameter', 'failed', 'invalid-hyperparameter', /Additional properties are not allowed \(u'mini_batch_siz' was unexpected\)/],
    ['rl-failed-invalid-value', 'failed', 'invalid-hyperparameter', /^AlgorithmError: u'abc' is not valid under any of the given schemas/],
    ['rl-failed-capacity', 'failed', 'capacity', /^CapacityError: Unable to provision/],
    ['rl-failed-oom', 'failed', 'out-of-memory', /CUDA out of memory/],
    ['rl-failed-setup', 'failed', 'setup', /^ClientError: No S3 objects found under S3 URL/],
    ['rl-failed-permission', 'failed', 'permission', /AccessDenied/],
    ['rl-stopped-timeout', 'stopped', 'timeout', /^MaxRuntimeExceeded: Training job exceeded MaxRuntimeInSeconds provided \(MaxRuntimeInSeconds 3600\)/],
    ['rl-stopped-user', 'stopped', 'stopped-by-user', /^Stopped by user request/],
  ];
  it.each(cases)('%s is %s / %s', async (job, status, category, reason) => {
    const run = await runlens.describe(`sagemaker:${job}`);
    expect(run.status).toBe(status);
    expect(run.failure?.category).toBe(category);
    expect(run.failure?.reason).toMatch(reason);
  });

  it('keeps the provider reason and its lines as evidence when it says why', async () => {
    const capacity = await runlens.describe('sagemaker:rl-failed-capacity');
    expect(capacity.failure).toMatchObject({ reason: CAPACITY_FAILURE_REASON, evidence: [CAPACITY_FAILURE_REASON], code: 'CapacityError' });
    const setup = await runlens.describe('sagemaker:rl-failed-setup');
    expect(setup.failure?.reason).toBe(SETUP_FAILURE_REASON);
    const invalid = await runlens.describe('sagemaker:rl-failed-invalid-value');
    expect(invalid.failure?.reason).toBe(INVALID_VALUE_FAILURE_REASON);
    expect(invalid.failure?.evidence[0]).toBe("AlgorithmError: u'abc' is not valid under any of the given schemas");
  });

  it('takes the evidence of a generic reason from the end of the logs', async () => {
    const run = await runlens.describe('sagemaker:rl-failed-hyperparameter');
    expect(run.failure?.evidence).toContain('AlgorithmError: See job logs for more information');
    expect(run.failure?.evidence.some((line) => line.startsWith('[algo-1] Traceback (most recent call last):'))).toBe(true);
  });

  it('classifies a generic reason from the log evidence with the SageMaker rules (data shape: invalid-input-data)', async () => {
    const bare = await runlens.describe('sagemaker:rl-failed-data-shape', { evidence: false });
    expect(bare.failure).toMatchObject({ category: 'unknown', reason: 'AlgorithmError: See job logs for more information' });
    // describe() reads the end of the logs and applies the provider's rules before core's.
    const run = await runlens.describe('sagemaker:rl-failed-data-shape');
    expect(run.failure?.category).toBe('invalid-input-data');
    expect(run.failure?.reason).toContain('cannot copy sequence with size 785 to array axis with dimension 784');
  });

  it('maps every TrainingJobStatus, including Deleting and values added later, without crashing', () => {
    expect(mapStatus('InProgress', 'Training', false)).toBe('running');
    expect(mapStatus('Stopping', 'Stopping', false)).toBe('running');
    expect(mapStatus('Deleting', 'Completed', true)).toBe('completed');
    expect(mapStatus('Deleting', 'Training', false)).toBe('stopped');
    expect(mapStatus('Paused', 'Pending', false)).toBe('running');
    expect(mapStatus(undefined, 'Failed', true)).toBe('failed');
  });

  it('describes Stopping as running with the provider status kept', async () => {
    emulator.putTrainingJob({ TrainingJobName: 'rl-stopping', TrainingJobStatus: 'Stopping', SecondaryStatus: 'Stopping' });
    const run = await runlens.describe('sagemaker:rl-stopping');
    expect([run.status, run.providerStatus, run.failure, run.endedAt]).toEqual(['running', 'Stopping', undefined, undefined]);
  });
});

describe('nodes', () => {
  it('counts a heterogeneous cluster over its instance groups', async () => {
    emulator.putTrainingJob({
      TrainingJobName: 'rl-heterogeneous',
      ResourceConfig: {
        VolumeSizeInGB: 100,
        InstanceGroups: [
          { InstanceGroupName: 'gpus', InstanceType: 'ml.p4d.24xlarge', InstanceCount: 2 },
          { InstanceGroupName: 'cpus', InstanceType: 'ml.c5.18xlarge', InstanceCount: 3 },
        ],
      },
    });
    const run = await runlens.describe('sagemaker:rl-heterogeneous');
    expect(run.nodes).toEqual(['algo-1', 'algo-2', 'algo-3', 'algo-4', 'algo-5'].map((name) => ({ name })));
  });

  it('names nodes from stream names and knows common instance shapes', () => {
    expect(nodeOfStream('job', 'job/algo-12-1741334674')).toBe('algo-12');
    expect(nodeOfStream('job', 'job/algo-3')).toBe('algo-3');
    expect(nodeOfStream('job', 'job/other-stream')).toBe('other-stream');
    expect(instanceShape('ml.g5.2xlarge')).toEqual({ vcpus: 8, gpus: 1 });
    expect(instanceShape('ml.p4d.24xlarge')).toEqual({ vcpus: 96, gpus: 8 });
    expect(instanceShape('ml.c4.8xlarge')).toEqual({ vcpus: 36, gpus: 0 });
    expect(instanceShape('ml.m5.xlarge')).toEqual({ vcpus: 4, gpus: 0 });
    expect(instanceShape('ml.q9.huge')).toBeUndefined();
  });

  it('discovers 60 streams over two DescribeLogStreams pages and merges them', async () => {
    const streams = await runlens.logStreams(`sagemaker:${SIXTY_NODE_JOB.name}`);
    expect(new Set(streams.map((s) => s.node)).size).toBe(60);
    const describeCalls = emulator.requests.filter((r) => r.operation === 'DescribeLogStreams');
    expect(describeCalls).toHaveLength(2);
    expect(describeCalls[1]?.body).toMatchObject({ logStreamNamePrefix: `${SIXTY_NODE_JOB.name}/`, limit: 50, nextToken: expect.any(String) });
    const records = await collect(await runlens.logs(`sagemaker:${SIXTY_NODE_JOB.name}`));
    expect(records).toHaveLength(60 * SIXTY_NODE_JOB.linesPerNode);
    expect(records.every((r, i) => i === 0 || records[i - 1]!.timestamp <= r.timestamp)).toBe(true);
  });
});

describe('metrics', () => {
  it('divides CPUUtilization by the vCPUs and GPU metrics by the GPUs, keeping the provider name', async () => {
    const scenario = completedFourNodeJob();
    const raw = scenario.metrics.find((m) => m.metricName === 'CPUUtilization' && m.dimensions[0]?.Value === `${COMPLETED_JOB.name}/algo-2`)!;
    const { series } = await runlens.metrics(`sagemaker:${COMPLETED_JOB.name}`, { names: ['cpu.utilization', 'gpu.utilization'], nodes: ['algo-2'] });
    const cpu = series.find((s) => s.name === 'cpu.utilization')!;
    expect(cpu.points.map((p) => p.value)).toEqual(raw.points.map((p) => p.value / 8));
    expect(cpu.points.every((p) => typeof p.value === 'number' && p.value <= 100)).toBe(true);
    expect(cpu).toMatchObject({ providerName: 'CPUUtilization', unit: 'percent' });
    expect(series.find((s) => s.name === 'gpu.utilization')?.note).toContain('the 1 GPU of ml.g5.2xlarge');
  });

  it('reads the MetricDefinitions series by TrainingJobName', async () => {
    const scenario = completedFourNodeJob();
    const loss = scenario.metrics.find((m) => m.metricName === 'train:loss')!;
    const { series } = await runlens.metrics(`sagemaker:${COMPLETED_JOB.name}`, { kind: 'training' });
    expect(series.map((s) => s.name).sort()).toEqual(['train:loss', 'validation:accuracy']);
    // CloudWatch answers with period-aligned timestamps: each point at the start of its minute.
    expect(series.find((s) => s.name === 'train:loss')?.points).toEqual(loss.points.map((p) => ({ timestamp: Math.floor(p.timestamp / 60_000) * 60_000, value: p.value })));
  });

  it('keeps raw sums and says so for an instance type it does not know; a final-only metric is one point', async () => {
    const start = Date.UTC(2025, 5, 1, 10, 0, 0);
    emulator.putTrainingJob({
      TrainingJobName: 'rl-unknown-type',
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      ResourceConfig: { InstanceType: 'ml.q9.huge' as never, InstanceCount: 1, VolumeSizeInGB: 10 },
      CreationTime: start - 60_000,
      TrainingStartTime: start,
      TrainingEndTime: start + 600_000,
      FinalMetricDataList: [{ MetricName: 'validation:rmse', Value: 0.5, Timestamp: start + 590_000 }],
    });
    emulator.putMetricData({ namespace: TRAINING_JOBS_NAMESPACE, metricName: 'CPUUtilization', dimensions: [{ Name: 'Host', Value: 'rl-unknown-type/algo-1' }], points: [0, 1, 3].map((k) => ({ timestamp: start + k * 60_000, value: 300 + k })) });
    const { series, warnings } = await runlens.metrics('sagemaker:rl-unknown-type');
    const cpu = series.find((s) => s.name === 'cpu.utilization')!;
    expect(cpu.points.map((p) => p.value)).toEqual([300, 301, null, 303]);
    expect(cpu.note).toContain('not known to runlens');
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/ml\.q9\.huge is not known to runlens/);
    expect(series.find((s) => s.name === 'validation:rmse')).toMatchObject({ kind: 'training', points: [{ timestamp: start + 590_000, value: 0.5 }] });
  });

  it('keeps missing minutes as null between points and invents nothing at the ends', () => {
    const p = (minute: number, value: number) => ({ timestamp: minute * 60_000, value });
    expect(withGaps([p(1, 1), p(2, 2), p(5, 5)], 60_000).map((x) => x.value)).toEqual([1, 2, null, null, 5]);
    expect(withGaps([], 60_000)).toEqual([]);
  });

  it('asks nothing of CloudWatch for a job that never started an instance', async () => {
    const { series } = await runlens.metrics('sagemaker:rl-failed-capacity');
    expect(series).toEqual([]);
    expect(emulator.requests.filter((r) => r.operation === 'GetMetricData')).toHaveLength(0);
  });
});

describe('artifacts', () => {
  it('lists the job prefix without the checkpoints, with s3:// locations, and streams exact bytes', async () => {
    const listed = await runlens.artifacts(`sagemaker:${COMPLETED_JOB.name}`);
    expect(listed.map((a) => a.path)).toEqual(['output/model.tar.gz', 'output/output.tar.gz', 'source/sourcedir.tar.gz']);
    expect(listed[0]?.location).toBe(`s3://${SCENARIO_BUCKET}/${COMPLETED_JOB.name}/output/model.tar.gz`);
    const model = completedFourNodeJob().objects.find((o) => o.key.endsWith('output/model.tar.gz'))!;
    expect(listed[0]?.size).toBe((model.body as Buffer).length);
    const body = await runlens.openArtifact(`sagemaker:${COMPLETED_JOB.name}`, 'output/model.tar.gz');
    const chunks: Uint8Array[] = [];
    for await (const chunk of body.body) chunks.push(chunk);
    expect(Buffer.compare(Buffer.concat(chunks), model.body as Buffer)).toBe(0);
  });

  it('lists a model artifact kept outside the job prefix as model/<name>', async () => {
    emulator.putTrainingJob({ TrainingJobName: 'rl-external-model', OutputDataConfig: { S3OutputPath: 's3://rl-bucket/outputs' }, ModelArtifacts: { S3ModelArtifacts: 's3://rl-models/exported/model.tar.gz' } });
    emulator.putObject('rl-bucket', 'outputs/rl-external-model/output/output.tar.gz', Buffer.from('out'));
    emulator.putObject('rl-models', 'exported/model.tar.gz', Buffer.from('model!'));
    const listed = await runlens.artifacts('sagemaker:rl-external-model');
    expect(listed.map((a) => [a.path, a.size, a.location])).toEqual([
      ['output/output.tar.gz', 3, 's3://rl-bucket/outputs/rl-external-model/output/output.tar.gz'],
      ['model/model.tar.gz', 6, 's3://rl-models/exported/model.tar.gz'],
    ]);
    const body = await runlens.openArtifact('sagemaker:rl-external-model', 'model/model.tar.gz');
    const chunks: Uint8Array[] = [];
    for await (const chunk of body.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('model!');
  });
});

describe('descriptions of a run that has ended are reused (reuseEndedRunsMs, set by the CLI)', () => {
  const describes = () => emulator.requests.filter((r) => r.operation === 'DescribeTrainingJob').length;

  it('one DescribeTrainingJob for describe, metrics, artifacts and logs of a completed job (SageMaker allows 8/s)', async () => {
    emulator.resetRequests();
    const ref = `sagemaker:${COMPLETED_JOB.name}`;
    // With a fresh instance: the cache is per runlens instance.
    const fresh = createRunlens({ providers: [sagemakerProvider], env: emulator.env, settings: { sagemaker: UNTHROTTLED }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, reuseEndedRunsMs: 60_000 });
    try {
      await fresh.describe(ref, { evidence: false });
      await fresh.metrics(ref, { kind: 'training' });
      await fresh.artifacts(ref);
      await collect(await fresh.logs(ref, { tail: 3 }));
      expect(describes()).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('a running job is described again by every call (its status moves)', async () => {
    emulator.resetRequests();
    const fresh = createRunlens({ providers: [sagemakerProvider], env: emulator.env, settings: { sagemaker: UNTHROTTLED }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, reuseEndedRunsMs: 60_000 });
    try {
      await fresh.describe('sagemaker:rl-running-2node', { evidence: false });
      await fresh.describe('sagemaker:rl-running-2node', { evidence: false });
      expect(describes()).toBe(2);
    } finally {
      await fresh.close();
    }
  });
});
