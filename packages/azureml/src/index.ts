import type { ProviderDefinitionV1 } from '@runlens/core';
import { fromV1 } from '@runlens/core/from-v1';

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
const azuremlV1: ProviderDefinitionV1 = {
  specificationVersion: 'v1',
  id: 'azureml',
  displayName: 'Azure Machine Learning',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: false, trainingMetrics: true, metricSteps: true, artifacts: true },
  claim: claimAzuremlRef,
  isConfigured: ({ env, settings }) => Boolean(settings.workspace ?? (env.AZURE_SUBSCRIPTION_ID && env.AZURE_RESOURCE_GROUP && env.AZUREML_WORKSPACE_NAME)),
  load: async (environment) => (await import('./provider.js')).createAzuremlProvider(environment),
};

// TEMPORARY (issue 12): contract v1 through core's fromV1 shim until this adapter is migrated to v2.
export const azuremlProvider = fromV1(azuremlV1, {
  options: [{ key: 'workspace', flag: 'workspace', description: 'Azure ML workspace: a name, or its ARM resource id' }],
  environment: [{ name: 'AZURE_*, AZUREML_*', description: 'Azure credentials, subscription, resource group and workspace' }],
  refHelp: 'azureml:<job name>, an ARM job id or a Studio URL',
});
