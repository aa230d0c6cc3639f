import type { ProviderDefinitionV1 } from '@runlens/core';
import { claimAzuremlRef } from './refs.js';

/**
 * Azure Machine Learning jobs. Refs: `azureml:<job-name>` (workspace from configuration), the job's
 * ARM resource id, or its Studio URL, bare or after `azureml:` (see refs.ts for every form).
 */
export const azuremlProvider: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'azureml',
  displayName: 'Azure Machine Learning',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: false, trainingMetrics: true, metricSteps: true, artifacts: true },
  claim: claimAzuremlRef,
  isConfigured: ({ env, settings }) => Boolean(settings.workspace ?? (env.AZURE_SUBSCRIPTION_ID && env.AZURE_RESOURCE_GROUP && env.AZUREML_WORKSPACE_NAME)),
  load: async (environment) => (await import('./provider.js')).createAzuremlProvider(environment),
};
