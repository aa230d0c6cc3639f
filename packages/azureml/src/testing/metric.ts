/**
 * The run history metric service (`/metric/v2.0`), in the request and response shapes of
 * azure-ai-ml's generated `_restclient/runhistory` client (`MetricOperations`): `POST .../runs/{runId}/list`
 * with a `ListMetrics` body answers a `PaginatedMetricDefinitionList`; `POST .../runs/{runId}/full`
 * with a `RetrieveFullFidelityMetricRequest` body answers one `MetricV2` page. Pages go on with the
 * `continuationToken` the previous answer gave, sent back in the request body.
 */
import { SCOPE_PATTERN, scopeMismatch } from './context.js';
import { decodePageToken, encodePageToken, isoTime, sendJson } from './http.js';
import { serviceFail } from './history.js';

import type { EmulatorContext } from './context.js';
import type { Exchange, Route } from './http.js';
import type { Job, ServiceMetric } from './state.js';

const PREFIX = `^/metric/v2\\.0${SCOPE_PATTERN}/runs/([^/]+)`;
/** Request bodies are small JSON objects; anything larger is refused. */
const MAX_BODY = 64 * 1024;

type Handler = (context: EmulatorContext, exchange: Exchange, job: Job, body: Record<string, unknown>) => void;

export function metricRoutes(context: EmulatorContext): Route[] {
  const route = (suffix: string, handle: Handler): Route => ({
    methods: ['POST'],
    pattern: new RegExp(`${PREFIX}/${suffix}$`, 'i'),
    handle: async (exchange, params) => {
      const mismatch = scopeMismatch(context.workspace.identity, params.slice(0, 3));
      if (mismatch !== undefined) {
        serviceFail(context, exchange, 'not-found', mismatch.message);
        return;
      }
      const body = await readJsonBody(exchange);
      if (body === undefined) {
        serviceFail(context, exchange, 'bad-request', 'The request body is not a JSON object.');
        return;
      }
      const runId = decodeURIComponent(params[3] ?? '');
      const job = context.workspace.get(runId);
      if (job === undefined) {
        serviceFail(context, exchange, 'not-found', `Run ${runId} was not found`);
        return;
      }
      handle(context, exchange, job, body);
    },
  });
  return [route('list', listMetrics), route('full', fullMetric)];
}

async function readJsonBody(exchange: Exchange): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of exchange.req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.byteLength;
    if (size > MAX_BODY) return undefined;
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  exchange.record.body = text;
  // The generated client sends no body at all when the caller passes none.
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function listMetrics(context: EmulatorContext, exchange: Exchange, job: Job, body: Record<string, unknown>): void {
  const offset = decodePageToken(text(body.continuationToken));
  if (offset === undefined) {
    serviceFail(context, exchange, 'bad-request', 'Invalid continuation token.');
    return;
  }
  // Only the default namespace is modelled: a run's own metrics have none.
  const metrics = text(body.metricNamespace) === undefined ? [...job.serviceMetrics.values()] : [];
  const size = context.settings.metricListPageSize;
  const page = metrics.slice(offset, offset + size).map(definition);
  const more = offset + size < metrics.length;
  sendJson(exchange, 200, { value: page, continuationToken: more ? encodePageToken(offset + size) : null, nextLink: null });
}

function definition(metric: ServiceMetric): Record<string, unknown> {
  return {
    metricKey: { namespace: null, name: metric.name, labels: [], columnNames: Object.keys(metric.columns) },
    columns: { ...metric.columns },
    properties: { uxMetricType: metric.uxMetricType },
  };
}

function fullMetric(context: EmulatorContext, exchange: Exchange, job: Job, body: Record<string, unknown>): void {
  const name = text(body.metricName);
  if (name === undefined) {
    serviceFail(context, exchange, 'bad-request', 'metricName is required.');
    return;
  }
  const offset = decodePageToken(text(body.continuationToken));
  if (offset === undefined) {
    serviceFail(context, exchange, 'bad-request', 'Invalid continuation token.');
    return;
  }
  const metric = job.serviceMetrics.get(name);
  if (metric === undefined) {
    serviceFail(context, exchange, 'not-found', `Metric ${name} was not found for run ${job.name}`);
    return;
  }
  const since = text(body.startTime) === undefined ? -Infinity : Date.parse(body.startTime as string);
  const until = text(body.endTime) === undefined ? Infinity : Date.parse(body.endTime as string);
  const rows = metric.values.filter((v) => v.createdUtc >= since && v.createdUtc <= until);
  const size = context.settings.metricPageMax;
  const page = rows.slice(offset, offset + size).map((v) => ({
    metricId: v.metricId,
    createdUtc: isoTime(v.createdUtc),
    ...(v.step !== undefined ? { step: v.step } : {}),
    data: { ...v.data },
  }));
  const more = offset + size < rows.length;
  sendJson(exchange, 200, {
    dataContainerId: `dcid.${job.name}`,
    name: metric.name,
    columns: { ...metric.columns },
    properties: { uxMetricType: metric.uxMetricType },
    namespace: null,
    standardSchemaId: null,
    value: page,
    continuationToken: more ? encodePageToken(offset + size) : null,
    nextLink: null,
  });
}
