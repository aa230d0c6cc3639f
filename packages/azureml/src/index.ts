import type { ProviderDefinition } from '@runlens/core';
import { azuremlSettingsSchema, type AzuremlHandle, type AzuremlSettings } from './settings.js';

// The forms in which Azure ML names a job, as its own tools print them (docs/providers/azureml.md).
// Every form becomes the id after `azureml:`: the job's full ARM id, or a bare job name for the
// configured workspace. Kept in this file: resolving a ref must not load the adapter's other modules.
const ARM_PREFIX = '/providers/Microsoft.MachineLearningServices/workspaces/';
/** `/subscriptions/S/resourceGroups/G/providers/Microsoft.MachineLearningServices/workspaces/W/jobs/J` (any case, as ARM ids are). */
const JOB_ARM_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/jobs\/([^/?#]+)\/?$/i;
/**
 * A workspace as Studio's `wsid` carries it: with the provider segment (the ARM id), or without it
 * (`/subscriptions/S/resourcegroups/G/workspaces/W`, as `az ml job show` and the SDK's "Web View" print).
 */
const WSID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/([^/?#]+)\/?$/i;
/** `https://ml.azure.com/runs/<name>?wsid=…&tid=…` and `…/experiments/<id or name>/runs/<name>?wsid=…`. */
const STUDIO_RUN = /^https:\/\/ml\.azure\.com\/(?:[^?#]*\/)?runs\/([^/?#]+)\/?(?:\?([^#]*))?(?:#.*)?$/i;

function armJobId(subscription: string, group: string, workspace: string, job: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${group}${ARM_PREFIX}${workspace}/jobs/${job}`;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The `azureml:` id an Azure ML job reference names, or undefined when the text is none of its forms. */
export function claimAzuremlRef(text: string): string | undefined {
  const arm = JOB_ARM_ID.exec(text);
  if (arm) return armJobId(arm[1]!, arm[2]!, arm[3]!, arm[4]!);
  const studio = STUDIO_RUN.exec(text);
  if (!studio) return undefined;
  const job = decode(studio[1]!);
  const wsid = new URLSearchParams(studio[2] ?? '').get('wsid');
  if (wsid === null) return job; // a Studio link without its workspace: the configured one
  const ws = WSID.exec(wsid);
  return ws ? armJobId(ws[1]!, ws[2]!, ws[3]!, job) : undefined;
}

/**
 * Azure Machine Learning jobs. Refs: `azureml:<job-name>` (workspace from configuration), the job's
 * ARM resource id, or its Studio URL, bare or after `azureml:` (see claimAzuremlRef for every form).
 */
export const azuremlProvider: ProviderDefinition<AzuremlSettings, AzuremlHandle> = {
  specificationVersion: 'v2',
  id: 'azureml',
  displayName: 'Azure Machine Learning',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: false, trainingMetrics: true, artifacts: true },
  settings: {
    schema: azuremlSettingsSchema,
    options: [
      { key: 'workspace', flag: 'workspace', env: ['AZUREML_WORKSPACE_NAME'], description: 'Azure ML workspace: a name (with a subscription and resource group), or its ARM resource id' },
      { key: 'subscription', flag: 'subscription', valueName: 'id', env: ['AZURE_SUBSCRIPTION_ID'], description: 'Azure subscription of the Azure ML workspace' },
      { key: 'resourceGroup', flag: 'resource-group', valueName: 'name', env: ['AZURE_RESOURCE_GROUP'], description: 'resource group of the Azure ML workspace' },
      { key: 'armEndpoint', env: ['AZUREML_ARM_ENDPOINT'], description: 'Azure Resource Manager endpoint (default https://management.azure.com)' },
      { key: 'dataPlaneEndpoint', env: ['AZUREML_DATAPLANE_ENDPOINT'], description: "Azure ML data-plane endpoint (default: the workspace's)" },
    ],
  },
  refHelp: 'azureml:<job name>, an ARM job id or a Studio URL',
  environment: [
    { name: 'AZUREML_ACCESS_TOKEN', description: 'a ready bearer token (az account get-access-token); else the Azure credential chain' },
    { name: 'AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZUREML_TOKEN_SCOPE', description: 'Azure credentials (service principal, managed identity) and token audience' },
  ],
  claim: claimAzuremlRef,
  // The workspace variables arrive as settings (core reads the variables declared above).
  isConfigured: ({ settings }) => settings.workspace !== undefined,
  load: async (environment) => (await import('./provider.js')).createAzuremlProvider(environment),
};

export type { AzuremlHandle, AzuremlSettings } from './settings.js';
