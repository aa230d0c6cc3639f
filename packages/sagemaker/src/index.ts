import type { ProviderDefinitionV1 } from '@runlens/core';
import { fromV1 } from '@runlens/core/from-v1';

const TRAINING_JOB_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:training-job\/[A-Za-z0-9-]{1,63}$/;
/**
 * The console's training job page, `https://<region>.console.aws.amazon.com/sagemaker/home?region=<region>#/jobs/<name>`
 * (AWS does not document console URLs: this is the form the console shows; see docs/providers/sagemaker.md).
 * It names the job but not the account, so the ref is the name and the region comes from configuration.
 */
const CONSOLE_JOB = /^https:\/\/(?:[a-z0-9-]+\.)?console\.aws\.amazon\.com\/sagemaker\/home\?[^#]*#\/jobs\/([A-Za-z0-9-]{1,63})\/?$/;

/** The `sagemaker:` id a pasted ARN or console URL names, or undefined. */
export function claimSagemakerRef(text: string): string | undefined {
  if (TRAINING_JOB_ARN.test(text)) return text;
  return CONSOLE_JOB.exec(text)?.[1];
}

/**
 * AWS SageMaker training jobs. Refs: `sagemaker:<TrainingJobName>`, the job's ARN (which also
 * fixes the region) or its console URL, bare or after `sagemaker:`. The AWS SDK loads only when a SageMaker ref is used.
 */
const sagemakerV1: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'sagemaker',
  displayName: 'AWS SageMaker',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: true, metricSteps: false, artifacts: true },
  claim: claimSagemakerRef,
  isConfigured: ({ env, settings }) =>
    Boolean(settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? env.AWS_PROFILE ?? env.AWS_ENDPOINT_URL ?? env.AWS_ENDPOINT_URL_SAGEMAKER),
  load: async (environment) => (await import('./provider.js')).createSagemakerProvider(environment),
};

// TEMPORARY (issue 12): contract v1 through core's fromV1 shim until this adapter is migrated to v2.
export const sagemakerProvider = fromV1(sagemakerV1, {
  options: [{ key: 'region', flag: 'region', description: 'AWS region of SageMaker jobs (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)' }],
  environment: [{ name: 'AWS_*', description: 'credentials, profile, region and endpoints, as the AWS SDK reads them' }],
  refHelp: 'sagemaker:<job name>, a training job ARN or console URL',
});

