// Configuration: which workspace a ref names, which endpoints to talk to, and the one rule for plain
// http (loopback hosts only). Read only from the provider environment core hands over, never from
// process.env. Settings arrive parsed and checked by core (settings.ts's schema); the workspace,
// subscription, resource group and endpoint variables are among them.
import { invalidInput, type ProviderEnvironmentV2 } from '@runlens/core';
import { isLoopbackHost, type AzuremlSettings } from './settings.js';

export { isLoopbackHost };

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

/** The workspace scope every ARM and data-plane path starts with. */
export interface WorkspaceId {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
}

/** A job: its workspace and its name (which Run History and MLflow use as the run id). */
export interface JobLocation extends WorkspaceId {
  readonly job: string;
}

const WORKSPACE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/?#]+)\/?$/i;
const JOB_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/jobs\/([^/?#]+)\/?$/i;
/** Azure ML job names: letters, digits, `-` and `_` (the service allows up to 255 characters). */
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

export interface AzuremlConfig {
  readonly armEndpoint: string;
  /** Data-plane host override (`https://<region>.api.azureml.ms`); otherwise read from the workspace. */
  readonly dataPlaneEndpoint?: string;
  /** A ready bearer token (e.g. `az account get-access-token`), used for ARM and the data plane. */
  readonly accessToken?: string;
  /** Token audience for ARM and the data plane (pitfall 21: the management audience). */
  readonly tokenScope: string;
  readonly defaultWorkspace?: WorkspaceId;
  /** MLflow get-history `max_results` (the server may cap it). */
  readonly metricPageSize: number;
  /** Overrides every request budget's rate (requests per second), as ModelArts' setting does: tests, higher quotas. */
  readonly requestsPerSecond?: number;
  readonly tenantId?: string;
  readonly managedIdentityClientId?: string;
}

const decode = (part: string) => decodeURIComponent(part);

export function parseWorkspaceId(text: string): WorkspaceId | undefined {
  const match = WORKSPACE_ID.exec(text.trim());
  return match ? { subscriptionId: decode(match[1]!), resourceGroup: decode(match[2]!), workspace: decode(match[3]!) } : undefined;
}

export function readConfig(environment: Pick<ProviderEnvironmentV2<AzuremlSettings>, 'env' | 'settings'>): AzuremlConfig {
  const { env, settings } = environment;
  const text = (value: string | undefined): string | undefined => (value !== undefined && value.trim() !== '' ? value.trim() : undefined);

  const armEndpoint = checkEndpoint(settings.armEndpoint ?? DEFAULT_ARM_ENDPOINT, 'AZUREML_ARM_ENDPOINT');
  const dataPlaneEndpoint = settings.dataPlaneEndpoint ? checkEndpoint(settings.dataPlaneEndpoint, 'AZUREML_DATAPLANE_ENDPOINT') : undefined;

  // A bare name needs a subscription and a resource group; without them there is no default
  // workspace, and a job given by name says so (noWorkspaceMessage).
  const configured = settings.workspace;
  const defaultWorkspace: WorkspaceId | undefined = configured
    ? (parseWorkspaceId(configured) ?? (settings.subscription !== undefined && settings.resourceGroup !== undefined ? { subscriptionId: settings.subscription, resourceGroup: settings.resourceGroup, workspace: configured } : undefined))
    : undefined;

  return {
    armEndpoint,
    ...(dataPlaneEndpoint ? { dataPlaneEndpoint } : {}),
    ...(text(env.AZUREML_ACCESS_TOKEN) ? { accessToken: text(env.AZUREML_ACCESS_TOKEN) } : {}),
    tokenScope: text(env.AZUREML_TOKEN_SCOPE) ?? `${new URL(armEndpoint).origin}/.default`,
    ...(defaultWorkspace ? { defaultWorkspace } : {}),
    metricPageSize: settings.metricPageSize ?? 10_000,
    ...(settings.requestsPerSecond !== undefined ? { requestsPerSecond: settings.requestsPerSecond } : {}),
    ...(text(env.AZURE_TENANT_ID) ? { tenantId: text(env.AZURE_TENANT_ID) } : {}),
    ...(text(env.AZURE_CLIENT_ID) ? { managedIdentityClientId: text(env.AZURE_CLIENT_ID) } : {}),
  };
}

/** The job a ref id names: a full ARM job id (from a ref, a Studio URL) or a name in the configured workspace. */
export function locateJob(id: string, config: AzuremlConfig): JobLocation {
  const trimmed = id.trim();
  const full = JOB_ID.exec(trimmed);
  if (full) {
    const job = decode(full[4]!);
    return { subscriptionId: decode(full[1]!), resourceGroup: decode(full[2]!), workspace: decode(full[3]!), job };
  }
  if (trimmed.startsWith('/')) throw invalidInput(`'${id}' is not an Azure ML job id (expected /subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…/jobs/<name>)`, { provider: 'azureml' });
  if (!JOB_NAME.test(trimmed)) throw invalidInput(`'${id}' is not a valid Azure ML job name (letters, digits, '-', '_' and '.')`, { provider: 'azureml' });
  const ws = config.defaultWorkspace;
  if (!ws) throw invalidInput(noWorkspaceMessage(`job '${trimmed}'`), { provider: 'azureml' });
  return { ...ws, job: trimmed };
}

export function noWorkspaceMessage(what: string): string {
  return `no Azure ML workspace configured for ${what}: set AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZUREML_WORKSPACE_NAME (or --subscription, --resource-group and --workspace), pass --workspace <ARM id>, or use the job's ARM id or Studio URL as the ref`;
}

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}` */
export function scopePath(ws: WorkspaceId): string {
  const e = encodeURIComponent;
  return `/subscriptions/${e(ws.subscriptionId)}/resourceGroups/${e(ws.resourceGroup)}/providers/Microsoft.MachineLearningServices/workspaces/${e(ws.workspace)}`;
}

export function workspaceKey(ws: WorkspaceId): string {
  return `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspace}`.toLowerCase();
}

/** An endpoint must be https, or http on a loopback host (the emulator). Returns it without a trailing slash. */
export function checkEndpoint(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput(`${what} '${text}' is not a URL`, { provider: 'azureml' });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw invalidInput(`${what} must use https (plain http is accepted only for loopback hosts such as 127.0.0.1): ${url.protocol}//${url.host}`, { provider: 'azureml' });
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Whether a URL the service handed out (a SAS link, a tracking URI) may be fetched: https, or http on loopback. */
export function isFetchable(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * The data-plane origin from a workspace's `mlFlowTrackingUri` (`azureml://<host>/mlflow/v1.0/…`) or
 * `discoveryUrl` (`https://<host>/discovery`). `azureml:` becomes https, or http for a loopback host.
 */
export function dataPlaneFromWorkspace(properties: { mlFlowTrackingUri?: string; discoveryUrl?: string } | undefined): string | undefined {
  for (const candidate of [properties?.mlFlowTrackingUri, properties?.discoveryUrl]) {
    if (!candidate) continue;
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (url.protocol === 'azureml:') {
      const scheme = isLoopbackHost(url.hostname) ? 'http' : 'https';
      return `${scheme}://${url.host}`;
    }
    if (isFetchable(url)) return url.origin;
  }
  return undefined;
}
