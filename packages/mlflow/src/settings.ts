// The mlflow: provider's settings (contract v2). Cheap to import: the CLI reads the definition for
// its help. Core reads MLFLOW_TRACKING_URI into `trackingUri`, puts the caller's settings (the CLI's
// --tracking-uri) on top and parses the result with this schema: an unknown key or a bad value fails
// the same way as for every provider. Auth (MLFLOW_TRACKING_TOKEN, …) is read by the adapter from the
// environment core hands it, never carried in settings.
import * as z from 'zod/mini';
import type { SettingOption } from '@runlens/core';

export const mlflowSettingsSchema = z.strictObject({
  /** The tracking server: http(s)://host[:port], azureml://…, or a SageMaker MLflow ARN (targets.ts). */
  trackingUri: z.optional(z.string().check(z.trim(), z.minLength(1))),
  /** Overrides the request budget's rate (requests per second), for tests and benchmarks. */
  requestsPerSecond: z.optional(z.int().check(z.gte(1))),
  /** Bytes of log artifact read per page (default 1 MiB). */
  logPageBytes: z.optional(z.int().check(z.gte(1))),
});

export type MlflowSettings = z.infer<typeof mlflowSettingsSchema>;

export const SETTING_OPTIONS: readonly SettingOption[] = [
  { key: 'trackingUri', flag: 'tracking-uri', valueName: 'uri', env: ['MLFLOW_TRACKING_URI'], description: 'MLflow tracking server for mlflow: refs (http(s)://, azureml://, or a SageMaker MLflow ARN)' },
  { key: 'requestsPerSecond', type: 'number', description: 'MLflow request rate override (requests per second)' },
  { key: 'logPageBytes', type: 'number', description: 'bytes of log artifact read per page (default 1048576)' },
];
