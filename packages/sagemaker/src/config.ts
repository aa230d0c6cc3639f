// Where the adapter sends its requests: region, endpoints and credentials, read only from the
// provider environment core hands over (never from process.env directly). Anything not given here is left to the
// AWS SDK's standard chain (shared config/credentials files, SSO, container and instance roles).
import { invalidInput, type ProviderEnvironmentV2 } from '@runlens/core';
import type { SagemakerSettings } from './settings.js';

/** The four AWS services the adapter talks to, named as in `AWS_ENDPOINT_URL_<SERVICE>`. */
export type AwsService = 'SAGEMAKER' | 'CLOUDWATCH_LOGS' | 'CLOUDWATCH' | 'S3';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AdapterConfig {
  /** A region fixed by settings or the environment; undefined leaves it to the SDK's profile chain. */
  readonly region?: string;
  readonly profile?: string;
  /** Static keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the first link of the standard chain). */
  readonly credentials?: StaticCredentials;
  endpoint(service: AwsService): string | undefined;
  /** Forces the CloudWatch metric period (seconds); otherwise it follows CloudWatch's retention rules. */
  readonly metricPeriodSeconds?: number;
  /** Requests per second by operation, for accounts whose quotas were raised (defaults in clients.ts). */
  readonly rates: Readonly<Record<string, number>>;
}

export const SAGEMAKER_ARN = /^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]+):(\d{12}):training-job\/([A-Za-z0-9-]{1,63})$/;

/** The job a run id names: a TrainingJobName, or an ARN (which also fixes the region). */
export interface JobLocator {
  readonly name: string;
  readonly region?: string;
  readonly arn?: string;
}

export function locateJob(id: string): JobLocator {
  const arn = SAGEMAKER_ARN.exec(id);
  if (arn) return { name: arn[4]!, region: arn[2]!, arn: id };
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(id)) {
    throw invalidInput(`'${id}' is not a SageMaker training job name or ARN (names are 1-63 letters, digits and hyphens)`);
  }
  return { name: id };
}

/**
 * Settings arrive parsed by core (settings.ts's schema: AWS_REGION, AWS_DEFAULT_REGION and AWS_PROFILE
 * are among them); credentials and endpoint variables are read here in the SDK's own precedence.
 */
export function readConfig(environment: Pick<ProviderEnvironmentV2<SagemakerSettings>, 'env' | 'settings'>): AdapterConfig {
  const { env, settings } = environment;
  const text = (value: string | undefined): string | undefined => (value !== undefined && value.trim() !== '' ? value.trim() : undefined);
  const rates: Record<string, number> = {};
  for (const [operation, rate] of Object.entries(settings.rates ?? {})) if (rate !== undefined) rates[operation] = rate;

  const accessKeyId = text(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = text(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = text(env.AWS_SESSION_TOKEN);
  const ignoreEndpoints = /^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '');

  return {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } : undefined,
    // The SDK's own precedence: the service-specific variable, then the global one.
    endpoint: (service) => settings.endpoint ?? (ignoreEndpoints ? undefined : (text(env[`AWS_ENDPOINT_URL_${service}`]) ?? text(env.AWS_ENDPOINT_URL))),
    ...(settings.metricPeriodSeconds !== undefined ? { metricPeriodSeconds: settings.metricPeriodSeconds } : {}),
    rates,
  };
}
