// The loaded SageMaker provider: catalog, logs, metrics and artifacts over the AWS SDK v3 clients.
import type { ProviderEnvironment, ProviderV1 } from '@runlens/core';
import { createArtifactSource } from './artifacts.js';
import { createCatalog } from './catalog.js';
import { AwsClients } from './clients.js';
import { readConfig } from './config.js';
import { SAGEMAKER_FAILURE_RULES } from './convert-run.js';
import { mapAwsError } from './errors.js';
import { createLogSource } from './logs.js';
import { createMetricSource } from './metrics.js';

export function createSagemakerProvider(environment: ProviderEnvironment): ProviderV1 {
  const config = readConfig(environment);
  const requester = environment.requests.requester({ mapError: mapAwsError });
  const clients = new AwsClients(config, requester);
  return {
    specificationVersion: 'v1',
    id: 'sagemaker',
    catalog: createCatalog(clients),
    logs: createLogSource(clients),
    metrics: createMetricSource(clients, config),
    artifacts: createArtifactSource(clients),
    followPollMs: config.followPollMs,
    statusPollMs: config.statusPollMs,
    streamDiscoveryMs: config.streamDiscoveryMs,
    failureRules: SAGEMAKER_FAILURE_RULES,
    // `sagemaker:<name>` and the job's ARN are one run: cursors name it by the ARN DescribeTrainingJob returns.
    identity: (run) => {
      const arn = (run.raw as { TrainingJobArn?: unknown } | undefined)?.TrainingJobArn;
      return typeof arn === 'string' ? `sagemaker:${arn}` : run.ref;
    },
    close: () => clients.close(),
  };
}
