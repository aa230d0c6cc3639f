import type { ProviderDefinitionV1 } from '@runlens/core';

const JOB_ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/jobs\/[^/?#]+$/i;
// `https://ml.azure.com/runs/<name>?wsid=…` and the experiment form `…/experiments/id/<id>/runs/<name>?wsid=…`.
const STUDIO_URL = /^https:\/\/ml\.azure\.com\/(?:[^?#]*\/)?runs\/([^/?#]+)\/?\?(?:.*&)?wsid=([^&#]+)/i;

/**
 * Azure Machine Learning jobs. Refs: `azureml:<job-name>` (workspace from configuration), the job's
 * ARM resource id, or its Studio URL (both carry the workspace; the ref's id is then the ARM id).
 */
export const azuremlProvider: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'azureml',
  displayName: 'Azure Machine Learning',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: false, trainingMetrics: true, metricSteps: true, artifacts: true },
  claim: (text) => {
    if (JOB_ARM_ID.test(text)) return text;
    const studio = STUDIO_URL.exec(text);
    return studio ? `${decodeURIComponent(studio[2]!)}/jobs/${decodeURIComponent(studio[1]!)}` : undefined;
  },
  isConfigured: ({ env, settings }) => Boolean(settings.workspace ?? (env.AZURE_SUBSCRIPTION_ID && env.AZURE_RESOURCE_GROUP && env.AZUREML_WORKSPACE_NAME)),
  load: async (environment) => (await import('./provider.js')).createAzuremlProvider(environment),
};
