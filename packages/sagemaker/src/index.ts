import type { ProviderDefinitionV1 } from '@runlens/core';

const TRAINING_JOB_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:training-job\/[A-Za-z0-9-]{1,63}$/;

/**
 * AWS SageMaker training jobs. Refs: `sagemaker:<TrainingJobName>` or the job's ARN (which also
 * fixes the region). The AWS SDK loads only when a SageMaker ref is used.
 */
export const sagemakerProvider: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'sagemaker',
  displayName: 'AWS SageMaker',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: true, metricSteps: false, artifacts: true },
  claim: (text) => (TRAINING_JOB_ARN.test(text) ? text : undefined),
  isConfigured: ({ env, settings }) =>
    Boolean(settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? env.AWS_PROFILE ?? env.AWS_ENDPOINT_URL ?? env.AWS_ENDPOINT_URL_SAGEMAKER),
  load: async (environment) => (await import('./provider.js')).createSagemakerProvider(environment),
};

