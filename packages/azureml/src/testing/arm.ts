/** ARM control plane: the workspace resource and command jobs (`JobBase`), as api-version 2022-10-01. */
import { SCOPE_PATTERN, scopeMismatch, scopePath, trackingUri } from './context.js';
import { decodePageToken, encodePageToken, gatewayProblem, isoTime, queryParam, sendArmError, sendJson } from './http.js';
import { stableUuid } from './state.js';

import type { EmulatorContext } from './context.js';
import type { Exchange, Problem, Route } from './http.js';
import type { Job } from './state.js';

export function armRoutes(context: EmulatorContext): Route[] {
  const scoped = (suffix: string, handle: (exchange: Exchange, rest: readonly string[]) => void): Route => ({
    methods: ['GET'],
    pattern: new RegExp(`^${SCOPE_PATTERN}${suffix}$`, 'i'),
    handle: (exchange, params) => {
      if (queryParam(exchange, 'api-version') === undefined) {
        sendArmError(exchange, 400, 'MissingApiVersionParameter',
          'The api-version query parameter (?api-version=) is required for all requests.');
        return;
      }
      const mismatch = scopeMismatch(context.workspace.identity, params.slice(0, 3));
      if (mismatch !== undefined) {
        sendArmError(exchange, 404, mismatch.code, mismatch.message);
        return;
      }
      handle(exchange, params.slice(3));
    },
  });
  return [
    scoped('', (exchange) => sendJson(exchange, 200, workspaceResource(context))),
    scoped('/jobs', (exchange) => listJobs(context, exchange)),
    scoped('/jobs/([^/]+)', (exchange, [name = '']) => getJob(context, exchange, decodeURIComponent(name))),
  ];
}

const ARM_ERRORS: Record<Exclude<Problem, 'missing-auth' | 'bad-token' | 'throttled'>, [number, string]> = {
  'not-found': [404, 'NotFound'],
  'bad-request': [400, 'BadRequest'],
  internal: [500, 'InternalServerError'],
  unavailable: [503, 'ServiceUnavailable'],
};

/** ARM error dialect. */
export function armFail(exchange: Exchange, problem: Problem, message: string): void {
  if (problem === 'missing-auth' || problem === 'bad-token' || problem === 'throttled') {
    gatewayProblem(exchange, problem);
    return;
  }
  const [status, code] = ARM_ERRORS[problem];
  sendArmError(exchange, status, code, message);
}

function getJob(context: EmulatorContext, exchange: Exchange, name: string): void {
  const job = context.workspace.get(name);
  if (job === undefined) {
    // Azure ML answers a missing job with its own UserError code rather than ARM's ResourceNotFound.
    sendArmError(exchange, 404, 'UserError', `The specified resource name '${name}' was not found.`);
    return;
  }
  sendJson(exchange, 200, jobResource(context, job));
}

function listJobs(context: EmulatorContext, exchange: Exchange): void {
  const offset = decodePageToken(queryParam(exchange, '$skip'));
  if (offset === undefined) {
    sendArmError(exchange, 400, 'UserError', 'The continuation token ($skip) is not valid.');
    return;
  }
  const view = (queryParam(exchange, 'listViewType') ?? 'ActiveOnly').toLowerCase();
  const jobType = queryParam(exchange, 'jobType')?.toLowerCase();
  const tag = queryParam(exchange, 'tag');
  const jobs = context.workspace.list().filter((job) =>
    (view === 'all' || (view === 'archivedonly') === job.isArchived) &&
    (jobType === undefined || jobType === 'command') &&
    (tag === undefined || tag in job.tags));
  const pageSize = context.settings.jobPageSize;
  const page = jobs.slice(offset, offset + pageSize);
  const body: { value: unknown[]; nextLink?: string } = { value: page.map((job) => jobResource(context, job)) };
  if (offset + pageSize < jobs.length) body.nextLink = nextLink(context, exchange, offset + pageSize);
  sendJson(exchange, 200, body);
}

/**
 * The link keeps the caller's filters and api-version, with a literal `$skip` as ARM writes it;
 * the SDK appends its query parameters again (pitfall 21), so they may arrive twice.
 */
function nextLink(context: EmulatorContext, exchange: Exchange, offset: number): string {
  const query = ['api-version', 'listViewType', 'jobType', 'tag']
    .flatMap((name) => {
      const value = queryParam(exchange, name);
      return value === undefined ? [] : [`${name}=${encodeURIComponent(value)}`];
    });
  query.push(`$skip=${encodePageToken(offset)}`);
  return `${context.baseUrl()}${exchange.url.pathname}?${query.join('&')}`;
}

function armId(context: EmulatorContext, suffix = ''): string {
  return `${scopePath(context.workspace.identity)}${suffix}`;
}

function systemData(createdBy: string, createdAt: number, modifiedAt: number): Record<string, string> {
  return {
    createdBy,
    createdByType: 'User',
    createdAt: isoTime(createdAt),
    lastModifiedBy: createdBy,
    lastModifiedByType: 'User',
    lastModifiedAt: isoTime(modifiedAt),
  };
}

function workspaceResource(context: EmulatorContext): Record<string, unknown> {
  const { identity } = context.workspace;
  const base = context.baseUrl();
  return {
    id: armId(context),
    name: identity.workspace,
    type: 'Microsoft.MachineLearningServices/workspaces',
    location: identity.region,
    tags: {},
    sku: { name: 'Basic', tier: 'Basic' },
    systemData: systemData('Runlens Tester', 1_700_000_000_000, 1_700_000_000_000),
    properties: {
      friendlyName: identity.workspace,
      workspaceId: stableUuid(`workspace:${armId(context)}`),
      provisioningState: 'Succeeded',
      // The real service puts the regional host here; the emulator's data plane is itself.
      discoveryUrl: `${base}/discovery`,
      mlFlowTrackingUri: trackingUri(context),
      storageAccount: `/subscriptions/${identity.subscriptionId}/resourceGroups/${identity.resourceGroup}` +
        `/providers/Microsoft.Storage/storageAccounts/${identity.workspace.replace(/[^a-z0-9]/gi, '').toLowerCase()}store`,
      publicNetworkAccess: 'Enabled',
      hbiWorkspace: false,
    },
  };
}

function jobResource(context: EmulatorContext, job: Job): Record<string, unknown> {
  const { identity } = context.workspace;
  const distributed = job.processCountPerInstance > 1;
  return {
    id: armId(context, `/jobs/${job.name}`),
    name: job.name,
    type: 'Microsoft.MachineLearningServices/workspaces/jobs',
    systemData: systemData(job.createdBy, job.createdAt, job.endedAt ?? job.startedAt ?? job.createdAt),
    properties: {
      jobType: 'Command',
      status: job.status,
      displayName: job.displayName,
      experimentName: job.experimentName,
      description: job.description,
      tags: { ...job.tags },
      properties: {
        ProcessInfoFile: 'azureml-logs/process_info.json',
        ContentSnapshotId: stableUuid(`snapshot:${job.name}`),
        ...job.properties,
      },
      computeId: armId(context, `/computes/${job.computeName}`),
      command: job.command,
      environmentId: job.environmentId,
      isArchived: job.isArchived,
      resources: { instanceCount: job.instanceCount, instanceType: job.instanceType, properties: {}, shmSize: '2g' },
      ...(distributed
        ? { distribution: { distributionType: 'PyTorch', processCountPerInstance: job.processCountPerInstance } }
        : {}),
      services: {
        Studio: {
          jobServiceType: 'Studio',
          endpoint: `https://ml.azure.com/runs/${job.name}?wsid=${armId(context)}&tid=${stableUuid(`tenant:${identity.subscriptionId}`)}`,
        },
        Tracking: { jobServiceType: 'Tracking', endpoint: `${trackingUri(context)}?` },
      },
      inputs: Object.fromEntries(Object.entries(job.inputs).map(([key, value]) => [key, { jobInputType: 'literal', value }])),
      outputs: {},
    },
  };
}
