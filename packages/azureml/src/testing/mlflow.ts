/**
 * The MLflow REST subset Azure ML serves per workspace: runs/get, metrics/get-history and
 * artifacts/list. JSON follows MLflow's proto3 rendering: int64 as numbers, empty lists omitted.
 */
import { SCOPE_PATTERN, scopeMismatch, scopePath } from './context.js';
import { decodePageToken, encodePageToken, gatewayProblem, queryParam, sendJson } from './http.js';
import { experimentId } from './history.js';
import { mlflowStatus } from './state.js';

import type { EmulatorContext } from './context.js';
import type { Exchange, Problem, Route } from './http.js';
import type { Job, MetricPoint } from './state.js';

type MlflowHandler = (context: EmulatorContext, exchange: Exchange, job: Job) => void;

export function mlflowRoutes(context: EmulatorContext): Route[] {
  const endpoint = (name: string, handle: MlflowHandler): Route => ({
    methods: ['GET'],
    pattern: new RegExp(`^/mlflow/v[12]\\.0${SCOPE_PATTERN}/api/2\\.0/mlflow/${name}$`, 'i'),
    handle: (exchange, params) => {
      const mismatch = scopeMismatch(context.workspace.identity, params);
      if (mismatch !== undefined) {
        mlflowFail(exchange, 'not-found', mismatch.message);
        return;
      }
      const runId = queryParam(exchange, 'run_id') ?? queryParam(exchange, 'run_uuid');
      if (runId === undefined || runId === '') {
        mlflowFail(exchange, 'bad-request', "Missing value for required parameter 'run_id'.");
        return;
      }
      const job = context.workspace.get(runId);
      if (job === undefined) {
        mlflowFail(exchange, 'not-found', `Run '${runId}' not found.`);
        return;
      }
      handle(context, exchange, job);
    },
  });
  return [
    endpoint('runs/get', getRun),
    endpoint('metrics/get-history', getMetricHistory),
    endpoint('artifacts/list', listArtifacts),
  ];
}

const ERROR_CODES: Record<Exclude<Problem, 'missing-auth' | 'bad-token' | 'throttled'>, [number, string]> = {
  'not-found': [404, 'RESOURCE_DOES_NOT_EXIST'],
  'bad-request': [400, 'INVALID_PARAMETER_VALUE'],
  internal: [500, 'INTERNAL_ERROR'],
  unavailable: [503, 'TEMPORARILY_UNAVAILABLE'],
};

/** MLflow error dialect; auth and throttling come from the gateway in front of it. */
export function mlflowFail(exchange: Exchange, problem: Problem, message: string): void {
  if (problem === 'missing-auth' || problem === 'bad-token' || problem === 'throttled') {
    gatewayProblem(exchange, problem);
    return;
  }
  const [status, errorCode] = ERROR_CODES[problem];
  sendJson(exchange, status, { error_code: errorCode, message });
}

function artifactUri(context: EmulatorContext, job: Job): string {
  const host = new URL(context.baseUrl()).host;
  return `azureml://${host}/mlflow/v2.0${scopePath(context.workspace.identity)}` +
    `/experiments/${experimentId(job)}/runs/${job.name}/artifacts`;
}

/** MLflow's "latest" point: highest (step, timestamp, value). */
function latest(history: readonly MetricPoint[]): MetricPoint | undefined {
  let best: MetricPoint | undefined;
  for (const point of history) {
    if (best === undefined || point.step > best.step ||
      (point.step === best.step && (point.timestamp > best.timestamp ||
        (point.timestamp === best.timestamp && point.value >= best.value)))) {
      best = point;
    }
  }
  return best;
}

const pairs = (record: Record<string, string>): { key: string; value: string }[] =>
  Object.entries(record).map(([key, value]) => ({ key, value }));

/** proto3 JSON leaves out empty repeated fields; adapters must cope with missing arrays. */
function withList<T>(body: Record<string, unknown>, key: string, list: readonly T[]): Record<string, unknown> {
  if (list.length > 0) body[key] = list;
  return body;
}

function getRun(context: EmulatorContext, exchange: Exchange, job: Job): void {
  const metrics = [...job.metrics.values()].map(latest).filter((p): p is MetricPoint => p !== undefined);
  const tags = {
    'mlflow.runName': job.displayName,
    'mlflow.user': job.createdBy,
    'mlflow.rootRunId': job.name,
    ...job.tags,
  };
  const info: Record<string, unknown> = {
    run_id: job.name,
    run_uuid: job.name,
    run_name: job.displayName,
    experiment_id: experimentId(job),
    user_id: job.createdBy,
    status: mlflowStatus(job.status),
    start_time: job.startedAt ?? job.createdAt,
    artifact_uri: artifactUri(context, job),
    lifecycle_stage: 'active',
  };
  if (job.endedAt !== undefined) info.end_time = job.endedAt;
  const data: Record<string, unknown> = {};
  withList(data, 'metrics', metrics);
  withList(data, 'params', pairs(job.params));
  withList(data, 'tags', pairs(tags));
  sendJson(exchange, 200, { run: { info, data } });
}

function getMetricHistory(context: EmulatorContext, exchange: Exchange, job: Job): void {
  const key = queryParam(exchange, 'metric_key');
  if (key === undefined || key === '') {
    mlflowFail(exchange, 'bad-request', "Missing value for required parameter 'metric_key'.");
    return;
  }
  const offset = decodePageToken(queryParam(exchange, 'page_token'));
  if (offset === undefined) {
    mlflowFail(exchange, 'bad-request', 'Invalid page token.');
    return;
  }
  const maxText = queryParam(exchange, 'max_results');
  const max = maxText === undefined ? Infinity : Number(maxText);
  if (!(Number.isInteger(max) && max > 0) && max !== Infinity) {
    mlflowFail(exchange, 'bad-request', `Invalid value ${maxText} for parameter 'max_results'.`);
    return;
  }
  const history = job.metrics.get(key) ?? [];
  // Without max_results the request is unpaginated; otherwise the server caps the page size.
  const pageSize = maxText === undefined ? history.length : Math.min(max, context.settings.metricPageMax);
  const page = history.slice(offset, offset + pageSize);
  const body = withList({}, 'metrics', page);
  if (offset + pageSize < history.length) body.next_page_token = encodePageToken(offset + pageSize);
  sendJson(exchange, 200, body);
}

function listArtifacts(context: EmulatorContext, exchange: Exchange, job: Job): void {
  const offset = decodePageToken(queryParam(exchange, 'page_token'));
  if (offset === undefined) {
    mlflowFail(exchange, 'bad-request', 'Invalid page token.');
    return;
  }
  const dir = (queryParam(exchange, 'path') ?? '').replace(/^\/+|\/+$/g, '');
  const prefix = dir === '' ? '' : `${dir}/`;
  const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const [path, file] of job.files) {
    if (!path.startsWith(prefix)) continue;
    const [child = '', ...rest] = path.slice(prefix.length).split('/');
    const childPath = `${prefix}${child}`;
    entries.set(childPath, rest.length > 0
      ? { path: childPath, is_dir: true }
      : { path: childPath, is_dir: false, file_size: file.content.size });
  }
  const files = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const pageSize = context.settings.artifactPageSize;
  const body: Record<string, unknown> = { root_uri: artifactUri(context, job) };
  withList(body, 'files', files.slice(offset, offset + pageSize));
  if (offset + pageSize < files.length) body.next_page_token = encodePageToken(offset + pageSize);
  sendJson(exchange, 200, body);
}
