// Script-mode failures (OOM, setup, permission, capacity) and stopped jobs.

import type { TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { SCENARIO_BUCKET, MINUTE, ROLE_ARN, channels, pythonTraceback, pytorchAlgorithm, scriptHyperParameters, seconds, streamName, toolkitPreamble, transitions, trainingPhases } from './kit.js';
import type { Phase, ScenarioJob, ScenarioStream } from './kit.js';
import { REGION } from '../wire.js';
import { StreamWriter, prng, toolkitTime } from '../fixtures.js';

interface ScriptJobOptions {
  name: string;
  created: number;
  status: 'Failed' | 'Stopped';
  secondary: 'Failed' | 'Stopped' | 'MaxRuntimeExceeded';
  failureReason?: string;
  instanceType: TrainingInstanceType;
  nodes: number;
  maxRuntime?: number;
  phases: Phase[];
  /** Absent when no instance ever started (the job failed before training). */
  trainingStart?: number;
  end: number;
  streams: ScenarioStream[];
  hyperParameters?: Record<string, string>;
}

function scriptJob(options: ScriptJobOptions): ScenarioJob {
  const { name, trainingStart, end } = options;
  return {
    job: {
      TrainingJobName: name,
      TrainingJobStatus: options.status,
      SecondaryStatus: options.secondary,
      ...(options.failureReason === undefined ? {} : { FailureReason: options.failureReason }),
      HyperParameters: scriptHyperParameters(name, options.hyperParameters ?? {}),
      AlgorithmSpecification: pytorchAlgorithm(false),
      RoleArn: ROLE_ARN,
      InputDataConfig: channels(`datasets/${name}`),
      OutputDataConfig: { S3OutputPath: `s3://${SCENARIO_BUCKET}/`, CompressionType: 'GZIP' },
      ResourceConfig: { InstanceType: options.instanceType, InstanceCount: options.nodes, VolumeSizeInGB: 50 },
      StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntime ?? 86400 },
      CreationTime: options.created,
      ...(trainingStart === undefined ? {} : { TrainingStartTime: trainingStart, TrainingTimeInSeconds: seconds(trainingStart, end), BillableTimeInSeconds: seconds(trainingStart, end) }),
      TrainingEndTime: end,
      LastModifiedTime: end + 1_500,
      SecondaryStatusTransitions: transitions(options.phases),
    },
    streams: options.streams,
    metrics: [],
    objects: [],
  };
}

/** One node of a user script: toolkit start-up, then a HF-Trainer-style loss line per minute; returns the writer, the stream and its last timestamp. */
function scriptStream(job: string, node: number, nodes: number, instanceType: string, containerStart: number, minutes: number, seed: number, hyperparameters: Record<string, number | string>, command: string): { writer: StreamWriter; stream: ScenarioStream; last: number } {
  const writer = new StreamWriter(seed);
  const random = prng(seed);
  let t = toolkitPreamble(writer, containerStart, job, node, nodes, instanceType, hyperparameters, command) + 14_000;
  writer.line(t, `Loading checkpoint shards: 100%|██████████| 2/2 [00:0${3 + node}<00:00,  1.9${node}s/it]`);
  for (let minute = 1; minute <= minutes; minute += 1) {
    t = containerStart + 90_000 + minute * MINUTE + 3;
    writer.line(t, `{'loss': ${(1.9 * Math.exp(-minute / 30) + 0.4 + random() * 0.05).toFixed(4)}, 'grad_norm': ${(0.5 + random()).toFixed(4)}, 'learning_rate': ${(2e-5 * (1 - minute / 400)).toExponential(4)}, 'epoch': ${(minute / 40).toFixed(2)}}`);
  }
  return { writer, stream: { name: streamName(job, node, containerStart), creationTime: containerStart, events: writer.events }, last: t };
}

function userScriptFailure(writer: StreamWriter, at: number, frames: [string, number, string, string][], error: string, command: string): void {
  writer.burst(at, pythonTraceback(frames, error));
  const done = at + 1_211;
  writer.burst(done, [
    `${toolkitTime(done)} sagemaker-training-toolkit INFO     Waiting for the process to finish and give a return code.`,
    `${toolkitTime(done)} sagemaker-training-toolkit INFO     Done waiting for a return code. Received 1 from exiting process.`,
    `${toolkitTime(done)} sagemaker-training-toolkit ERROR    Reporting training FAILURE`,
    `${toolkitTime(done)} sagemaker-training-toolkit ERROR    ExecuteUserScriptError:`,
    'ExitCode 1',
    `ErrorMessage "${error}"`,
    `Command "${command}", exit code: 1`,
  ]);
}

export const OOM_ERROR = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 22.06 GiB of which 1.19 GiB is free. Of the allocated memory 19.87 GiB is allocated by PyTorch, and 512.31 MiB is reserved by PyTorch but unallocated.';

export function failedOomJob(): ScenarioJob {
  const name = 'rl-failed-oom';
  const created = Date.UTC(2025, 2, 5, 10, 0, 0);
  const trainingStart = created + 95_000;
  const containerStart = created + 170_000;
  const command = '/opt/conda/bin/python3.11 train.py --batch-size 64 --model-name meta-llama/Llama-3.2-1B';
  const { writer, stream, last } = scriptStream(name, 1, 1, 'ml.g5.xlarge', containerStart, 6, 51, { 'batch-size': 64, 'model-name': 'meta-llama/Llama-3.2-1B' }, command);
  const failedAt = last + 17_350;
  userScriptFailure(writer, failedAt, [
    ['/opt/ml/code/train.py', 141, '<module>', 'main()'],
    ['/opt/ml/code/train.py', 133, 'main', 'trainer.train()'],
    ['/opt/conda/lib/python3.11/site-packages/transformers/trainer.py', 2279, '_inner_training_loop', 'tr_loss_step = self.training_step(model, inputs)'],
    ['/opt/conda/lib/python3.11/site-packages/torch/nn/modules/linear.py', 117, 'forward', 'return F.linear(input, self.weight, self.bias)'],
  ], OOM_ERROR, command);
  const end = failedAt + 45_000;
  return scriptJob({
    name,
    created,
    status: 'Failed',
    secondary: 'Failed',
    failureReason: `AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "${OOM_ERROR}"\nCommand "${command}", exit code: 1`,
    instanceType: 'ml.g5.xlarge',
    nodes: 1,
    trainingStart,
    end,
    hyperParameters: { 'batch-size': '64', 'model-name': '"meta-llama/Llama-3.2-1B"' },
    phases: [
      ...trainingPhases(created, trainingStart, containerStart, end),
      { status: 'Failed', start: end, end, message: 'Training job failed' },
    ],
    streams: [stream],
  });
}

export const PERMISSION_ERROR = 'botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role/RunlensSageMakerRole/SageMaker is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::rl-private/exports/model.onnx" because no identity-based policy allows the s3:PutObject action';

export function failedPermissionJob(): ScenarioJob {
  const name = 'rl-failed-permission';
  const created = Date.UTC(2025, 2, 5, 12, 0, 0);
  const trainingStart = created + 88_000;
  const containerStart = created + 160_000;
  const command = '/opt/conda/bin/python3.11 train.py --export-uri s3://rl-private/exports/model.onnx';
  const { writer, stream, last } = scriptStream(name, 1, 1, 'ml.m5.2xlarge', containerStart, 12, 61, { 'export-uri': 's3://rl-private/exports/model.onnx' }, command);
  writer.line(last + 5_000, 'Exporting model to ONNX: /tmp/model.onnx');
  const failedAt = last + 9_420;
  writer.line(failedAt - 800, 'Uploading /tmp/model.onnx to s3://rl-private/exports/model.onnx');
  userScriptFailure(writer, failedAt, [
    ['/opt/ml/code/train.py', 158, '<module>', 'main()'],
    ['/opt/ml/code/train.py', 151, 'main', 's3.upload_file("/tmp/model.onnx", bucket, key)'],
    ['/opt/conda/lib/python3.11/site-packages/botocore/client.py', 1023, '_make_api_call', 'raise error_class(parsed_response, operation_name)'],
  ], PERMISSION_ERROR, command);
  const end = failedAt + 41_000;
  return scriptJob({
    name,
    created,
    status: 'Failed',
    secondary: 'Failed',
    failureReason: `AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "${PERMISSION_ERROR}"\nCommand "${command}", exit code: 1`,
    instanceType: 'ml.m5.2xlarge',
    nodes: 1,
    trainingStart,
    end,
    hyperParameters: { 'export-uri': '"s3://rl-private/exports/model.onnx"' },
    phases: [
      ...trainingPhases(created, trainingStart, containerStart, end),
      { status: 'Failed', start: end, end, message: 'Training job failed' },
    ],
    streams: [stream],
  });
}

export const CAPACITY_FAILURE_REASON = 'CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.';

export function failedCapacityJob(): ScenarioJob {
  const created = Date.UTC(2025, 2, 5, 8, 0, 0);
  const end = created + 14 * MINUTE + 12_000;
  return scriptJob({
    name: 'rl-failed-capacity',
    created,
    status: 'Failed',
    secondary: 'Failed',
    failureReason: CAPACITY_FAILURE_REASON,
    instanceType: 'ml.p4d.24xlarge',
    nodes: 2,
    end,
    phases: [
      { status: 'Starting', start: created, end, message: 'Launching requested ML instances' },
      { status: 'Failed', start: end, end, message: 'Training job failed' },
    ],
    streams: [],
  });
}

/** The data download fails before any container starts: "If a job fails and logs do not appear in CloudWatch..." (seed 003). */
export const SETUP_FAILURE_REASON = `ClientError: No S3 objects found under S3 URL "s3://${SCENARIO_BUCKET}/datasets/rl-failed-setup/train/" given in input data source. Please ensure that the bucket exists in the selected region (${REGION}), that objects exist under that S3 prefix, and that the role "${ROLE_ARN}" has "s3:ListBucket" permissions on bucket "${SCENARIO_BUCKET}".`;

export function failedSetupJob(): ScenarioJob {
  const created = Date.UTC(2025, 2, 5, 11, 0, 0);
  const trainingStart = created + 102_000;
  const end = trainingStart + 31_000;
  return scriptJob({
    name: 'rl-failed-setup',
    created,
    status: 'Failed',
    secondary: 'Failed',
    failureReason: SETUP_FAILURE_REASON,
    instanceType: 'ml.m5.xlarge',
    nodes: 1,
    trainingStart,
    end,
    phases: [
      { status: 'Starting', start: created, end: trainingStart, message: 'Preparing the instances for training' },
      { status: 'Downloading', start: trainingStart, end, message: 'Downloading input data' },
      { status: 'Failed', start: end, end, message: 'Training job failed' },
    ],
    streams: [],
  });
}

export function stoppedTimeoutJob(): ScenarioJob {
  const name = 'rl-stopped-timeout';
  const created = Date.UTC(2025, 2, 6, 8, 0, 0);
  const trainingStart = created + 97_000;
  const end = trainingStart + 3_600_000;
  const command = 'torchrun --nnodes 2 --nproc_per_node 1 --master_addr algo-1 --master_port 7777 train.py --epochs 20';
  // Both nodes log until the runtime limit cuts them off mid-epoch.
  const streams = [1, 2].map((node) => scriptStream(name, node, 2, 'ml.g5.2xlarge', created + 172_000 + node * 1_400, 55, 70 + node, { epochs: 20 }, command).stream);
  return scriptJob({
    name,
    created,
    status: 'Stopped',
    secondary: 'MaxRuntimeExceeded',
    instanceType: 'ml.g5.2xlarge',
    nodes: 2,
    maxRuntime: 3600,
    trainingStart,
    end,
    hyperParameters: { epochs: '20' },
    phases: [
      ...trainingPhases(created, trainingStart, created + 172_000, end),
      { status: 'MaxRuntimeExceeded', start: end, end, message: 'Training job exceeded MaxRuntimeInSeconds provided' },
    ],
    streams,
  });
}

export function stoppedUserJob(): ScenarioJob {
  const name = 'rl-stopped-user';
  const created = Date.UTC(2025, 2, 6, 10, 0, 0);
  const trainingStart = created + 91_000;
  const containerStart = created + 166_000;
  const command = '/opt/conda/bin/python3.11 train.py --epochs 10';
  const { writer, stream, last } = scriptStream(name, 1, 1, 'ml.g5.xlarge', containerStart, 25, 81, { epochs: 10 }, command);
  const stopping = last + 21_000;
  writer.line(stopping + 2_300, 'Received SIGTERM, saving checkpoint to /opt/ml/checkpoints/last.pt');
  const end = stopping + 64_000;
  return scriptJob({
    name,
    created,
    status: 'Stopped',
    secondary: 'Stopped',
    instanceType: 'ml.g5.xlarge',
    nodes: 1,
    trainingStart,
    end,
    hyperParameters: { epochs: '10' },
    phases: [
      ...trainingPhases(created, trainingStart, containerStart, stopping),
      { status: 'Stopping', start: stopping, end, message: 'Stopping the training job' },
      { status: 'Stopped', start: end, end, message: 'Training job stopped' },
    ],
    streams: [stream],
  });
}
