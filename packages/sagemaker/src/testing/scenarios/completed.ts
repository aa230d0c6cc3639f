// rl-completed-4node (a distributed PyTorch job with metrics and artifacts) and rl-60node (more
// streams than one DescribeLogStreams page).

import { SCENARIO_BUCKET, GIB, MINUTE, ROLE_ARN, algorithmMetric, channels, pytorchAlgorithm, round, scriptHyperParameters, seconds, streamName, systemMetrics, toolkitPreamble, transitions, trainingPhases } from './kit.js';
import type { ScenarioJob, ScenarioObject } from './kit.js';
import type { TrainingJobSeed } from '../sagemaker.js';
import { StreamWriter, generatedBody, prng, tarGz, toolkitTime } from '../fixtures.js';

// rl-completed-4node: a distributed PyTorch job, 4 x ml.g5.2xlarge, 3 epochs in 180 minutes.

export const COMPLETED_JOB = {
  name: 'rl-completed-4node',
  nodes: 4,
  created: Date.UTC(2025, 2, 3, 9, 0, 0),
  trainingMinutes: 180,
  stepsPerMinute: 50,
  validationEveryMinutes: 20,
} as const;

export function completedFourNodeJob(): ScenarioJob {
  const { name, nodes, created, trainingMinutes, stepsPerMinute, validationEveryMinutes } = COMPLETED_JOB;
  const trainingStart = created + 100_000;
  const downloadEnd = created + 190_000;
  const rendezvous = created + 300_000;
  const scriptEnd = rendezvous + trainingMinutes * MINUTE + 45_000;
  const uploadStart = scriptEnd + 1_500;
  const end = uploadStart + 50_000;
  const hyperparameters = { epochs: 3, lr: 0.0003, per_device_batch_size: 16 };
  const random = prng(4);
  const loss: { timestamp: number; value: number }[] = [];
  const accuracy: { timestamp: number; value: number }[] = [];
  const writers = Array.from({ length: nodes }, (_, index) => new StreamWriter(100 + index));
  const starts = writers.map((_, index) => downloadEnd + 1_500 * index + 317 * (index + 1));

  writers.forEach((writer, index) => {
    const node = index + 1;
    const command = `torchrun --nnodes ${nodes} --nproc_per_node 1 --master_addr algo-1 --master_port 7777 --node_rank ${index} train.py --epochs 3 --lr 0.0003 --per_device_batch_size 16`;
    const t = toolkitPreamble(writer, starts[index] ?? downloadEnd, name, node, nodes, 'ml.g5.2xlarge', hyperparameters, command);
    const pid = 88 + node * 3;
    writer.line(t + 20_400 + node * 11, `algo-${node}:${pid}:${pid} [0] NCCL INFO Bootstrap : Using eth0:10.0.101.${10 + node}<0>`);
    writer.line(t + 20_400 + node * 11, `algo-${node}:${pid}:${pid} [0] NCCL INFO NET/OFI Using aws-ofi-nccl 1.9.1-aws`);
    // All ranks finish the rendezvous in the same millisecond.
    writer.line(rendezvous, `[rank ${index}] Rendezvous complete: world_size=${nodes} master=algo-1:7777`);
    writer.line(rendezvous + 48, `algo-${node}:${pid}:${pid + 40} [0] NCCL INFO comm 0x55d${(4096 + node * 977).toString(16)} rank ${index} nranks ${nodes} cudaDev 0 busId 1e0 - Init COMPLETE`);
  });

  for (let minute = 1; minute <= trainingMinutes; minute += 1) {
    const t = rendezvous + minute * MINUTE + 7;
    const step = minute * stepsPerMinute;
    const epoch = Math.min(3, Math.floor((minute - 1) / 60) + 1);
    const value = round(0.35 + 1.95 * Math.exp(-minute / 45) + (random() - 0.5) * 0.04, 4);
    loss.push({ timestamp: t, value });
    writers[0]?.line(t, `epoch=${epoch} step=${step} train:loss=${value.toFixed(4)} lr=${(0.0003 * (1 - minute / (trainingMinutes + 20))).toExponential(3)} grad_norm=${(0.6 + random()).toFixed(3)}`);
    writers.forEach((writer, index) => {
      writer.line(t, `[rank ${index}] step=${step} samples/s=${(141 + random() * 12).toFixed(1)} gpu_mem=${(17.1 + random() * 0.6).toFixed(2)}GiB`);
    });
    if (minute % validationEveryMinutes === 0) {
      const v = t + 31_000;
      const acc = round(0.62 + 0.3 * (1 - Math.exp(-minute / 60)) + (random() - 0.5) * 0.008, 4);
      accuracy.push({ timestamp: v, value: acc });
      writers.forEach((writer, index) => writer.line(v, `[rank ${index}] validation shard ${index + 1}/${nodes} done: 1250 samples`));
      writers[0]?.burst(v, [
        `epoch=${epoch} step=${step} validation:accuracy=${acc.toFixed(4)} validation:loss=${(value * 1.08).toFixed(4)}`,
        `Saved checkpoint to /opt/ml/checkpoints/checkpoint-${step}.pt`,
      ]);
    }
  }
  writers[0]?.burst(scriptEnd - 2_000, ['Training complete. Saving model to /opt/ml/model', `Final train:loss=${loss.at(-1)?.value.toFixed(4)} validation:accuracy=${accuracy.at(-1)?.value.toFixed(4)}`]);
  writers.forEach((writer) => {
    writer.line(scriptEnd, `${toolkitTime(scriptEnd)} sagemaker-training-toolkit INFO     Waiting for the process to finish and give a return code.`);
    writer.line(scriptEnd + 1, `${toolkitTime(scriptEnd + 1)} sagemaker-training-toolkit INFO     Done waiting for a return code. Received 0 from exiting process.`);
    writer.line(scriptEnd + 1, `${toolkitTime(scriptEnd + 1)} sagemaker-training-toolkit INFO     Reporting training SUCCESS`);
  });

  const outputPrefix = `${name}/output`;
  const checkpoints = accuracy.map((_, index) => (index + 1) * validationEveryMinutes * stepsPerMinute);
  const job: TrainingJobSeed = {
    TrainingJobName: name,
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    HyperParameters: scriptHyperParameters(name, { epochs: '3', lr: '0.0003', per_device_batch_size: '16' }),
    AlgorithmSpecification: pytorchAlgorithm(true),
    RoleArn: ROLE_ARN,
    InputDataConfig: channels('datasets/imdb'),
    OutputDataConfig: { S3OutputPath: `s3://${SCENARIO_BUCKET}/`, CompressionType: 'GZIP' },
    CheckpointConfig: { S3Uri: `s3://${SCENARIO_BUCKET}/${name}/checkpoints/`, LocalPath: '/opt/ml/checkpoints' },
    ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: nodes, VolumeSizeInGB: 100 },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    ModelArtifacts: { S3ModelArtifacts: `s3://${SCENARIO_BUCKET}/${outputPrefix}/model.tar.gz` },
    CreationTime: created,
    TrainingStartTime: trainingStart,
    TrainingEndTime: end,
    LastModifiedTime: end + 2_000,
    SecondaryStatusTransitions: transitions([
      ...trainingPhases(created, trainingStart, downloadEnd, uploadStart),
      { status: 'Uploading', start: uploadStart, end, message: 'Uploading generated training model' },
      { status: 'Completed', start: end, end, message: 'Training job completed' },
    ]),
    FinalMetricDataList: [
      { MetricName: 'train:loss', Value: loss.at(-1)?.value ?? 0, Timestamp: loss.at(-1)?.timestamp ?? end },
      { MetricName: 'validation:accuracy', Value: accuracy.at(-1)?.value ?? 0, Timestamp: accuracy.at(-1)?.timestamp ?? end },
    ],
    TrainingTimeInSeconds: seconds(trainingStart, end),
    BillableTimeInSeconds: seconds(trainingStart, end),
    Environment: {},
  };
  const objects: ScenarioObject[] = [
    { bucket: SCENARIO_BUCKET, key: `${name}/source/sourcedir.tar.gz`, body: tarGz({ 'train.py': TRAIN_PY, 'requirements.txt': 'datasets==2.19.1\nevaluate==0.4.2\naccelerate==0.30.1\n' }, created - MINUTE), lastModified: created - MINUTE, contentType: 'application/x-tar' },
    { bucket: SCENARIO_BUCKET, key: `${outputPrefix}/model.tar.gz`, body: tarGz({ 'config.json': JSON.stringify({ architectures: ['DistilBertForSequenceClassification'], num_labels: 2 }, null, 2), 'model.safetensors': generatedBody(41, 64 * 1024).generate(0, 64 * 1024) }, end - 30_000), lastModified: end - 30_000, contentType: 'application/x-tar' },
    { bucket: SCENARIO_BUCKET, key: `${outputPrefix}/output.tar.gz`, body: tarGz({ 'eval_results.json': JSON.stringify({ eval_accuracy: accuracy.at(-1)?.value, eval_loss: round((loss.at(-1)?.value ?? 0) * 1.08, 4) }, null, 2) }, end - 25_000), lastModified: end - 25_000, contentType: 'application/x-tar' },
    // Checkpoints are multi-gigabyte; their bodies are generated on read.
    ...checkpoints.map((step, index) => ({
      bucket: SCENARIO_BUCKET,
      key: `${name}/checkpoints/checkpoint-${step}.pt`,
      body: generatedBody(1000 + step, Math.round(2.3 * GIB)),
      lastModified: rendezvous + (index + 1) * validationEveryMinutes * MINUTE + 45_000,
      contentType: 'application/octet-stream',
    })),
  ];
  return {
    job,
    streams: writers.map((writer, index) => ({ name: streamName(name, index + 1, starts[index] ?? downloadEnd), creationTime: starts[index] ?? downloadEnd, events: writer.events })),
    metrics: [
      algorithmMetric(name, 'train:loss', loss),
      algorithmMetric(name, 'validation:accuracy', accuracy),
      ...Array.from({ length: nodes }, (_, index) => systemMetrics(name, index + 1, trainingStart, end, rendezvous, 8)).flat(),
    ],
    objects,
  };
}

const TRAIN_PY = `import argparse, os
import torch, torch.distributed as dist

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--per_device_batch_size", type=int, default=16)
    args = parser.parse_args()
    dist.init_process_group("nccl")
    # ... training loop printing "train:loss=" and "validation:accuracy=" for the metric regexes
    if dist.get_rank() == 0:
        torch.save({}, os.path.join(os.environ["SM_MODEL_DIR"], "model.pt"))

if __name__ == "__main__":
    main()
`;

// rl-60node: more streams than one DescribeLogStreams page (limit 50).

export const SIXTY_NODE_JOB = { name: 'rl-60node', nodes: 60, created: Date.UTC(2025, 2, 7, 8, 0, 0), linesPerNode: 4 } as const;

export function sixtyNodeJob(): ScenarioJob {
  const { name, nodes, created } = SIXTY_NODE_JOB;
  const trainingStart = created + 140_000;
  const containerBase = created + 230_000;
  const end = containerBase + 11 * MINUTE;
  const streams = Array.from({ length: nodes }, (_, index) => {
    const node = index + 1;
    // Containers start over ~40 s, so stream suffixes differ.
    const containerStart = containerBase + ((node * 7_919) % 40_000);
    const writer = new StreamWriter(600 + node);
    writer.burst(containerStart, ['bash: cannot set terminal process group (-1): Inappropriate ioctl for device', 'bash: no job control in this shell']);
    const shardDone = containerBase + 9 * MINUTE + ((node * 104_729) % 50_000);
    writer.line(shardDone, `[algo-${node}] shard ${node}/${nodes}: processed 100000 records in ${(shardDone - containerStart) / 1000}s`);
    writer.line(end - 20_000, `${toolkitTime(end - 20_000)} sagemaker-training-toolkit INFO     Reporting training SUCCESS`);
    return { name: streamName(name, node, containerStart), creationTime: containerStart, events: writer.events };
  });
  return {
    job: {
      TrainingJobName: name,
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      AlgorithmSpecification: pytorchAlgorithm(false),
      HyperParameters: scriptHyperParameters(name, { shards: '60' }),
      RoleArn: ROLE_ARN,
      ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: nodes, VolumeSizeInGB: 30 },
      ModelArtifacts: { S3ModelArtifacts: `s3://${SCENARIO_BUCKET}/${name}/output/model.tar.gz` },
      CreationTime: created,
      TrainingStartTime: trainingStart,
      TrainingEndTime: end + 30_000,
      LastModifiedTime: end + 31_000,
      SecondaryStatusTransitions: transitions([
        ...trainingPhases(created, trainingStart, containerBase, end),
        { status: 'Uploading', start: end, end: end + 30_000, message: 'Uploading generated training model' },
        { status: 'Completed', start: end + 30_000, end: end + 30_000, message: 'Training job completed' },
      ]),
      TrainingTimeInSeconds: seconds(trainingStart, end + 30_000),
      BillableTimeInSeconds: seconds(trainingStart, end + 30_000),
    },
    streams,
    metrics: [],
    objects: [{ bucket: SCENARIO_BUCKET, key: `${name}/output/model.tar.gz`, body: tarGz({ 'shards.json': JSON.stringify({ shards: nodes }) }, end), lastModified: end + 20_000, contentType: 'application/x-tar' }],
  };
}
