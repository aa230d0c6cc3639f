// Where the adapter sends its requests: region, endpoints and credentials, read only from the
// ProviderEnvironment (never from process.env directly). Anything not given here is left to the
// AWS SDK's standard chain (shared config/credentials files, SSO, container and instance roles).
import { invalidInput, type ProviderEnvironment } from '@runlens/core';

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
  /** Follow polling (core adapts between min and max). */
  readonly followPollMs: { readonly min: number; readonly max: number };
  readonly statusPollMs: number;
  readonly streamDiscoveryMs: number;
  /** Forces the CloudWatch metric period (seconds); otherwise it follows CloudWatch's retention rules. */
  readonly metricPeriodSeconds?: number;
  /** Requests per second by operation, for accounts whose quotas were raised (defaults in clients.ts). */
  readonly rates: Readonly<Record<string, number>>;
}

/** Production polling: CloudWatch Logs quotas are low and ingestion takes seconds anyway. */
const DEFAULT_FOLLOW_POLL = { min: 2_000, max: 20_000 };
const DEFAULT_STATUS_POLL_MS = 30_000;
const DEFAULT_STREAM_DISCOVERY_MS = 15_000;

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

export function readConfig(environment: ProviderEnvironment): AdapterConfig {
  const { env, settings } = environment;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
  const ms = (key: string, fallback: number): number => {
    const value = settings[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) throw invalidInput(`settings.sagemaker.${key} must be a positive number of milliseconds`);
    return value;
  };
  const follow = settings.followPollMs as { min?: unknown; max?: unknown } | undefined;
  const followPollMs =
    follow && typeof follow.min === 'number' && typeof follow.max === 'number' && follow.min > 0 && follow.max >= follow.min
      ? { min: follow.min, max: follow.max }
      : DEFAULT_FOLLOW_POLL;

  const period = settings.metricPeriodSeconds;
  if (period !== undefined && !(typeof period === 'number' && Number.isInteger(period) && ([1, 5, 10, 20, 30].includes(period) || (period > 0 && period % 60 === 0)))) {
    throw invalidInput('settings.sagemaker.metricPeriodSeconds must be 1, 5, 10, 20, 30 or a multiple of 60');
  }

  const rates: Record<string, number> = {};
  const rateSetting = settings.rates;
  if (rateSetting !== undefined) {
    if (typeof rateSetting !== 'object' || rateSetting === null) throw invalidInput('settings.sagemaker.rates must map operation names to requests per second');
    for (const [operation, rate] of Object.entries(rateSetting)) {
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) throw invalidInput(`settings.sagemaker.rates.${operation} must be a positive number of requests per second`);
      rates[operation] = rate;
    }
  }

  const accessKeyId = text(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = text(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = text(env.AWS_SESSION_TOKEN);
  const ignoreEndpoints = /^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '');
  const endpointSetting = text(settings.endpoint);

  return {
    region: text(settings.region) ?? text(env.AWS_REGION) ?? text(env.AWS_DEFAULT_REGION),
    profile: text(settings.profile) ?? text(env.AWS_PROFILE),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } : undefined,
    // The SDK's own precedence: the service-specific variable, then the global one.
    endpoint: (service) => endpointSetting ?? (ignoreEndpoints ? undefined : (text(env[`AWS_ENDPOINT_URL_${service}`]) ?? text(env.AWS_ENDPOINT_URL))),
    followPollMs,
    statusPollMs: ms('statusPollMs', DEFAULT_STATUS_POLL_MS),
    streamDiscoveryMs: ms('streamDiscoveryMs', DEFAULT_STREAM_DISCOVERY_MS),
    ...(typeof period === 'number' ? { metricPeriodSeconds: period } : {}),
    rates,
  };
}
