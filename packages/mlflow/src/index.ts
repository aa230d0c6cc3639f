import type { ProviderDefinitionV1 } from '@runlens/core';
import { fromV1 } from '@runlens/core/from-v1';

// Cheap to import: no undici, no client. The client is `@runlens/mlflow/client`.
export * from './limits.js';
export * from './conventions.js';

/**
 * Runs on an MLflow tracking server: `mlflow:<run_id>`, the server from `--tracking-uri` (setting
 * `trackingUri`) or MLFLOW_TRACKING_URI, auth from MLFLOW_TRACKING_TOKEN or
 * MLFLOW_TRACKING_USERNAME/PASSWORD. Logs exist for runs runlens copied (`runlens/logs/<node>.jsonl`).
 */
const mlflowV1: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'mlflow',
  displayName: 'MLflow',
  capabilities: { list: false, logs: true, follow: true, systemMetrics: true, trainingMetrics: true, metricSteps: true, artifacts: true },
  isConfigured: ({ env, settings }) => Boolean(settings.trackingUri ?? env.MLFLOW_TRACKING_URI),
  load: async (environment) => (await import('./provider.js')).createMlflowProvider(environment),
};

// TEMPORARY (issue 12): contract v1 through core's fromV1 shim until this adapter is migrated to v2.
export const mlflowProvider = fromV1(mlflowV1, {
  options: [{ key: 'trackingUri', flag: 'tracking-uri', valueName: 'uri', description: 'MLflow tracking server for mlflow: refs (default: MLFLOW_TRACKING_URI)' }],
  environment: [{ name: 'MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD', description: 'MLflow server and auth' }],
  refHelp: 'mlflow:<run id>',
});
