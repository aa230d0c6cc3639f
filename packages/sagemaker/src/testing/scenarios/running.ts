// rl-running-2node: an InProgress job that grows when the emulator is told to advance.

import { SCENARIO_BUCKET, MINUTE, ROLE_ARN, algorithmMetric, channels, pytorchAlgorithm, round, scriptHyperParameters, seconds, streamName, systemMetrics, toolkitPreamble, transitions, trainingPhases } from './kit.js';
import type { ScenarioDelta, ScenarioJob } from './kit.js';
import { StreamWriter, hash32, toolkitTime } from '../fixtures.js';

export const RUNNING_JOB = { name: 'rl-running-2node', nodes: 2, created: Date.UTC(2025, 2, 8, 8, 0, 0), initialMinutes: 5 } as const;

/** The running job's script: `initial()` once, then `advance()` adds one minute of output per call. */
export class RunningJobScript {
  readonly name = RUNNING_JOB.name;
  private minute = 0;
  private readonly trainingStart = RUNNING_JOB.created + 98_000;
  private readonly containerStarts = [RUNNING_JOB.created + 175_000, RUNNING_JOB.created + 176_450];
  /** Training minute 0; a minute's lines are written at trainStart + minute * 60 s. */
  private readonly trainStart = RUNNING_JOB.created + 240_000;
  private readonly started = new Set<number>();

  initial(): ScenarioJob {
    const { name, nodes, created, initialMinutes } = RUNNING_JOB;
    const delta = this.minutes(initialMinutes, [1]);
    return {
      job: {
        TrainingJobName: name,
        TrainingJobStatus: 'InProgress',
        SecondaryStatus: 'Training',
        HyperParameters: scriptHyperParameters(name, { epochs: '5', lr: '0.0001', per_device_batch_size: '32' }),
        AlgorithmSpecification: pytorchAlgorithm(true),
        RoleArn: ROLE_ARN,
        InputDataConfig: channels('datasets/imdb'),
        OutputDataConfig: { S3OutputPath: `s3://${SCENARIO_BUCKET}/`, CompressionType: 'GZIP' },
        ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: nodes, VolumeSizeInGB: 100 },
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        CreationTime: created,
        TrainingStartTime: this.trainingStart,
        LastModifiedTime: this.containerStarts[0] ?? created,
        SecondaryStatusTransitions: transitions([
          { status: 'Starting', start: created, end: this.trainingStart, message: 'Preparing the instances for training' },
          { status: 'Downloading', start: this.trainingStart, end: this.containerStarts[0], message: 'Downloading input data' },
          { status: 'Training', start: this.containerStarts[0] ?? created, message: 'Training image download completed. Training in progress.' },
        ]),
      },
      streams: delta.streams,
      metrics: delta.metrics,
      objects: [],
    };
  }

  /** One more minute; the second node's stream appears on the first advance (its logs reach CloudWatch late). */
  advance(): ScenarioDelta {
    return this.minutes(1, [1, 2]);
  }

  /** Final lines and the Completed description, timed one minute after the last output. */
  finish(): ScenarioDelta {
    const end = this.trainStart + (this.minute + 1) * MINUTE;
    const streams = [...this.started].map((node) => {
      const writer = new StreamWriter(700 + node + this.minute);
      const done = end - 35_000;
      writer.burst(done, [
        `${toolkitTime(done)} sagemaker-training-toolkit INFO     Waiting for the process to finish and give a return code.`,
        `${toolkitTime(done)} sagemaker-training-toolkit INFO     Done waiting for a return code. Received 0 from exiting process.`,
        `${toolkitTime(done)} sagemaker-training-toolkit INFO     Reporting training SUCCESS`,
      ]);
      return { name: this.stream(node), creationTime: this.containerStart(node), events: writer.events };
    });
    const running = this.containerStarts[0] ?? RUNNING_JOB.created;
    return {
      streams,
      metrics: [],
      patch: {
        TrainingJobStatus: 'Completed',
        SecondaryStatus: 'Completed',
        TrainingEndTime: end,
        LastModifiedTime: end + 1_000,
        TrainingTimeInSeconds: seconds(this.trainingStart, end),
        BillableTimeInSeconds: seconds(this.trainingStart, end),
        ModelArtifacts: { S3ModelArtifacts: `s3://${SCENARIO_BUCKET}/${this.name}/output/model.tar.gz` },
        SecondaryStatusTransitions: transitions([
          ...trainingPhases(RUNNING_JOB.created, this.trainingStart, running, end - 30_000),
          { status: 'Uploading', start: end - 30_000, end, message: 'Uploading generated training model' },
          { status: 'Completed', start: end, end, message: 'Training job completed' },
        ]),
      },
    };
  }

  private containerStart(node: number): number {
    return this.containerStarts[node - 1] ?? RUNNING_JOB.created;
  }

  private stream(node: number): string {
    return streamName(this.name, node, this.containerStart(node));
  }

  private minutes(count: number, nodes: number[]): ScenarioDelta {
    const writers = new Map(nodes.map((node) => [node, new StreamWriter(800 + node * 1000 + this.minute)]));
    for (const node of nodes) {
      if (this.started.has(node)) continue;
      this.started.add(node);
      const writer = writers.get(node)!;
      const command = `torchrun --nnodes ${RUNNING_JOB.nodes} --nproc_per_node 1 --master_addr algo-1 --master_port 7777 --node_rank ${node - 1} train.py --epochs 5 --lr 0.0001 --per_device_batch_size 32`;
      toolkitPreamble(writer, this.containerStart(node), this.name, node, RUNNING_JOB.nodes, 'ml.g5.2xlarge', { epochs: 5, lr: 0.0001, per_device_batch_size: 32 }, command);
      // A late node's first lines can be older than what other streams already show.
      for (let minute = 1; minute <= this.minute; minute += 1) this.minuteLines(writer, node, minute);
    }
    const loss: { timestamp: number; value: number }[] = [];
    for (let i = 0; i < count; i += 1) {
      this.minute += 1;
      for (const [node, writer] of writers) {
        const value = this.minuteLines(writer, node, this.minute);
        if (value) loss.push(value);
      }
    }
    const metrics = [
      ...(loss.length > 0 ? [algorithmMetric(this.name, 'train:loss', loss)] : []),
      // One point per host and minute: (previous minute, this minute].
      ...nodes.flatMap((node) => systemMetrics(this.name, node, this.trainStart + (this.minute - count) * MINUTE + 1, this.trainStart + this.minute * MINUTE + 1, 0, 8)),
    ];
    return {
      streams: [...writers].map(([node, writer]) => ({ name: this.stream(node), creationTime: this.containerStart(node), events: writer.events })),
      metrics,
    };
  }

  /** Node 1 logs the loss line and a throughput line in the same millisecond; node 2 logs throughput at that millisecond too. */
  private minuteLines(writer: StreamWriter, node: number, minute: number): { timestamp: number; value: number } | undefined {
    const t = this.trainStart + minute * MINUTE + 11;
    const step = minute * 40;
    let metric: { timestamp: number; value: number } | undefined;
    if (node === 1) {
      const value = round(0.5 + 1.6 * Math.exp(-minute / 25) + (hash32(minute, 9) % 400) / 10_000, 4);
      writer.line(t, `epoch=1 step=${step} train:loss=${value.toFixed(4)} lr=1.000e-4`);
      metric = { timestamp: t, value };
    }
    writer.line(t, `[rank ${node - 1}] step=${step} samples/s=${(150 + (hash32(minute, node) % 90) / 10).toFixed(1)}`);
    writer.line(t + 20_000 + node, `[rank ${node - 1}] heartbeat step=${step} dataloader_wait_ms=${(hash32(node, minute) % 40) + 3}`);
    return metric;
  }
}
