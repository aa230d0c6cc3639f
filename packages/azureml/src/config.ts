// Configuration: which workspace a ref names, which endpoints to talk to, and the one rule for plain
// http (loopback hosts only). Read only from the ProviderEnvironment, never from process.env.
import { invalidInput, type ProviderEnvironment } from '@runlens/core';

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
  /** Follow polling, overridable for tests through settings. */
  readonly followPollMs: { readonly min: number; readonly max: number };
  readonly statusPollMs: number;
  readonly streamDiscoveryMs: number;
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

export function readConfig(environment: ProviderEnvironment): AzuremlConfig {
  const { env, settings } = environment;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
  const number = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback);

  const armEndpoint = checkEndpoint(text(settings.armEndpoint) ?? text(env.AZUREML_ARM_ENDPOINT) ?? DEFAULT_ARM_ENDPOINT, 'AZUREML_ARM_ENDPOINT');
  const dataPlane = text(settings.dataPlaneEndpoint) ?? text(env.AZUREML_DATAPLANE_ENDPOINT);
  const dataPlaneEndpoint = dataPlane ? checkEndpoint(dataPlane, 'AZUREML_DATAPLANE_ENDPOINT') : undefined;

  let defaultWorkspace: WorkspaceId | undefined;
  const configured = text(settings.workspace);
  const subscriptionId = text(env.AZURE_SUBSCRIPTION_ID);
  const resourceGroup = text(env.AZURE_RESOURCE_GROUP);
  if (configured) {
    defaultWorkspace = parseWorkspaceId(configured);
    if (!defaultWorkspace) {
      // A bare workspace name borrows the subscription and resource group from the environment.
      if (configured.includes('/') || !subscriptionId || !resourceGroup) {
        throw invalidInput(`invalid --workspace '${configured}': use the workspace's ARM id (/subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…), or a name with AZURE_SUBSCRIPTION_ID and AZURE_RESOURCE_GROUP set`, { provider: 'azureml' });
      }
      defaultWorkspace = { subscriptionId, resourceGroup, workspace: configured };
    }
  } else {
    const workspace = text(env.AZUREML_WORKSPACE_NAME);
    if (subscriptionId && resourceGroup && workspace) defaultWorkspace = { subscriptionId, resourceGroup, workspace };
  }

  const pollMin = number(settings.followPollMinMs, 2_000);
  return {
    armEndpoint,
    ...(dataPlaneEndpoint ? { dataPlaneEndpoint } : {}),
    ...(text(env.AZUREML_ACCESS_TOKEN) ? { accessToken: text(env.AZUREML_ACCESS_TOKEN) } : {}),
    tokenScope: text(env.AZUREML_TOKEN_SCOPE) ?? `${new URL(armEndpoint).origin}/.default`,
    ...(defaultWorkspace ? { defaultWorkspace } : {}),
    followPollMs: { min: pollMin, max: Math.max(pollMin, number(settings.followPollMaxMs, 30_000)) },
    statusPollMs: number(settings.statusPollMs, 10_000),
    streamDiscoveryMs: number(settings.streamDiscoveryMs, 15_000),
    metricPageSize: Math.max(1, Math.floor(number(settings.metricPageSize, 10_000))),
    ...(number(settings.requestsPerSecond, 0) > 0 ? { requestsPerSecond: number(settings.requestsPerSecond, 0) } : {}),
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
  return `no Azure ML workspace configured for ${what}: set AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZUREML_WORKSPACE_NAME, pass --workspace <ARM id>, or use the job's ARM id or Studio URL as the ref`;
}

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}` */
export function scopePath(ws: WorkspaceId): string {
  const e = encodeURIComponent;
  return `/subscriptions/${e(ws.subscriptionId)}/resourceGroups/${e(ws.resourceGroup)}/providers/Microsoft.MachineLearningServices/workspaces/${e(ws.workspace)}`;
}

export function workspaceKey(ws: WorkspaceId): string {
  return `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspace}`.toLowerCase();
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http is accepted for. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return v4 !== null && v4.slice(1).every((part) => Number(part) <= 255);
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
