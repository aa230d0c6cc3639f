// Seeds core's neutral RunFixture into the SageMaker emulator in AWS's own terms: a DescribeTrainingJob
// record, one CloudWatch stream per node named `<job>/algo-N-<epoch seconds>`, CloudWatch metrics
// (CPUUtilization summed over the instance's vCPUs) and S3 objects under `<S3OutputPath>/<job>/`.
import type { ConformanceBackend, RunFixture } from '@runlens/core/testing';
import type { RunStatus } from '@runlens/core';
import { TRAINING_JOBS_NAMESPACE, startSagemakerEmulator, type EmulatorOptions, type SagemakerEmulator } from '../src/testing/index.js';

export const HARNESS_BUCKET = 'conformance-bucket';
/** 4 vCPUs, no GPU: CloudWatch's CPUUtilization is 0-400 on it. */
export const HARNESS_INSTANCE = 'ml.m5.xlarge';
const VCPUS = 4;

const STATUS: Record<RunStatus, { TrainingJobStatus: 'InProgress' | 'Completed' | 'Failed' | 'Stopped'; SecondaryStatus: 'Training' | 'Completed' | 'Failed' | 'Stopped' | 'Starting' }> = {
  pending: { TrainingJobStatus: 'InProgress', SecondaryStatus: 'Starting' },
  running: { TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' },
  completed: { TrainingJobStatus: 'Completed', SecondaryStatus: 'Completed' },
  failed: { TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed' },
  stopped: { TrainingJobStatus: 'Stopped', SecondaryStatus: 'Stopped' },
};

const PROVIDER_NAMES: Record<string, string> = {
  'cpu.utilization': 'CPUUtilization',
  'memory.utilization': 'MemoryUtilization',
  'gpu.utilization': 'GPUUtilization',
  'gpu.memory.utilization': 'GPUMemoryUtilization',
  'disk.utilization': 'DiskUtilization',
};

export interface SeededJobs {
  /** Job name by ref. */
  readonly names: Map<string, string>;
  /** Stream name by `<job>|<node>`. */
  readonly streams: Map<string, string>;
  seed(fixture: RunFixture): string;
  appendLogs(ref: string, node: string, lines: readonly { timestamp: number; message: string }[]): void;
  setStatus(ref: string, status: RunStatus): void;
}

export function seeder(emulator: SagemakerEmulator): SeededJobs {
  const names = new Map<string, string>();
  const streams = new Map<string, string>();
  const lastLog = new Map<string, number>();
  let count = 0;

  const streamFor = (job: string, node: string, firstTimestamp: number): string => {
    const key = `${job}|${node}`;
    let stream = streams.get(key);
    if (!stream) {
      stream = `${job}/${node}-${Math.floor(firstTimestamp / 1000)}`;
      streams.set(key, stream);
    }
    return stream;
  };
  const put = (job: string, node: string, lines: readonly { timestamp: number; message: string }[]) => {
    if (lines.length === 0) return;
    emulator.putLogEvents(streamFor(job, node, lines[0]!.timestamp), lines.map((l) => ({ timestamp: l.timestamp, message: l.message })));
    lastLog.set(job, Math.max(lastLog.get(job) ?? 0, ...lines.map((l) => l.timestamp)));
  };

  return {
    names,
    streams,
    seed(fixture) {
      const name = `${fixture.name}-${++count}`.slice(0, 63);
      const training = [...new Set((fixture.metrics ?? []).filter((s) => s.kind === 'training').map((s) => s.name))];
      emulator.putTrainingJob({
        TrainingJobName: name,
        ...STATUS[fixture.status],
        HyperParameters: { epochs: '3' },
        AlgorithmSpecification: {
          TrainingImage: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311',
          TrainingInputMode: 'File',
          ...(training.length > 0 ? { MetricDefinitions: training.map((metric) => ({ Name: metric, Regex: `${metric}=([0-9.]+)` })) } : {}),
        },
        ResourceConfig: { InstanceType: HARNESS_INSTANCE, InstanceCount: fixture.nodes.length, VolumeSizeInGB: 30 },
        OutputDataConfig: { S3OutputPath: `s3://${HARNESS_BUCKET}/` },
        ModelArtifacts: { S3ModelArtifacts: `s3://${HARNESS_BUCKET}/${name}/output/model.tar.gz` },
        CreationTime: fixture.startedAt - 60_000,
        TrainingStartTime: fixture.startedAt,
        LastModifiedTime: fixture.endedAt ?? fixture.startedAt,
        ...(fixture.endedAt !== undefined && fixture.status !== 'running' ? { TrainingEndTime: fixture.endedAt } : {}),
        SecondaryStatusTransitions: [{ Status: 'Training', StartTime: fixture.startedAt, StatusMessage: 'Training image download completed. Training in progress.' }],
      });
      for (const node of fixture.nodes) put(name, node, fixture.logs[node] ?? []);
      for (const series of fixture.metrics ?? []) {
        const points = series.points.filter((p) => p.value !== null).map((p) => ({ timestamp: p.timestamp, value: p.value as number }));
        if (series.kind === 'system') {
          const scale = series.name === 'cpu.utilization' ? VCPUS : 1;
          emulator.putMetricData({ namespace: TRAINING_JOBS_NAMESPACE, metricName: PROVIDER_NAMES[series.name] ?? series.name, dimensions: [{ Name: 'Host', Value: `${name}/${series.node}` }], points: points.map((p) => ({ ...p, value: p.value * scale })) });
        } else {
          emulator.putMetricData({ namespace: TRAINING_JOBS_NAMESPACE, metricName: series.name, dimensions: [{ Name: 'TrainingJobName', Value: name }], points });
        }
      }
      for (const artifact of fixture.artifacts ?? []) emulator.putObject(HARNESS_BUCKET, `${name}/${artifact.path}`, Buffer.from(artifact.content));
      const ref = `sagemaker:${name}`;
      names.set(ref, name);
      return ref;
    },
    appendLogs(ref, node, lines) {
      put(names.get(ref)!, node, lines);
    },
    setStatus(ref, status) {
      const name = names.get(ref)!;
      const end = (lastLog.get(name) ?? Date.now()) + 1_000;
      emulator.updateTrainingJob(name, { ...STATUS[status], ...(status === 'running' || status === 'pending' ? {} : { TrainingEndTime: end }) });
    },
  };
}

/** Core's follow policy for tests: polls every few ms (RunlensOptions.follow; no provider sets it). */
export const FAST_FOLLOW = { statusPollMs: 50, streamDiscoveryMs: 50, pollMs: { min: 40, max: 80 } } as const;
/** Settings that make tests quick: the emulator has no quotas to respect. */
export const UNTHROTTLED = { rates: { DescribeTrainingJob: 1000, ListTrainingJobs: 1000, DescribeLogStreams: 1000, GetLogEvents: 1000, GetMetricData: 1000, ListObjectsV2: 1000, HeadObject: 1000, GetObject: 1000 } } as const;

export async function startBackend(options: EmulatorOptions = {}, settings: Record<string, unknown> = {}): Promise<ConformanceBackend & { emulator: SagemakerEmulator; jobs: SeededJobs }> {
  const emulator = await startSagemakerEmulator({ scenarios: false, ...options });
  const jobs = seeder(emulator);
  return {
    emulator,
    jobs,
    env: emulator.env,
    settings: { ...UNTHROTTLED, ...settings },
    seed: async (fixture) => jobs.seed(fixture),
    appendLogs: async (ref, node, lines) => jobs.appendLogs(ref, node, lines),
    setStatus: async (ref, status) => jobs.setStatus(ref, status),
    close: () => emulator.close(),
  };
}
