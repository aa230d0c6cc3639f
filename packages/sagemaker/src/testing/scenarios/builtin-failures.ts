// Failures from the SageMaker "Logs for built-in algorithms" page (seed 003), 2017 containers.

import { SCENARIO_BUCKET, ROLE_ARN, channels, pythonTraceback, seconds, streamName, transitions, trainingPhases } from './kit.js';
import type { ScenarioJob } from './kit.js';
import { StreamWriter, builtinTime, hash32 } from '../fixtures.js';

const BUILTIN_ALGORITHM_ROOT = '/opt/amazon/lib/python2.7/site-packages/algorithm';

function builtinJob(options: {
  name: string;
  image: string;
  created: number;
  failedAt: number;
  hyperParameters: Record<string, string>;
  failureReason: string;
  nodes: number;
  /** Lines per node; node numbers are 1-based. */
  log: (writer: StreamWriter, node: number, containerStart: number) => void;
}): ScenarioJob {
  const { name, created, failedAt, nodes } = options;
  const trainingStart = created + 150_000;
  const downloadEnd = created + 210_000;
  const end = failedAt + 38_000;
  const streams = Array.from({ length: nodes }, (_, index) => {
    const node = index + 1;
    const containerStart = failedAt - 4_600 + 211 * index;
    const writer = new StreamWriter(hash32(created, node));
    options.log(writer, node, containerStart);
    return { name: streamName(name, node, containerStart), creationTime: containerStart, events: writer.events };
  });
  return {
    job: {
      TrainingJobName: name,
      TrainingJobStatus: 'Failed',
      SecondaryStatus: 'Failed',
      FailureReason: options.failureReason,
      HyperParameters: options.hyperParameters,
      AlgorithmSpecification: { TrainingImage: options.image, TrainingInputMode: 'File' },
      RoleArn: ROLE_ARN,
      InputDataConfig: channels('datasets/mnist', 'application/x-recordio-protobuf'),
      OutputDataConfig: { S3OutputPath: `s3://${SCENARIO_BUCKET}/` },
      ResourceConfig: { InstanceType: 'ml.c4.xlarge', InstanceCount: nodes, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      CreationTime: created,
      TrainingStartTime: trainingStart,
      TrainingEndTime: end,
      LastModifiedTime: end + 1_000,
      SecondaryStatusTransitions: transitions([
        ...trainingPhases(created, trainingStart, downloadEnd, end),
        { status: 'Failed', start: end, end, message: 'Training job failed' },
      ]),
      TrainingTimeInSeconds: seconds(trainingStart, end),
      BillableTimeInSeconds: seconds(trainingStart, end),
    },
    streams,
    metrics: [],
    objects: [],
  };
}

function builtinLine(ms: number, level: 'INFO' | 'ERROR', thread: string, message: string, source = 'train.py:48'): string {
  return level === 'ERROR' ? `[${builtinTime(ms)} ERROR ${thread} ${source}] ${message}` : `[${builtinTime(ms)} INFO ${thread}] ${message}`;
}

export function failedHyperparameterJob(): ScenarioJob {
  const errorAt = Date.UTC(2017, 9, 16, 23, 45, 17, 412);
  return builtinJob({
    name: 'rl-failed-hyperparameter',
    image: '382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1',
    created: Date.UTC(2017, 9, 16, 23, 40, 31),
    failedAt: errorAt,
    nodes: 2,
    hyperParameters: { feature_dim: '784', mini_batch_siz: '200', predictor_type: 'binary_classifier' },
    // The reason is generic; the cause is only in the log (seed 003).
    failureReason: 'AlgorithmError: See job logs for more information',
    log: (writer, node, containerStart) => {
      const thread = node === 1 ? '139623806805824' : '140046187603776';
      const read = errorAt - 2_004 + node * 3;
      const failed = errorAt + (node - 1) * 9;
      writer.line(containerStart, 'Docker entrypoint called with argument(s): train');
      writer.line(read, builtinLine(read, 'INFO', thread, `Reading default configuration from ${BUILTIN_ALGORITHM_ROOT}/default-input.json: {u'loss': u'auto', u'mini_batch_size': u'1000', u'epochs': u'15', u'feature_dim': u'auto', u'predictor_type': u'binary_classifier', u'learning_rate': u'auto', u'num_models': u'auto', u'use_bias': u'true'}`));
      writer.line(read + 1, builtinLine(read + 1, 'INFO', thread, "Reading provided configuration from /opt/ml/input/config/hyperparameters.json: {u'feature_dim': u'784', u'mini_batch_siz': u'200', u'predictor_type': u'binary_classifier'}"));
      writer.line(failed, builtinLine(failed, 'ERROR', thread, "Additional properties are not allowed (u'mini_batch_siz' was unexpected)"));
      writer.burst(failed, pythonTraceback(
        [
          [`${BUILTIN_ALGORITHM_ROOT}/train.py`, 44, 'main', 'hyperparameters = validate_hyperparameters(user_hyperparameters)'],
          [`${BUILTIN_ALGORITHM_ROOT}/config.py`, 82, 'validate_hyperparameters', 'jsonschema.validate(hyperparameters, schema)'],
          ['/usr/local/lib/python2.7/dist-packages/jsonschema/validators.py', 478, 'validate', 'cls(schema, *args, **kwargs).validate(instance)'],
          ['/usr/local/lib/python2.7/dist-packages/jsonschema/validators.py', 123, 'validate', 'raise error'],
        ],
        "ValidationError: Additional properties are not allowed (u'mini_batch_siz' was unexpected)",
      ));
    },
  });
}

/** Verbatim from seed 003 (display wrapping removed, `\n` as real newlines). */
export const INVALID_VALUE_FAILURE_REASON =
  "AlgorithmError: u'abc' is not valid under any of the given schemas\n\nFailed validating u'oneOf' in schema[u'properties'][u'feature_dim']:\n    {u'oneOf': [{u'pattern': u'^([1-9][0-9]*)$', u'type': u'string'},\n {u'minimum': 1, u'type': u'integer'}]}";

export function failedInvalidValueJob(): ScenarioJob {
  const errorAt = Date.UTC(2017, 9, 16, 23, 57, 17, 86);
  const thread = '140373086025536';
  return builtinJob({
    name: 'rl-failed-invalid-value',
    image: '382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1',
    created: Date.UTC(2017, 9, 16, 23, 52, 40),
    failedAt: errorAt,
    nodes: 1,
    hyperParameters: { feature_dim: 'abc', k: '10', mini_batch_size: '200' },
    failureReason: INVALID_VALUE_FAILURE_REASON,
    log: (writer, _node, containerStart) => {
      const read = errorAt - 1_930;
      writer.line(containerStart, 'Docker entrypoint called with argument(s): train');
      writer.line(read, builtinLine(read, 'INFO', thread, `Reading default configuration from ${BUILTIN_ALGORITHM_ROOT}/default-input.json: {u'_num_gpus': u'auto', u'local_lloyd_num_trials': u'auto', u'mini_batch_size': u'5000', u'epochs': u'1', u'feature_dim': u'auto', u'k': u'auto'}`));
      writer.line(read, builtinLine(read, 'INFO', thread, "Reading provided configuration from /opt/ml/input/config/hyperparameters.json: {u'feature_dim': u'abc', u'k': u'10', u'mini_batch_size': u'200'}"));
      writer.burst(errorAt, [
        builtinLine(errorAt, 'ERROR', thread, "u'abc' is not valid under any of the given schemas"),
        '',
        "Failed validating u'oneOf' in schema[u'properties'][u'feature_dim']:",
        "    {u'oneOf': [{u'pattern': u'^([1-9][0-9]*)$', u'type': u'string'},",
        "                {u'minimum': 1, u'type': u'integer'}]}",
        '',
        "On instance[u'feature_dim']:",
        "    u'abc'",
        ...pythonTraceback(
          [
            [`${BUILTIN_ALGORITHM_ROOT}/train.py`, 44, 'main', 'hyperparameters = validate_hyperparameters(user_hyperparameters)'],
            [`${BUILTIN_ALGORITHM_ROOT}/config.py`, 82, 'validate_hyperparameters', 'jsonschema.validate(hyperparameters, schema)'],
          ],
          "ValidationError: u'abc' is not valid under any of the given schemas",
        ),
      ]);
    },
  });
}

export function failedDataShapeJob(): ScenarioJob {
  const errorAt = Date.UTC(2017, 9, 17, 18, 1, 4, 530);
  const thread = '140234860816192';
  return builtinJob({
    name: 'rl-failed-data-shape',
    image: '382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1',
    created: Date.UTC(2017, 9, 17, 17, 56, 12),
    failedAt: errorAt,
    nodes: 1,
    hyperParameters: { feature_dim: '784', k: '10', mini_batch_size: '500' },
    failureReason: 'AlgorithmError: See job logs for more information',
    log: (writer, _node, containerStart) => {
      const t = errorAt - 2_300;
      writer.line(containerStart, 'Docker entrypoint called with argument(s): train');
      writer.line(t, builtinLine(t, 'INFO', thread, `Reading default configuration from ${BUILTIN_ALGORITHM_ROOT}/default-input.json: {u'mini_batch_size': u'5000', u'epochs': u'1', u'feature_dim': u'auto', u'k': u'auto'}`));
      writer.line(t, builtinLine(t, 'INFO', thread, "Reading provided configuration from /opt/ml/input/config/hyperparameters.json: {u'feature_dim': u'784', u'k': u'10', u'mini_batch_size': u'500'}"));
      writer.line(t + 4, builtinLine(t + 4, 'INFO', thread, "Final configuration: {u'mini_batch_size': u'500', u'epochs': u'1', u'feature_dim': u'784', u'k': u'10'}"));
      writer.line(t + 911, builtinLine(t + 911, 'INFO', thread, 'Launching parameter server for role scheduler'));
      writer.line(t + 1_640, builtinLine(t + 1_640, 'INFO', thread, 'Number of GPUs being used: 0'));
      writer.line(t + 1_702, builtinLine(t + 1_702, 'INFO', thread, 'Create Store: local'));
      writer.burst(errorAt, [
        builtinLine(errorAt, 'ERROR', thread, 'cannot copy sequence with size 785 to array axis with dimension 784'),
        ...pythonTraceback(
          [
            [`${BUILTIN_ALGORITHM_ROOT}/train.py`, 46, 'main', 'train(resource_config, hyperparameters, data_config)'],
            [`${BUILTIN_ALGORITHM_ROOT}/kmeans/train.py`, 212, 'train', 'for batch in train_iter:'],
            [`${BUILTIN_ALGORITHM_ROOT}/io/recordio_protobuf.py`, 131, '_read_batch', 'features[i, :] = record.features["values"].float32_tensor.values'],
          ],
          'ValueError: cannot copy sequence with size 785 to array axis with dimension 784',
        ),
      ]);
    },
  });
}
