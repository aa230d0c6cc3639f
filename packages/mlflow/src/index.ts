import type { ProviderDefinitionV1 } from '@runlens/core';

// Cheap to import: no undici, no client. The client is `@runlens/mlflow/client`.
export * from './limits.js';
export * from './conventions.js';

/**
 * Runs on an MLflow tracking server: `mlflow:<run_id>`, the server from `--tracking-uri` (setting
 * `trackingUri`) or MLFLOW_TRACKING_URI, auth from MLFLOW_TRACKING_TOKEN or
 * MLFLOW_TRACKING_USERNAME/PASSWORD. Logs exist for runs runlens copied (`runlens/logs/<node>.jsonl`).
 */
export const mlflowProvider: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'mlflow',
  displayName: 'MLflow',
  capabilities: { list: false, logs: true, follow: true, systemMetrics: true, trainingMetrics: true, metricSteps: true, artifacts: true },
  isConfigured: ({ env, settings }) => Boolean(settings.trackingUri ?? env.MLFLOW_TRACKING_URI),
  load: async (environment) => (await import('./provider.js')).createMlflowProvider(environment),
};
