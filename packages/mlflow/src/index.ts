import type { ProviderDefinition } from '@runlens/core';
import type { MlflowHandle } from './convert-run.js';
import { mlflowSettingsSchema, SETTING_OPTIONS, type MlflowSettings } from './settings.js';

// Cheap to import: no undici, no client. The client is `@runlens/mlflow/client`.
export * from './limits.js';
export * from './conventions.js';

/**
 * Runs on an MLflow tracking server: `mlflow:<run_id>`, the server from `--tracking-uri` (setting
 * `trackingUri`) or MLFLOW_TRACKING_URI, auth from MLFLOW_TRACKING_TOKEN or
 * MLFLOW_TRACKING_USERNAME/PASSWORD (Azure ML and SageMaker-managed servers: see targets.ts). Logs
 * exist for runs runlens copied (`runlens/logs/<node>.jsonl`).
 */
export const mlflowProvider: ProviderDefinition<MlflowSettings, MlflowHandle> = {
  specificationVersion: 'v2',
  id: 'mlflow',
  displayName: 'MLflow',
  capabilities: { list: false, logs: true, follow: true, systemMetrics: true, trainingMetrics: true, artifacts: true },
  settings: { schema: mlflowSettingsSchema, options: SETTING_OPTIONS },
  refHelp: 'mlflow:<run id>',
  environment: [{ name: 'MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD', description: 'MLflow auth (Azure ML and SageMaker servers: their cloud credentials)' }],
  isConfigured: ({ settings }) => Boolean(settings.trackingUri),
  load: async (environment) => (await import('./provider.js')).createMlflowProvider(environment),
};

export type { MlflowSettings } from './settings.js';
export type { MlflowHandle } from './convert-run.js';
