/** v2 training-job APIs: search, detail, events, log preview, log URL, running metrics. */
import type { ServerResponse } from 'node:http';
import { chinaIsoTime, decodeUtf8 } from '../bytes.js';
import { intParam, sendJson, sendJsonText, sendModelartsError, sendNoContent, type Route } from '../http.js';
import { isTerminal, type JobRecord, type JobStore } from '../jobs.js';
import type { JobEvent, TrainingJobDetail } from '../model.js';

export interface V2Deps {
  jobs: JobStore;
  previewCapBytes: number;
  /** Temporary OBS URL of a task's full log. */
  logUrl(jobId: string, task: string): string;
}

const JOB = String.raw`^/v2/(?<project>[^/]+)/training-jobs/(?<job>[^/]+)`;

/**
 * The preview last answered for each log. A log only grows (or is replaced by another object), so its
 * size says whether the answer still holds; building a 5 MB preview took the emulator ~70 ms a request,
 * which a benchmark of the reader would otherwise count.
 */
const previews = new WeakMap<object, { key: string; text: string }>();

export function v2Routes(deps: V2Deps): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v2\/(?<project>[^/]+)\/training-job-searches$/,
      handle: ({ res, body }) => searchJobs(res, body, deps.jobs),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${JOB}$`),
      handle: ({ res }, { job = '' }) => {
        const record = findJob(res, deps.jobs, job);
        if (record) sendJson(res, 200, record.detail);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${JOB}/events$`),
      handle: ({ res, url }, { job = '' }) => {
        const record = findJob(res, deps.jobs, job);
        if (record) listEvents(res, url, record.events);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${JOB}/tasks/(?<task>[^/]+)/logs/preview$`),
      handle: ({ res }, { job = '', task = '' }) => {
        const found = findTaskLog(res, deps.jobs, job, task);
        if (!found) return;
        const { record, log } = found;
        const fullSize = log.size();
        const currentSize = Math.min(fullSize, deps.previewCapBytes);
        const key = `${fullSize}/${currentSize}/${record.previewField}`;
        let answer = previews.get(log);
        if (answer?.key !== key) {
          // Newest bytes only, cut at the byte cap, not at a line or character boundary.
          const content = decodeUtf8(log.read(fullSize - currentSize, currentSize));
          answer = { key, text: JSON.stringify({ [record.previewField]: content, current_size: currentSize, full_size: fullSize }) };
          previews.set(log, answer);
        }
        sendJsonText(res, 200, answer.text);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${JOB}/tasks/(?<task>[^/]+)/logs/url$`),
      handle: ({ res }, { job = '', task = '' }) => {
        if (findTaskLog(res, deps.jobs, job, task)) sendJson(res, 200, { obs_url: deps.logUrl(job, task) });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${JOB}/metrics/(?<task>[^/]+)$`),
      handle: ({ res }, { job = '', task = '' }) => {
        const record = findTask(res, deps.jobs, job, task);
        if (!record) return;
        const metrics = record.metrics.get(task);
        if (metrics === undefined) sendNoContent(res); // ModelArts.2777 NotReadyToFetchMetric
        else sendJson(res, 200, { metrics });
      },
    },
  ];
}

function badRequest(res: ServerResponse): void {
  sendModelartsError(res, 400, 'ModelArts.50004000', 'Bad request.');
}

function findJob(res: ServerResponse, jobs: JobStore, id: string): JobRecord | undefined {
  const record = jobs.get(id);
  // Not found is HTTP 400, not 404.
  if (!record) sendModelartsError(res, 400, 'ModelArts.2775', `Training job not found. training_job_id: ${id}`);
  return record;
}

function findTask(res: ServerResponse, jobs: JobStore, id: string, task: string): JobRecord | undefined {
  const record = findJob(res, jobs, id);
  if (!record) return undefined;
  if (!record.detail.status.tasks.includes(task)) {
    badRequest(res);
    return undefined;
  }
  return record;
}

function findTaskLog(res: ServerResponse, jobs: JobStore, id: string, task: string) {
  const record = findTask(res, jobs, id, task);
  if (!record) return undefined;
  const log = record.logs.get(task);
  if (log) return { record, log };
  // A live job's log may simply not exist yet (204, ModelArts.2776); a finished job's never will.
  if (isTerminal(record.detail.status.phase)) sendModelartsError(res, 400, 'ModelArts.2818', 'Log file is not generated.');
  else sendNoContent(res);
  return undefined;
}

interface SearchBody {
  offset?: unknown;
  limit?: unknown;
  sort_by?: unknown;
  order?: unknown;
  filters?: unknown;
}

interface Filter {
  key: string;
  operator: string;
  value: string[];
}

/** `offset` is a page index ("0 = first page"), as the API reference words it. */
function searchJobs(res: ServerResponse, body: Buffer, jobs: JobStore): void {
  let request: SearchBody;
  try {
    request = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as SearchBody);
  } catch {
    return badRequest(res);
  }
  const offset = request.offset ?? 0;
  const limit = request.limit ?? 50;
  const sortBy = request.sort_by ?? 'create_time';
  const order = request.order ?? 'desc';
  const filters = parseFilters(request.filters);
  if (!isInt(offset) || offset < 0 || !isInt(limit) || limit < 1 || limit > 50) return badRequest(res);
  if (sortBy !== 'create_time' || (order !== 'desc' && order !== 'asc') || !filters) return badRequest(res);

  const direction = order === 'asc' ? 1 : -1;
  const matching = jobs
    .all()
    .map((r) => r.detail)
    .filter((detail) => filters.every((f) => matchesFilter(detail, f)))
    .sort((a, b) => direction * (a.metadata.create_time - b.metadata.create_time) || a.metadata.id.localeCompare(b.metadata.id));
  const items = matching.slice(offset * limit, (offset + 1) * limit);
  sendJson(res, 200, {
    total: matching.length,
    count: items.length,
    limit,
    offset,
    sort_by: sortBy,
    order,
    group_by: '',
    workspace_id: '0',
    ai_project: 'default-ai-project',
    items,
  });
}

function parseFilters(raw: unknown): Filter[] | undefined {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return undefined;
  const filters: Filter[] = [];
  for (const item of raw as unknown[]) {
    const f = item as Partial<Filter> | null;
    if (!f || typeof f.key !== 'string' || !Array.isArray(f.value)) return undefined;
    // The reference example sends unused keys with "" values: they filter nothing.
    const value = f.value.filter((v): v is string => typeof v === 'string');
    if (value.every((v) => v === '')) continue;
    filters.push({ key: f.key, operator: typeof f.operator === 'string' ? f.operator : 'in', value });
  }
  return filters;
}

function matchesFilter(detail: TrainingJobDetail, filter: Filter): boolean {
  const field = filter.key === 'phase' ? detail.status.phase
    : filter.key === 'name' ? detail.metadata.name
    : filter.key === 'create_time' ? String(detail.metadata.create_time)
    : undefined;
  if (field === undefined) return true; // keys the emulator does not model do not narrow
  switch (filter.operator) {
    case 'like':
      return filter.value.some((v) => v !== '' && field.includes(v));
    case 'not':
      return !filter.value.includes(field);
    case 'between': {
      const [from = '', to = ''] = filter.value;
      const t = Number(field);
      return (from === '' || t >= Number(from)) && (to === '' || t <= Number(to));
    }
    default:
      return filter.value.includes(field);
  }
}

function listEvents(res: ServerResponse, url: URL, events: JobEvent[]): void {
  const offset = intParam(url, 'offset', 0);
  const limit = intParam(url, 'limit', 50);
  const order = url.searchParams.get('order') ?? 'desc';
  const start = url.searchParams.get('start_time');
  const end = url.searchParams.get('end_time');
  const level = url.searchParams.get('level');
  const pattern = url.searchParams.get('pattern');
  const source = url.searchParams.get('source');
  if (offset === undefined || offset < 0 || limit === undefined || limit < 1 || limit > 100) return badRequest(res);
  if ((order !== 'asc' && order !== 'desc') || (start === null) !== (end === null)) return badRequest(res);
  const window = start !== null && end !== null ? { from: Number(start), to: Number(end) } : undefined;
  if (window && !(Number.isFinite(window.from) && Number.isFinite(window.to))) return badRequest(res);

  const direction = order === 'asc' ? 1 : -1;
  const selected = events
    .filter((e) => !window || (e.time >= window.from && e.time <= window.to))
    .filter((e) => level === null || e.level === level)
    .filter((e) => pattern === null || e.message.includes(pattern))
    .filter((e) => source === null || e.source.toLowerCase() === source.toLowerCase())
    .sort((a, b) => direction * (a.time - b.time));
  const times = selected.map((e) => e.time);
  const from = window?.from ?? (times.length ? Math.min(...times) : undefined);
  const to = window?.to ?? (times.length ? Math.max(...times) : undefined);
  // Documented as strings, returned as numbers (see the reference's example).
  sendJson(res, 200, {
    total: selected.length,
    limit,
    offset,
    order,
    ...(from === undefined ? {} : { start_time: chinaIsoTime(from) }),
    ...(to === undefined ? {} : { end_time: chinaIsoTime(to) }),
    events: selected.slice(offset, offset + limit).map((e) => ({ time: chinaIsoTime(e.time), level: e.level, message: e.message, source: e.source })),
  });
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}
