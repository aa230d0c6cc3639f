/**
 * Run History: `runs/{runId}/details` carries what ARM jobs lack (start/end times, the failure,
 * per-node log file URLs).
 */
import { SCOPE_PATTERN, runFileUrl, scopeMismatch } from './context.js';
import { gatewayProblem, isoTime, rootError, sendJson, sendServiceError } from './http.js';
import { stableUuid } from './state.js';

import type { EmulatorContext } from './context.js';
import type { Exchange, Problem, Route } from './http.js';
import type { Job } from './state.js';

const PREFIX = `^/history/v1\\.0${SCOPE_PATTERN}`;

export function historyRoutes(context: EmulatorContext): Route[] {
  const details = (suffix: string, inExperiment: (job: Job, experiment: string) => boolean): Route => ({
    methods: ['GET'],
    pattern: new RegExp(`${PREFIX}${suffix}/runs/([^/]+)/details$`, 'i'),
    handle: (exchange, params) => {
      const mismatch = scopeMismatch(context.workspace.identity, params.slice(0, 3));
      if (mismatch !== undefined) {
        serviceFail(context, exchange, 'not-found', mismatch.message);
        return;
      }
      const [experiment, runId] = params.length > 4
        ? [decodeURIComponent(params[3] ?? ''), params[4] ?? '']
        : [undefined, params[3] ?? ''];
      const job = context.workspace.get(decodeURIComponent(runId));
      if (job === undefined || (experiment !== undefined && !inExperiment(job, experiment))) {
        serviceFail(context, exchange, 'not-found', `Run ${decodeURIComponent(runId)} was not found`);
        return;
      }
      sendJson(exchange, 200, runDetails(context, job));
    },
  });
  return [
    details('', () => true),
    details('/experiments/([^/]+)', (job, name) => job.experimentName === name),
    details('/experimentids/([^/]+)', (job, id) => experimentId(job) === id),
  ];
}

/** Run History / artifact service error dialect. */
export function serviceFail(context: EmulatorContext, exchange: Exchange, problem: Problem, message: string): void {
  const where = { region: context.workspace.identity.region, now: context.workspace.clock() };
  switch (problem) {
    case 'missing-auth':
    case 'bad-token':
    case 'throttled':
      gatewayProblem(exchange, problem);
      return;
    case 'not-found':
      sendServiceError(exchange, 404, { code: 'UserError', message, innerError: { code: 'NotFoundError' } }, where);
      return;
    case 'bad-request':
      sendServiceError(exchange, 400, { code: 'ValidationError', message }, where);
      return;
    case 'internal':
      sendServiceError(exchange, 500, { code: 'ServiceError', message }, where);
      return;
    case 'unavailable':
      sendServiceError(exchange, 503, { code: 'TransientError', message }, where);
      return;
  }
}

export function experimentId(job: Job): string {
  return stableUuid(`experiment:${job.experimentName}`);
}

function runDetails(context: EmulatorContext, job: Job): Record<string, unknown> {
  const { identity } = context.workspace;
  const runUuid = stableUuid(`run:${job.name}`);
  const logFiles: Record<string, string> = {};
  for (const path of [...job.files.keys()].sort()) {
    if (job.files.get(path)?.kind === 'log') logFiles[path] = runFileUrl(context, job.name, path);
  }
  const user = {
    userObjectId: stableUuid(`user:${job.createdBy}`),
    userTenantId: stableUuid(`tenant:${identity.subscriptionId}`),
    userName: job.createdBy,
  };
  return {
    runId: job.name,
    runUuid,
    parentRunUuid: null,
    rootRunUuid: runUuid,
    target: job.computeName,
    status: job.status,
    parentRunId: null,
    rootRunId: job.name,
    experimentId: experimentId(job),
    displayName: job.displayName,
    runNumber: job.runNumber,
    createdTimeUtc: isoTime(job.createdAt),
    startTimeUtc: job.startedAt === undefined ? null : isoTime(job.startedAt),
    endTimeUtc: job.endedAt === undefined ? null : isoTime(job.endedAt),
    effectiveStartTimeUtc: job.startedAt === undefined ? null : isoTime(job.startedAt),
    computeDuration: job.startedAt === undefined
      ? null
      : timeSpan((job.endedAt ?? context.workspace.clock()) - job.startedAt),
    error: job.error === undefined
      ? null
      : { error: rootError(job.error), correlation: null, environment: null, location: null, time: isoTime(job.endedAt ?? job.createdAt) },
    warnings: [],
    tags: { ...job.tags },
    properties: { ...job.properties },
    // Whether Run History copies MLflow params here is not documented: they are served by MLflow only.
    parameters: {},
    services: {},
    inputDatasets: [],
    outputDatasets: [],
    runDefinition: {
      command: job.command,
      target: job.computeName,
      nodeCount: job.instanceCount,
      processCountPerNode: job.processCountPerInstance,
      environmentAssetId: job.environmentId,
    },
    logFiles,
    jobCost: null,
    revision: job.revision,
    statusRevision: job.revision,
    runTypeV2: { orchestrator: 'Execution', traits: ['azureml.commandjob'], attribution: 'Azureml', computeType: 'AmlcCompute' },
    settings: {},
    computeRequest: { nodeCount: job.instanceCount },
    compute: {
      target: job.computeName,
      targetType: 'AmlCompute',
      vmSize: job.instanceType,
      instanceCount: job.instanceCount,
      priority: 'Dedicated',
      region: identity.region,
    },
    createdBy: user,
    userId: user.userObjectId,
  };
}

/** .NET TimeSpan text (`hh:mm:ss.fffffff`), as Run History serialises durations. */
function timeSpan(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${String(total % 1000).padStart(3, '0')}0000`;
}
