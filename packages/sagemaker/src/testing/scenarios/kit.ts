// Shared pieces of the scenarios: seed-data types, the SageMaker toolkit's start-up output,
// job description fragments and CloudWatch metric shapes.

import type { SecondaryStatus } from '@aws-sdk/client-sagemaker';
import { ACCOUNT_ID, REGION } from '../wire.js';
import type { LogEventInput } from '../logs.js';
import type { MetricDataInput } from '../metrics.js';
import type { ObjectBody } from '../s3.js';
import type { TrainingJobSeed } from '../sagemaker.js';
import { StreamWriter, epochSeconds, hash32, prng, toolkitTime } from '../fixtures.js';

export const SCENARIO_BUCKET = 'rl-bucket';
export const TRAINING_JOBS_NAMESPACE = '/aws/sagemaker/TrainingJobs';

export interface ScenarioStream {
  name: string;
  creationTime: number;
  events: LogEventInput[];
}

export interface ScenarioObject {
  bucket: string;
  key: string;
  body: ObjectBody;
  lastModified: number;
  contentType: string;
}

/** One job's worth of seed data. */
export interface ScenarioJob {
  job: TrainingJobSeed;
  streams: ScenarioStream[];
  metrics: MetricDataInput[];
  objects: ScenarioObject[];
}

/** What a running job appends when advanced or completed. */
export interface ScenarioDelta {
  streams: ScenarioStream[];
  metrics: MetricDataInput[];
  patch?: Partial<TrainingJobSeed>;
}

export const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/RunlensSageMakerRole`;
const PYTORCH_IMAGE = `763104351884.dkr.ecr.${REGION}.amazonaws.com/pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker`;
export const MINUTE = 60_000;
/** vCPUs and GPUs per instance type used here (CPUUtilization is scaled by the vCPU count). */
const INSTANCE_SHAPES: Record<string, [cpus: number, gpus: number]> = {
  'ml.g5.xlarge': [4, 1],
  'ml.g5.2xlarge': [8, 1],
  'ml.m5.2xlarge': [8, 0],
};
export const GIB = 1024 ** 3;

export interface Phase {
  status: SecondaryStatus;
  start: number;
  end?: number;
  message: string;
}

/** The usual path into training: Starting until `trainingStart`, Downloading until `trainingAt`, Training until `until`. */
export function trainingPhases(created: number, trainingStart: number, trainingAt: number, until: number): Phase[] {
  return [
    { status: 'Starting', start: created, end: trainingStart, message: 'Preparing the instances for training' },
    { status: 'Downloading', start: trainingStart, end: trainingAt, message: 'Downloading input data' },
    { status: 'Training', start: trainingAt, end: until, message: 'Training image download completed. Training in progress.' },
  ];
}

export function transitions(phases: Phase[]): TrainingJobSeed['SecondaryStatusTransitions'] {
  return phases.map((phase) => ({
    Status: phase.status,
    StartTime: phase.start,
    ...(phase.end === undefined ? {} : { EndTime: phase.end }),
    StatusMessage: phase.message,
  }));
}

export function streamName(job: string, node: number, containerStart: number): string {
  return `${job}/algo-${node}-${epochSeconds(containerStart)}`;
}

function hosts(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `algo-${index + 1}`);
}

/** SageMaker's own lines before the user script runs (bash noise, toolkit start-up, the env dump). */
export function toolkitPreamble(writer: StreamWriter, start: number, job: string, node: number, nodes: number, instanceType: string, hyperparameters: Record<string, number | string>, command: string): number {
  const host = `algo-${node}`;
  const [cpus, gpus] = INSTANCE_SHAPES[instanceType] ?? [8, 1];
  writer.burst(start, ['bash: cannot set terminal process group (-1): Inappropriate ioctl for device', 'bash: no job control in this shell']);
  let t = start + 2_100 + node * 37;
  const toolkit = (message: string, step = 13) => {
    writer.line(t, `${toolkitTime(t)} ${message}`);
    t += step;
  };
  toolkit('sagemaker-training-toolkit INFO     Imported framework sagemaker_pytorch_container.training');
  toolkit('sagemaker-training-toolkit INFO     No Neurons detected (normal if no neurons installed)');
  toolkit('sagemaker_pytorch_container.training INFO     Block until all host DNS lookups succeed.', 2_040);
  toolkit('sagemaker_pytorch_container.training INFO     Invoking TorchDistributed...');
  toolkit('sagemaker_pytorch_container.training INFO     Invoking user training script.', 210);
  toolkit('sagemaker-training-toolkit INFO     Installing dependencies from requirements.txt:', 0);
  writer.line(t, '/opt/conda/bin/python3.11 -m pip install -r requirements.txt');
  for (const [index, pkg] of ['datasets==2.19.1', 'evaluate==0.4.2', 'accelerate==0.30.1'].entries()) {
    t += 410;
    writer.line(t, `Collecting ${pkg} (from -r requirements.txt (line ${index + 1}))`);
    writer.line(t + 35, `  Downloading ${pkg.replace('==', '-')}-py3-none-any.whl.metadata (${12 + (hash32(node, pkg.length) % 9)} kB)`);
  }
  t += 6_300;
  writer.line(t, 'Installing collected packages: accelerate, evaluate, datasets');
  t += 4_800;
  writer.line(t, 'Successfully installed accelerate-0.30.1 datasets-2.19.1 evaluate-0.4.2');
  writer.line(t, "WARNING: Running pip as the 'root' user can result in broken permissions and conflicting behaviour with the system package manager. It is recommended to use a virtual environment instead: https://pip.pypa.io/warnings/venv");
  t += 95;
  toolkit('sagemaker-training-toolkit INFO     Waiting for the process to finish and give a return code.');
  toolkit('sagemaker-training-toolkit INFO     Done waiting for a return code. Received 0 from exiting process.', 4);
  toolkit('sagemaker-training-toolkit INFO     Invoking user script', 0);
  // The toolkit prints the whole environment in one flush: dozens of lines with one timestamp.
  const env = {
    additional_framework_parameters: { sagemaker_torch_distributed_enabled: true },
    channel_input_dirs: { train: '/opt/ml/input/data/train', validation: '/opt/ml/input/data/validation' },
    current_host: host,
    current_instance_group: 'homogeneousCluster',
    framework_module: 'sagemaker_pytorch_container.training:main',
    hosts: hosts(nodes),
    hyperparameters,
    is_master: node === 1,
    job_name: job,
    log_level: 20,
    model_dir: '/opt/ml/model',
    module_name: 'train',
    network_interface_name: 'eth0',
    num_cpus: cpus,
    num_gpus: gpus,
    output_data_dir: '/opt/ml/output/data',
    resource_config: { current_host: host, current_instance_type: instanceType, hosts: hosts(nodes), network_interface_name: 'eth0' },
    user_entry_point: 'train.py',
  };
  writer.burst(t, ['Training Env:', '', ...JSON.stringify(env, null, 4).split('\n')]);
  writer.burst(t, [
    'Environment variables:',
    '',
    `SM_HOSTS=${JSON.stringify(hosts(nodes))}`,
    'SM_NETWORK_INTERFACE_NAME=eth0',
    `SM_HPS=${JSON.stringify(hyperparameters)}`,
    'SM_USER_ENTRY_POINT=train.py',
    'SM_FRAMEWORK_PARAMS={"sagemaker_torch_distributed_enabled":true}',
    `SM_CURRENT_HOST=${host}`,
    `SM_CURRENT_INSTANCE_TYPE=${instanceType}`,
    `SM_NUM_CPUS=${cpus}`,
    `SM_NUM_GPUS=${gpus}`,
    'SM_MODEL_DIR=/opt/ml/model',
    'SM_CHANNEL_TRAIN=/opt/ml/input/data/train',
    'SM_CHANNEL_VALIDATION=/opt/ml/input/data/validation',
    'SM_OUTPUT_DATA_DIR=/opt/ml/output/data',
    `SM_MODULE_DIR=s3://${SCENARIO_BUCKET}/${job}/source/sourcedir.tar.gz`,
    'PYTHONPATH=/opt/ml/code:/opt/conda/bin:/opt/conda/lib/python311.zip:/opt/conda/lib/python3.11',
  ]);
  writer.burst(t, ['Invoking script with the following command:', '', command, '']);
  return t;
}

export function pytorchAlgorithm(metrics: boolean): NonNullable<TrainingJobSeed['AlgorithmSpecification']> {
  return {
    TrainingImage: PYTORCH_IMAGE,
    TrainingInputMode: 'File',
    EnableSageMakerMetricsTimeSeries: metrics,
    ...(metrics
      ? {
          MetricDefinitions: [
            { Name: 'train:loss', Regex: 'train:loss=([0-9\\.]+)' },
            { Name: 'validation:accuracy', Regex: 'validation:accuracy=([0-9\\.]+)' },
          ],
        }
      : {}),
  };
}

export function scriptHyperParameters(job: string, values: Record<string, string>): Record<string, string> {
  return {
    ...values,
    sagemaker_container_log_level: '20',
    sagemaker_job_name: JSON.stringify(job),
    sagemaker_program: '"train.py"',
    sagemaker_region: JSON.stringify(REGION),
    sagemaker_submit_directory: JSON.stringify(`s3://${SCENARIO_BUCKET}/${job}/source/sourcedir.tar.gz`),
  };
}

export function channels(prefix: string, contentType?: string): NonNullable<TrainingJobSeed['InputDataConfig']> {
  return ['train', 'validation'].map((channel) => ({
    ChannelName: channel,
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${SCENARIO_BUCKET}/${prefix}/${channel}/`, S3DataDistributionType: 'FullyReplicated' } },
    ...(contentType ? { ContentType: contentType } : {}),
    CompressionType: 'None',
    RecordWrapperType: 'None',
  }));
}

export function seconds(from: number, to: number): number {
  return Math.max(1, Math.round((to - from) / 1000));
}

/** 1-minute instance metrics for one host, Host=<job>/algo-N, scaled like SageMaker's (CPU x cores, GPU x GPUs). */
export function systemMetrics(job: string, node: number, from: number, to: number, busyFrom: number, cores: number): MetricDataInput[] {
  const random = prng(hash32(node, cores) ^ from);
  const shapes: Record<string, (busy: boolean, k: number) => number> = {
    CPUUtilization: (busy) => (busy ? cores * (62 + random() * 25) : cores * (4 + random() * 8)),
    MemoryUtilization: (busy) => (busy ? 41 + random() * 9 : 12 + random() * 4),
    GPUUtilization: (busy) => (busy ? 86 + random() * 13 : 0),
    GPUMemoryUtilization: (busy) => (busy ? 77 + random() * 3 : 0),
    DiskUtilization: (_busy, k) => 8.2 + k * 0.021,
  };
  const start = Math.ceil(from / MINUTE) * MINUTE;
  return Object.entries(shapes).map(([metricName, shape]) => {
    const points: { timestamp: number; value: number }[] = [];
    for (let k = 0, t = start; t < to; k += 1, t += MINUTE) points.push({ timestamp: t, value: round(shape(t >= busyFrom, k), 2) });
    return { namespace: TRAINING_JOBS_NAMESPACE, metricName, dimensions: [{ Name: 'Host', Value: `${job}/algo-${node}` }], points };
  });
}

export function algorithmMetric(job: string, metricName: string, points: { timestamp: number; value: number }[]): MetricDataInput {
  return { namespace: TRAINING_JOBS_NAMESPACE, metricName, dimensions: [{ Name: 'TrainingJobName', Value: job }], points };
}

export function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}


export function pythonTraceback(frames: [file: string, line: number, fn: string, code: string][], error: string): string[] {
  return ['Traceback (most recent call last):', ...frames.flatMap(([file, line, fn, code]) => [`  File "${file}", line ${line}, in ${fn}`, `    ${code}`]), error];
}
