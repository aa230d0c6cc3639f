// The loaded SageMaker provider: catalog, logs, metrics and artifacts over the AWS SDK v3 clients.
import type { ProviderEnvironmentV2, ProviderV2 } from '@runlens/core';
import { createArtifactSource } from './artifacts.js';
import { createCatalog } from './catalog.js';
import { AwsClients } from './clients.js';
import { readConfig } from './config.js';
import { SAGEMAKER_FAILURE_RULES } from './convert-run.js';
import { mapAwsError } from './errors.js';
import { createLogSource } from './logs.js';
import { createMetricSource } from './metrics.js';
import type { SagemakerHandle, SagemakerSettings } from './settings.js';

export function createSagemakerProvider(environment: ProviderEnvironmentV2<SagemakerSettings>): ProviderV2<SagemakerHandle> {
  const config = readConfig(environment);
  const requester = environment.requests.requester({ mapError: mapAwsError });
  const clients = new AwsClients(config, requester);
  // Tests fix "now" (CloudWatch's retention periods depend on a job's age); production reads the clock.
  const now = environment.testHooks.clock ?? Date.now;
  return {
    specificationVersion: 'v2',
    catalog: createCatalog(clients),
    logs: createLogSource(clients),
    metrics: createMetricSource(clients, config, now),
    artifacts: createArtifactSource(clients),
    failureRules: SAGEMAKER_FAILURE_RULES,
    // `sagemaker:<name>` and the job's ARN are one run: cursors name it by the ARN DescribeTrainingJob returns.
    identity: ({ run, handle }) => (handle.job.TrainingJobArn ? `sagemaker:${handle.job.TrainingJobArn}` : run.ref),
    close: () => clients.close(),
  };
}
