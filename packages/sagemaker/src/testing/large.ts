// rl-large-16node: a job whose log events are computed from (node, index) on demand, so a
// benchmark can read millions of lines while the emulator's memory stays flat.

import { ACCOUNT_ID, REGION } from './wire.js';
import type { LazyEvents } from './logs.js';
import type { TrainingJobSeed } from './sagemaker.js';
import { epochSeconds, hash32, toolkitTime } from './fixtures.js';

export interface LargeJobOptions {
  /** Default 16. */
  nodes?: number;
  /** Default 100 000. */
  linesPerNode?: number;
  /** Epoch ms of node 1's first line; default 2025-03-09T08:00:00Z. */
  startTime?: number;
}

export interface LargeJobSpec {
  name: string;
  nodes: number;
  linesPerNode: number;
  startTime: number;
}

/** Lines come in flushes of 3 sharing one timestamp, 30 ms apart. */
const LINES_PER_FLUSH = 3;
const FLUSH_INTERVAL_MS = 30;
/** Node N starts (N-1) x 1.2 s after node 1 — a multiple of the flush interval, so timestamps also collide across nodes. */
const NODE_OFFSET_MS = 1_200;

export function largeJobSpec(name: string, options: LargeJobOptions = {}): LargeJobSpec {
  const spec = { name, nodes: options.nodes ?? 16, linesPerNode: options.linesPerNode ?? 100_000, startTime: options.startTime ?? Date.UTC(2025, 2, 9, 8, 0, 0) };
  if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || !Number.isInteger(spec.linesPerNode) || spec.linesPerNode < 1) {
    throw new Error('seedLargeJob needs positive integer nodes and linesPerNode');
  }
  return spec;
}

function containerStart(spec: LargeJobSpec, node: number): number {
  return spec.startTime + (node - 1) * NODE_OFFSET_MS;
}

export function largeJobStreamName(spec: LargeJobSpec, node: number): string {
  return `${spec.name}/algo-${node}-${epochSeconds(containerStart(spec, node))}`;
}

/** Event `index` (0-based) of node `node` (1-based): a ~110-byte training log line. */
export function largeJobEvent(spec: LargeJobSpec, node: number, index: number): { timestamp: number; message: string; ingestionTime: number } {
  const timestamp = containerStart(spec, node) + Math.floor(index / LINES_PER_FLUSH) * FLUSH_INTERVAL_MS;
  const h = hash32(node, index);
  const step = index + 1;
  const epoch = Math.floor((index * 4) / spec.linesPerNode) + 1;
  const prefix = `[${toolkitTime(timestamp)} algo-${node} rank=${node - 1}]`;
  const message =
    index % 50 === 49
      ? `${prefix} eval step=${step} eval_loss=${(0.4 + (h % 5000) / 20_000).toFixed(5)} eval_accuracy=${(0.8 + (h % 1700) / 10_000).toFixed(4)} samples=2048`
      : `${prefix} epoch=${epoch} step=${step} loss=${(0.3 + 2 * Math.exp(-index / 20_000) + (h % 1000) / 50_000).toFixed(5)} lr=${(3e-4 * (1 - index / (spec.linesPerNode * 1.1))).toExponential(2)} grad_norm=${(0.4 + (h % 997) / 1000).toFixed(3)} tok/s=${110_000 + (h % 20_000)}`;
  return { timestamp, message, ingestionTime: timestamp + 200 + (h % 700) };
}

export function largeJob(spec: LargeJobSpec): { job: TrainingJobSeed; streams: { name: string; creationTime: number; events: LazyEvents }[] } {
  const lastTimestamp = largeJobEvent(spec, spec.nodes, spec.linesPerNode - 1).timestamp;
  const created = spec.startTime - 5 * 60_000;
  const trainingStart = spec.startTime - 2 * 60_000;
  const end = lastTimestamp + 60_000;
  const job: TrainingJobSeed = {
    TrainingJobName: spec.name,
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    AlgorithmSpecification: {
      TrainingImage: `763104351884.dkr.ecr.${REGION}.amazonaws.com/pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker`,
      TrainingInputMode: 'FastFile',
    },
    RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/RunlensSageMakerRole`,
    ResourceConfig: { InstanceType: 'ml.p4d.24xlarge', InstanceCount: spec.nodes, VolumeSizeInGB: 500 },
    ModelArtifacts: { S3ModelArtifacts: `s3://rl-bucket/${spec.name}/output/model.tar.gz` },
    CreationTime: created,
    TrainingStartTime: trainingStart,
    TrainingEndTime: end,
    LastModifiedTime: end + 1_000,
    SecondaryStatusTransitions: [
      { Status: 'Starting', StartTime: created, EndTime: trainingStart, StatusMessage: 'Preparing the instances for training' },
      { Status: 'Training', StartTime: trainingStart, EndTime: end, StatusMessage: 'Training image download completed. Training in progress.' },
      { Status: 'Completed', StartTime: end, EndTime: end, StatusMessage: 'Training job completed' },
    ],
    TrainingTimeInSeconds: Math.round((end - trainingStart) / 1000),
    BillableTimeInSeconds: Math.round((end - trainingStart) / 1000),
  };
  const streams = Array.from({ length: spec.nodes }, (_, index) => {
    const node = index + 1;
    return {
      name: largeJobStreamName(spec, node),
      creationTime: containerStart(spec, node),
      events: { count: spec.linesPerNode, eventAt: (i: number) => largeJobEvent(spec, node, i) },
    };
  });
  return { job, streams };
}
