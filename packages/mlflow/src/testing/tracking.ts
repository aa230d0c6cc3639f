/**
 * The tracking endpoints (`/api/2.0/mlflow/…`) with MLflow's validation: handlers.py request schemas,
 * utils/validation.py limits and key rules, the stores' immutable params and RESOURCE_* errors.
 */
import {
  MAX_BATCH_LOG_REQUEST_SIZE,
  MAX_ENTITIES_PER_BATCH,
  MAX_EXPERIMENT_NAME_LENGTH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAM_VAL_LENGTH,
  MAX_PARAMS_TAGS_PER_BATCH,
  MAX_TAG_VAL_LENGTH,
  MLFLOW_RUN_STATUSES,
  codePoints,
  keyProblem,
} from '../limits.js';
import type { EmulatorConfig } from './emulator.js';
import { like, matches, parseFilter } from './filter.js';
import {
  ApiError,
  decodeToken,
  encodeToken,
  exists,
  invalid,
  jsonBody,
  missing,
  optionalArray,
  optionalInt,
  optionalString,
  requireString,
  sendJson,
  type Exchange,
} from './http.js';
import { generatedRunName, type ExperimentRecord, type MetricPointRecord, type RunRecord, type TrackingState } from './state.js';

const SEARCH_MAX_RESULTS_DEFAULT = 1000;
const SEARCH_MAX_RESULTS_THRESHOLD = 50_000;

type Handler = (state: TrackingState, config: EmulatorConfig, exchange: Exchange, args: Record<string, unknown>) => unknown;

interface Endpoint {
  readonly methods: readonly string[];
  readonly handle: Handler;
}

/** GET endpoints take their fields from the query; POST ones from the JSON body. */
function args(exchange: Exchange): Record<string, unknown> {
  if (exchange.method === 'GET') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of exchange.url.searchParams) out[k] = v;
    return out;
  }
  return jsonBody(exchange);
}

export function handleTracking(state: TrackingState, config: EmulatorConfig, exchange: Exchange, endpoint: string): void {
  const found = ENDPOINTS[endpoint];
  if (!found) throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `No endpoint /api/2.0/mlflow/${endpoint}`);
  if (!found.methods.includes(exchange.method)) throw new ApiError(405, 'BAD_REQUEST', `Method ${exchange.method} not allowed on ${endpoint}`);
  const answer = found.handle(state, config, exchange, args(exchange));
  if (answer !== undefined) sendJson(exchange.res, 200, answer);
}

// ---- validation ------------------------------------------------------------------------------

function validateKey(entity: 'metric' | 'parameter' | 'tag', key: unknown, config: EmulatorConfig): string {
  if (key === undefined || key === null) throw invalid(`${entity === 'parameter' ? 'Parameter' : entity === 'metric' ? 'Metric' : 'Tag'} name cannot be None. A key name must be provided.`);
  if (typeof key !== 'string') throw invalid(`Invalid ${entity} name: ${JSON.stringify(key)}.`);
  const problem = keyProblem(key, { colon: config.colonInKeys });
  if (problem === undefined) return key;
  if (problem.startsWith('had length')) {
    const label = entity === 'metric' ? 'Metric name' : entity === 'parameter' ? 'Param key' : 'Tag key';
    throw invalid(`${label} '${key.slice(0, 250)}' ${problem}`);
  }
  throw invalid(`Invalid ${entity} name: '${key}'. ${problem}`);
}

function validateValue(label: 'Param value' | 'Tag value', value: string, limit: number): void {
  const length = codePoints(value);
  if (length > limit) throw invalid(`${label} '${value.slice(0, 250)}' had length ${length}, which exceeded length limit of ${limit}`);
}

function keyValues(list: unknown[], name: string): { key: unknown; value: string }[] {
  return list.map((item, idx) => {
    if (!item || typeof item !== 'object') throw invalid(`Invalid value for parameter '${name}[${idx}]'.`);
    const { key, value } = item as { key?: unknown; value?: unknown };
    if (key === undefined || key === null || key === '') throw invalid(`Missing value for required parameter '${name}[${idx}].key'.`);
    if (value !== undefined && value !== null && typeof value !== 'string') throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}[${idx}].value' supplied.`);
    return { key, value: (value as string | undefined) ?? '' };
  });
}

function tagsOf(list: unknown[], config: EmulatorConfig): [string, string][] {
  return keyValues(list, 'tags').map(({ key, value }) => {
    const k = validateKey('tag', key, config);
    validateValue('Tag value', value, MAX_TAG_VAL_LENGTH);
    return [k, value];
  });
}

/** proto3 JSON doubles: numbers, or the strings "NaN", "Infinity", "-Infinity". */
function metricValue(value: unknown, key: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw invalid(`Got invalid value ${String(value)} for metric '${key}'. Please specify value as a valid double (64-bit floating point)`);
}

function metricsOf(list: unknown[], config: EmulatorConfig): MetricPointRecord[] {
  return list.map((item, idx) => {
    if (!item || typeof item !== 'object') throw invalid(`Invalid value for parameter 'metrics[${idx}]'.`);
    const m = item as Record<string, unknown>;
    for (const field of ['key', 'value', 'timestamp']) {
      if (m[field] === undefined || m[field] === null || m[field] === '') throw invalid(`Missing value for required parameter 'metrics[${idx}].${field}'. See the API docs for more information about request parameters.`);
    }
    const key = validateKey('metric', m.key, config);
    const value = metricValue(m.value, key);
    const timestamp = optionalInt(m, 'timestamp')!;
    if (timestamp < 0) throw invalid(`Got invalid timestamp ${timestamp} for metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer) `);
    const step = optionalInt(m, 'step') ?? 0;
    return { key, value, timestamp, step };
  });
}

// ---- lookups ---------------------------------------------------------------------------------

function runIdOf(body: Record<string, unknown>): string {
  const id = optionalString(body, 'run_id') || optionalString(body, 'run_uuid');
  if (!id) throw invalid("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
  return id;
}

function getRun(state: TrackingState, runId: string): RunRecord {
  const run = state.runs.get(runId);
  if (!run) throw missing(`Run with id=${runId} not found`);
  return run;
}

function activeRun(state: TrackingState, runId: string): RunRecord {
  const run = getRun(state, runId);
  if (run.lifecycleStage !== 'active') throw new ApiError(400, 'INVALID_STATE', `The run ${runId} must be in the 'active' state. Current state is ${run.lifecycleStage}.`);
  return run;
}

function getExperiment(state: TrackingState, id: string): ExperimentRecord {
  const experiment = state.experiments.get(id);
  if (!experiment) throw missing(`No Experiment with id=${id} exists`);
  return experiment;
}

// ---- rendering -------------------------------------------------------------------------------

const pairs = (map: Map<string, string>) => [...map].map(([key, value]) => ({ key, value }));
const withList = (target: Record<string, unknown>, key: string, list: readonly unknown[]) => {
  if (list.length > 0) target[key] = list;
  return target;
};
/** Non-finite doubles render as strings in proto3 JSON. */
const jsonDouble = (value: number): number | string => (Number.isFinite(value) ? value : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity');
const renderMetric = (m: MetricPointRecord) => ({ key: m.key, value: jsonDouble(m.value), timestamp: m.timestamp, step: m.step });

function latest(history: readonly MetricPointRecord[]): MetricPointRecord | undefined {
  let best: MetricPointRecord | undefined;
  for (const p of history) {
    if (!best || p.step > best.step || (p.step === best.step && (p.timestamp > best.timestamp || (p.timestamp === best.timestamp && p.value >= best.value)))) best = p;
  }
  return best;
}

export function renderRunInfo(state: TrackingState, run: RunRecord): Record<string, unknown> {
  return {
    run_id: run.runId,
    run_uuid: run.runId,
    run_name: run.runName,
    experiment_id: run.experimentId,
    user_id: run.userId,
    status: run.status,
    start_time: run.startTime,
    ...(run.endTime !== undefined ? { end_time: run.endTime } : {}),
    artifact_uri: state.artifactUri(run),
    lifecycle_stage: run.lifecycleStage,
  };
}

function renderRun(state: TrackingState, run: RunRecord): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  withList(data, 'metrics', [...run.metrics.values()].map(latest).filter((p): p is MetricPointRecord => p !== undefined).map(renderMetric));
  withList(data, 'params', pairs(run.params));
  withList(data, 'tags', pairs(run.tags));
  return { info: renderRunInfo(state, run), data };
}

function renderExperiment(e: ExperimentRecord): Record<string, unknown> {
  return withList(
    { experiment_id: e.experimentId, name: e.name, artifact_location: e.artifactLocation, lifecycle_stage: e.lifecycleStage, last_update_time: e.lastUpdateTime, creation_time: e.creationTime },
    'tags',
    pairs(e.tags),
  );
}

function maxResults(body: Record<string, unknown>, fallback: number, limit: number): number {
  const max = optionalInt(body, 'max_results') ?? fallback;
  if (max <= 0 || max > limit) throw invalid(`Invalid value ${max} for parameter 'max_results' supplied. It must be at most ${limit}.`);
  return max;
}

// ---- endpoints -------------------------------------------------------------------------------

function setParam(run: RunRecord, key: string, value: string): void {
  const old = run.params.get(key);
  if (old !== undefined && old !== value) {
    throw invalid(
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${run.runId}'. Attempted logging new value '${value}'.`,
    );
  }
  run.params.set(key, value);
}

function appendMetric(run: RunRecord, point: MetricPointRecord): void {
  const history = run.metrics.get(point.key) ?? [];
  history.push(point);
  run.metrics.set(point.key, history);
}

const ENDPOINTS: Record<string, Endpoint> = {
  'experiments/create': {
    methods: ['POST'],
    handle(state, config, _exchange, body) {
      const name = requireString(body, 'name');
      if (codePoints(name) > MAX_EXPERIMENT_NAME_LENGTH) throw invalid(`Experiment name exceeds the maximum length of ${MAX_EXPERIMENT_NAME_LENGTH} characters`);
      const artifactLocation = optionalString(body, 'artifact_location');
      if (artifactLocation?.startsWith('runs:')) throw invalid(`Artifact location cannot be a runs:/ URI. Given: '${artifactLocation}'`);
      const tags = tagsOf(optionalArray(body, 'tags'), config);
      if (state.experimentByName(name)) throw exists(`Experiment(name=${name}) already exists. Error: (raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block if this flush is occurring prematurely)`);
      return { experiment_id: state.addExperiment(name, undefined, tags, artifactLocation).experimentId };
    },
  },
  'experiments/get-by-name': {
    methods: ['GET'],
    handle(state, _config, _exchange, body) {
      const name = requireString(body, 'experiment_name');
      const experiment = state.experimentByName(name);
      if (!experiment) throw missing(`Could not find experiment with name '${name}'`);
      return { experiment: renderExperiment(experiment) };
    },
  },
  'experiments/get': {
    methods: ['GET'],
    handle(state, _config, _exchange, body) {
      return { experiment: renderExperiment(getExperiment(state, requireString(body, 'experiment_id'))) };
    },
  },
  'experiments/search': {
    methods: ['GET', 'POST'],
    handle(state, _config, _exchange, body) {
      const max = maxResults(body, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD);
      const offset = decodeToken(optionalString(body, 'page_token'));
      const filter = optionalString(body, 'filter') ?? '';
      const name = /^\s*(?:attributes\.)?name\s*(=|LIKE|ILIKE)\s*'((?:[^']|'')*)'\s*$/i.exec(filter);
      if (filter.trim() !== '' && !name) throw invalid(`Invalid filter '${filter}'`);
      const all = [...state.experiments.values()]
        .filter((e) => e.lifecycleStage === 'active')
        .filter((e) => !name || (name[1] === '=' ? e.name === name[2]!.replace(/''/g, "'") : like(e.name, name[2]!.replace(/''/g, "'"), name[1]!.toUpperCase() === 'ILIKE')))
        .sort((a, b) => b.creationTime - a.creationTime || Number(b.experimentId) - Number(a.experimentId));
      const page = all.slice(offset, offset + max);
      const answer = withList({}, 'experiments', page.map(renderExperiment));
      if (offset + max < all.length) answer.next_page_token = encodeToken(offset + max);
      return answer;
    },
  },
  'runs/create': {
    methods: ['POST'],
    handle(state, config, _exchange, body) {
      const experimentId = optionalString(body, 'experiment_id') || '0';
      const experiment = getExperiment(state, experimentId);
      if (experiment.lifecycleStage !== 'active') throw invalid(`The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`);
      const tags = tagsOf(optionalArray(body, 'tags'), config);
      const tagName = tags.find(([k]) => k === 'mlflow.runName')?.[1];
      const runName = optionalString(body, 'run_name');
      if (runName && tagName && runName !== tagName) {
        throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${runName}', mlflow.runName='${tagName}').`);
      }
      const startTime = optionalInt(body, 'start_time') ?? config.clock();
      const run = state.addRun(experimentId, { runName: '', userId: optionalString(body, 'user_id') ?? '', startTime, tags });
      run.runName = runName || tagName || generatedRunName(run.runId);
      run.tags.set('mlflow.runName', run.runName);
      return { run: renderRun(state, run) };
    },
  },
  'runs/get': {
    methods: ['GET'],
    handle: (state, _config, _exchange, body) => ({ run: renderRun(state, getRun(state, runIdOf(body))) }),
  },
  'runs/update': {
    methods: ['POST'],
    handle(state, _config, _exchange, body) {
      const run = activeRun(state, runIdOf(body));
      const status = optionalString(body, 'status');
      if (status !== undefined && !(MLFLOW_RUN_STATUSES as readonly string[]).includes(status)) throw invalid(`Invalid value "${status}" for parameter 'status' supplied.`);
      const endTime = optionalInt(body, 'end_time');
      const runName = optionalString(body, 'run_name');
      if (status) run.status = status;
      if (endTime !== undefined) run.endTime = endTime;
      if (runName) {
        run.runName = runName;
        run.tags.set('mlflow.runName', runName);
      }
      return { run_info: renderRunInfo(state, run) };
    },
  },
  'runs/search': {
    methods: ['POST'],
    handle(state, _config, _exchange, body) {
      const ids = optionalArray(body, 'experiment_ids').map(String);
      const max = maxResults(body, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD);
      const offset = decodeToken(optionalString(body, 'page_token'));
      const clauses = parseFilter(optionalString(body, 'filter') ?? '');
      if (typeof clauses === 'string') throw invalid(clauses);
      const view = optionalString(body, 'run_view_type') ?? 'ACTIVE_ONLY';
      const order = optionalArray(body, 'order_by').map(String);
      const ascending = order.some((o) => /^\s*(?:attributes\.)?start_time(?:\s+ASC)?\s*$/i.test(o));
      if (order.some((o) => !/^\s*(?:attributes\.)?start_time(?:\s+(?:ASC|DESC))?\s*$/i.test(o))) throw invalid(`Invalid order_by clause(s) '${order.join(', ')}' (the emulator orders by start_time only)`);
      const all = [...state.runs.values()]
        .filter((r) => ids.includes(r.experimentId))
        .filter((r) => view === 'ALL' || (view === 'DELETED_ONLY' ? r.lifecycleStage === 'deleted' : r.lifecycleStage === 'active'))
        .filter((r) => matches(r, clauses))
        .sort((a, b) => (ascending ? a.startTime - b.startTime : b.startTime - a.startTime) || (a.runId < b.runId ? -1 : 1));
      const page = all.slice(offset, offset + max);
      const answer = withList({}, 'runs', page.map((r) => renderRun(state, r)));
      if (offset + max < all.length) answer.next_page_token = encodeToken(offset + max);
      return answer;
    },
  },
  'runs/set-tag': {
    methods: ['POST'],
    handle(state, config, _exchange, body) {
      const run = activeRun(state, runIdOf(body));
      const key = validateKey('tag', requireString(body, 'key'), config);
      const value = optionalString(body, 'value') ?? '';
      validateValue('Tag value', value, MAX_TAG_VAL_LENGTH);
      run.tags.set(key, value);
      if (key === 'mlflow.runName') run.runName = value;
      return {};
    },
  },
  // mlflow/store/tracking/sqlalchemy_store.py `delete_tag`: a missing tag is RESOURCE_DOES_NOT_EXIST.
  'runs/delete-tag': {
    methods: ['POST'],
    handle(state, _config, _exchange, body) {
      const run = activeRun(state, runIdOf(body));
      const key = requireString(body, 'key');
      if (!run.tags.has(key)) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${run.runId}`);
      run.tags.delete(key);
      return {};
    },
  },
  'runs/log-parameter': {
    methods: ['POST'],
    handle(state, config, _exchange, body) {
      const run = activeRun(state, runIdOf(body));
      const key = validateKey('parameter', requireString(body, 'key'), config);
      const value = optionalString(body, 'value') ?? '';
      validateValue('Param value', value, MAX_PARAM_VAL_LENGTH);
      setParam(run, key, value);
      return {};
    },
  },
  'runs/log-metric': {
    methods: ['POST'],
    handle(state, config, _exchange, body) {
      const run = activeRun(state, runIdOf(body));
      const [point] = metricsOf([{ key: body.key, value: body.value, timestamp: body.timestamp, step: body.step }], config);
      appendMetric(run, point!);
      return {};
    },
  },
  'runs/log-batch': {
    methods: ['POST'],
    handle(state, config, exchange, body) {
      if (exchange.body.byteLength > MAX_BATCH_LOG_REQUEST_SIZE) {
        throw invalid(`Batched logging API requests must be at most ${MAX_BATCH_LOG_REQUEST_SIZE} bytes, got a request of size ${exchange.body.byteLength}.`);
      }
      const runId = requireString(body, 'run_id');
      const rawMetrics = optionalArray(body, 'metrics');
      const rawParams = optionalArray(body, 'params');
      const rawTags = optionalArray(body, 'tags');
      const limit = (entity: string, max: number, n: number) => {
        if (n > max) throw invalid(`A batch logging request can contain at most ${max} ${entity}. Got ${n} ${entity}. Please split up ${entity} across multiple requests and try again.`);
      };
      limit('metrics', MAX_METRICS_PER_BATCH, rawMetrics.length);
      limit('params', MAX_PARAMS_TAGS_PER_BATCH, rawParams.length);
      limit('tags', MAX_PARAMS_TAGS_PER_BATCH, rawTags.length);
      limit('metrics, params, and tags', MAX_ENTITIES_PER_BATCH, rawMetrics.length + rawParams.length + rawTags.length);
      const run = activeRun(state, runId);
      const metrics = metricsOf(rawMetrics, config);
      const params = keyValues(rawParams, 'params').map(({ key, value }) => {
        const k = validateKey('parameter', key, config);
        validateValue('Param value', value, MAX_PARAM_VAL_LENGTH);
        return [k, value] as const;
      });
      const tags = tagsOf(rawTags, config);
      const seen = new Set<string>();
      const dupes = params.filter(([k]) => (seen.has(k) ? true : (seen.add(k), false))).map(([k]) => k);
      if (dupes.length) throw invalid(`Duplicate parameter keys have been submitted: ${JSON.stringify(dupes)}. Please ensure the request contains only one param value per param key.`);
      for (const [k, v] of params) {
        const old = run.params.get(k);
        if (old !== undefined && old !== v) setParam(run, k, v); // throws with MLflow's message
      }
      if (exchange.partial) {
        // A store that fails midway: the first half of the metrics are written, nothing else.
        for (const m of metrics.slice(0, Math.ceil(metrics.length / 2))) appendMetric(run, m);
        throw new ApiError(500, 'INTERNAL_ERROR', 'An internal error occurred while logging the batch.');
      }
      for (const [k, v] of params) setParam(run, k, v);
      for (const m of metrics) appendMetric(run, m);
      for (const [k, v] of tags) {
        run.tags.set(k, v);
        if (k === 'mlflow.runName') run.runName = v;
      }
      return {};
    },
  },
  'metrics/get-history': {
    methods: ['GET'],
    handle(state, config, _exchange, body) {
      const run = getRun(state, runIdOf(body));
      const key = requireString(body, 'metric_key');
      const history = run.metrics.get(key) ?? [];
      const token = optionalString(body, 'page_token');
      const given = body.max_results !== undefined && body.max_results !== '';
      if (!token && !given) return withList({}, 'metrics', history.map(renderMetric));
      const max = maxResults(body, config.metricPageMax, config.metricPageMax);
      const offset = decodeToken(token);
      const answer = withList({}, 'metrics', history.slice(offset, offset + max).map(renderMetric));
      if (offset + max < history.length) answer.next_page_token = encodeToken(offset + max);
      return answer;
    },
  },
  'artifacts/list': {
    methods: ['GET'],
    handle(state, _config, _exchange, body) {
      const run = getRun(state, runIdOf(body));
      const dir = (optionalString(body, 'path') ?? '').replace(/^\/+|\/+$/g, '');
      if (dir.split('/').includes('..')) throw invalid('Invalid path');
      const root = state.artifactRoot(run);
      const files = listLevel(state, `${root}${dir ? `/${dir}` : ''}`).map((f) => ({ ...f, path: dir ? `${dir}/${f.path}` : f.path }));
      return withList({ root_uri: state.artifactUri(run) }, 'files', files);
    },
  },
};

/** One directory level under `dir` (a proxy path): names relative to it, directories first-seen. */
export function listLevel(state: TrackingState, dir: string): { path: string; is_dir: boolean; file_size?: number }[] {
  const prefix = dir === '' ? '' : `${dir.replace(/\/+$/, '')}/`;
  const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const [path, bytes] of state.artifacts) {
    if (!path.startsWith(prefix)) continue;
    const [child = '', ...rest] = path.slice(prefix.length).split('/');
    entries.set(child, rest.length > 0 ? { path: child, is_dir: true } : { path: child, is_dir: false, file_size: bytes.byteLength });
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
