/** What the HTTP surfaces share: the workspace, URL minting and server settings. */
import type { SasSigner } from './auth.js';
import type { Workspace, WorkspaceIdentity } from './state.js';

export interface EmulatorSettings {
  readonly metricPageMax: number;
  readonly metricListPageSize: number;
  readonly jobPageSize: number;
  readonly artifactPageSize: number;
  readonly rangeSupport: boolean;
}

export interface EmulatorContext {
  readonly workspace: Workspace;
  readonly sas: SasSigner;
  readonly settings: EmulatorSettings;
  /** `http://127.0.0.1:{port}`, known once the server listens. */
  baseUrl(): string;
  countBlobBytes(bytes: number): void;
}

/** Workspace scope segment shared by ARM and every data-plane service; names are case-insensitive. */
export const SCOPE_PATTERN =
  '/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.MachineLearningServices/workspaces/([^/]+)';

export function scopePath(identity: WorkspaceIdentity): string {
  return `/subscriptions/${identity.subscriptionId}/resourceGroups/${identity.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${identity.workspace}`;
}

/** ARM's answer when the scope in a URL names another subscription, group or workspace. */
export function scopeMismatch(
  identity: WorkspaceIdentity,
  params: readonly string[],
): { code: string; message: string } | undefined {
  const [sub = '', rg = '', ws = ''] = params.map((p) => decodeURIComponent(p));
  if (sub.toLowerCase() !== identity.subscriptionId.toLowerCase()) {
    return { code: 'SubscriptionNotFound', message: `The subscription '${sub}' could not be found.` };
  }
  if (rg.toLowerCase() !== identity.resourceGroup.toLowerCase()) {
    return { code: 'ResourceGroupNotFound', message: `Resource group '${rg}' could not be found.` };
  }
  if (ws.toLowerCase() !== identity.workspace.toLowerCase()) {
    return {
      code: 'ResourceNotFound',
      message: `The Resource 'Microsoft.MachineLearningServices/workspaces/${ws}' under resource group '${rg}' was not found.`,
    };
  }
  return undefined;
}

/** Workspace blob store container holding run outputs and logs. */
export const ARTIFACT_CONTAINER = 'azureml';

/** Blob path of a run file: `ExperimentRun/dcid.{runId}/{path}` (the layout public examples show). */
export function runBlobPath(runId: string, path: string): string {
  return `ExperimentRun/dcid.${runId}/${path}`;
}

/** Self-authorising download URL for a run's log file or artifact. */
export function runFileUrl(context: EmulatorContext, runId: string, path: string): string {
  const blobPath = runBlobPath(runId, path);
  const encoded = blobPath.split('/').map(encodeURIComponent).join('/');
  const sas = context.sas.sign(ARTIFACT_CONTAINER, blobPath, context.workspace.clock());
  return `${context.baseUrl()}/blob/${ARTIFACT_CONTAINER}/${encoded}?${sas}`;
}

/** `azureml://host/mlflow/v1.0/...` tracking URI, as the workspace and job resources report it. */
export function trackingUri(context: EmulatorContext): string {
  const host = new URL(context.baseUrl()).host;
  return `azureml://${host}/mlflow/v1.0${scopePath(context.workspace.identity)}`;
}
