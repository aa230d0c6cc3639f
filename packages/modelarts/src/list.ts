// Listing: v2 jobs through `POST /v2/{project_id}/training-job-searches` (every page), then v1 jobs
// through `GET /v1/{project_id}/training-jobs`. Filters are sent where the API has them and applied
// again here (the service's filter semantics are not all documented).
import { paginate, RunlensError, type RunFilter, type RunSummaryDocument } from '@runlens/core';
import { encode, type ModelartsClient } from './client.js';
import { PHASES_OF, v1Status, v1Summary, v2ListSummary } from './convert-run.js';
import { asArray, asObject, num, str, type JsonObject } from './json.js';

/** The search API's maximum `limit`. */
export const SEARCH_LIMIT = 50;
const V1_PER_PAGE = 100;
/** `create_time between` needs an upper bound: 2100-01-01. */
const FAR_FUTURE = 4_102_444_800_000;

interface SearchPage {
  /** The `offset` sent. */
  readonly offset: number;
  readonly items: JsonObject[];
  readonly total?: number;
}

/**
 * How `offset` is read by the service: the API reference calls it a page number ("0 = first page"),
 * as the emulator does; a service reading it as a record offset would answer the second request
 * with the first page shifted by one record. Paging starts with page indexes and switches to
 * record offsets if the second page comes back overlapping the first.
 */
type OffsetMode = 'page' | 'record';

export function searchBody(filter: RunFilter, page: number): JsonObject {
  const filters: JsonObject[] = [];
  if (filter.status && filter.status.length > 0) filters.push({ key: 'phase', operator: 'in', value: filter.status.flatMap((s) => [...PHASES_OF[s]]) });
  if (filter.nameContains) filters.push({ key: 'name', operator: 'like', value: [filter.nameContains] });
  if (filter.since !== undefined || filter.until !== undefined) {
    filters.push({ key: 'create_time', operator: 'between', value: [String(filter.since ?? 0), String((filter.until ?? FAR_FUTURE) - 1)] });
  }
  return { offset: page, limit: SEARCH_LIMIT, sort_by: 'create_time', order: 'desc', ...(filters.length > 0 ? { filters } : {}) };
}

function keep(summary: RunSummaryDocument, filter: RunFilter): boolean {
  const created = summary.createdAt ? Date.parse(summary.createdAt) : undefined;
  if (filter.since !== undefined && (created === undefined || created < filter.since)) return false;
  if (filter.until !== undefined && (created === undefined || created >= filter.until)) return false;
  if (filter.nameContains && !summary.name.includes(filter.nameContains)) return false;
  return true;
}

export async function* listRuns(client: ModelartsClient, filter: RunFilter, debug: (m: string) => void, signal?: AbortSignal): AsyncGenerator<RunSummaryDocument[]> {
  const seen = new Set<string>();
  let count = 0;
  let mode: OffsetMode = 'page';
  let pagesRead = 0;
  /** Jobs as the pages sent them, repeats included: what a page-index `total` counts against. */
  let received = 0;
  const got = () => (mode === 'record' ? seen.size : received);
  const pages = paginate<SearchPage, number>({
    fetch: async (token) => {
      const offset = token ?? 0;
      const answer = await client.api({ operation: 'ListTrainingJobs', method: 'POST', path: client.projectPath('v2', '/training-job-searches'), body: searchBody(filter, offset), ...(signal ? { signal } : {}) });
      const body = asObject(answer.json) ?? {};
      const items = asArray(body.items).map(asObject).filter((i): i is JsonObject => i !== undefined);
      const total = num(body.total);
      received += items.length;
      return { offset, items, ...(total !== undefined ? { total } : {}) };
    },
    // Another page while the total says more remain (even after a short page), or, without a
    // total, while pages come back full. An empty page has no way on.
    nextToken: (page) => {
      if (page.items.length === 0) return undefined;
      const more = page.total !== undefined ? got() < page.total : page.items.length >= SEARCH_LIMIT;
      if (!more) return undefined;
      return mode === 'record' ? seen.size : page.offset + 1;
    },
    // A total larger than what the pages held, with no way on: an error, not a short list.
    isTruncated: (page) => page.total !== undefined && got() < page.total,
    stopOnSameToken: true,
    what: 'ModelArts training-job-searches',
  });
  for await (const page of pages) {
    pagesRead++;
    const ids = page.items.map((item) => str(asObject(item.metadata)?.id) ?? '');
    const repeated = ids.filter((id) => seen.has(id)).length;
    if (mode === 'page' && pagesRead === 2 && repeated > ids.length / 2) {
      mode = 'record';
      debug('modelarts: the search API reads offset as a record offset; paging by records');
    }
    const summaries = page.items.map(v2ListSummary).filter((s) => s.id !== '' && !seen.has(s.id));
    for (const s of summaries) seen.add(s.id);
    const kept = summaries.filter((s) => keep(s, filter));
    count += kept.length;
    if (kept.length > 0) yield kept;
    if (filter.limit !== undefined && count >= filter.limit) return;
  }
  yield* listV1(client, filter, debug, signal);
}

async function* listV1(client: ModelartsClient, filter: RunFilter, debug: (m: string) => void, signal?: AbortSignal): AsyncGenerator<RunSummaryDocument[]> {
  let received = 0;
  const pages = paginate<{ page: number; jobs: JsonObject[]; total?: number }, number>({
    fetch: async (token) => {
      const page = token ?? 1;
      const query: [string, string][] = [
        ['per_page', String(V1_PER_PAGE)],
        ['page', String(page)],
        ['sortBy', 'create_time'],
        ['order', 'desc'],
        ...(filter.nameContains && filter.nameContains.length <= 100 ? ([['search_content', filter.nameContains]] as [string, string][]) : []),
      ];
      const answer = await client.api({ operation: 'ListV1TrainingJobs', method: 'GET', path: client.projectPath('v1', '/training-jobs'), query, ...(signal ? { signal } : {}) });
      const body = asObject(answer.json) ?? {};
      const total = num(body.job_total_count);
      const jobs = asArray(body.jobs);
      received += jobs.length;
      return { page, jobs: jobs.map(asObject).filter((j): j is JsonObject => j !== undefined), ...(total !== undefined ? { total } : {}) };
    },
    // As for v2: the total, when given, decides; an empty page has no way on.
    nextToken: (p) => {
      if (p.jobs.length === 0 || p.page >= 65_535) return undefined;
      const more = p.total !== undefined ? received < p.total : p.jobs.length >= V1_PER_PAGE;
      return more ? p.page + 1 : undefined;
    },
    isTruncated: (p) => p.total !== undefined && received < p.total,
    what: 'ModelArts v1 training-jobs list',
  });
  try {
    for await (const page of pages) {
      const rows = page.jobs
        .map((job) => {
          const jobId = str(job.job_id);
          const versionId = str(job.version_id);
          return jobId && versionId ? { job, jobId, versionId, summary: v1Summary(job, jobId, versionId) } : undefined;
        })
        .filter((r) => r !== undefined && keep(r.summary, filter)) as { job: JsonObject; jobId: string; versionId: string; summary: RunSummaryDocument }[];
      // A list row has no start_time, so no end time: a finished job's version details have both (one rule, v1Times).
      const summaries = await Promise.all(
        rows.map(async (r) => {
          const { status } = v1Status(num(r.job.status));
          if (status === 'pending' || status === 'running') return r.summary;
          return v1Summary({ ...r.job, ...(await v1Version(client, r.jobId, r.versionId, signal)) }, r.jobId, r.versionId);
        }),
      );
      if (summaries.length > 0) yield summaries;
    }
  } catch (e) {
    // Regions where the old API is retired answer APIGW.0101 (no such API): there are no v1 jobs there.
    if (RunlensError.isInstance(e) && e.code === 'NotFound') {
      debug(`modelarts: no v1 job list at this endpoint (${e.providerCode ?? e.code})`);
      return;
    }
    throw e;
  }
}

/** `GET /v1/{project_id}/training-jobs/{job_id}/versions/{version_id}`, as describe reads it. */
async function v1Version(client: ModelartsClient, jobId: string, versionId: string, signal?: AbortSignal): Promise<JsonObject> {
  const id = `${jobId}/${versionId}`;
  const answer = await client.api({ operation: 'ShowTrainingJobVersion', method: 'GET', path: client.projectPath('v1', `/training-jobs/${encode(jobId)}/versions/${encode(versionId)}`), run: id, ...(signal ? { signal } : {}) });
  return asObject(answer.json) ?? {};
}
