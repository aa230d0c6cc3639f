import type { ProviderDefinition } from '@runlens/core';
import { sagemakerSettingsSchema, type SagemakerHandle, type SagemakerSettings } from './settings.js';

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
export const sagemakerProvider: ProviderDefinition<SagemakerSettings, SagemakerHandle> = {
  specificationVersion: 'v2',
  id: 'sagemaker',
  displayName: 'AWS SageMaker',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: true, artifacts: true },
  settings: {
    schema: sagemakerSettingsSchema,
    options: [
      { key: 'region', flag: 'region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], description: "AWS region of SageMaker jobs named without an ARN (default: the profile's)" },
      { key: 'profile', env: ['AWS_PROFILE'], description: 'AWS profile for credentials and region (~/.aws/config)' },
    ],
  },
  refHelp: 'sagemaker:<job name>, a training job ARN or console URL',
  environment: [
    { name: 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN', description: 'static credentials (else the SDK chain: profile, SSO, container and instance roles)' },
    { name: 'AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', description: 'endpoint overrides for SageMaker, CloudWatch Logs, CloudWatch and S3' },
  ],
  claim: claimSagemakerRef,
  // AWS_REGION, AWS_DEFAULT_REGION and AWS_PROFILE arrive as settings (core reads the variables declared above).
  isConfigured: ({ env, settings }) => Boolean(settings.region ?? settings.profile ?? env.AWS_ENDPOINT_URL ?? env.AWS_ENDPOINT_URL_SAGEMAKER),
  load: async (environment) => (await import('./provider.js')).createSagemakerProvider(environment),
};

export type { SagemakerHandle, SagemakerSettings, TrainingJob } from './settings.js';
