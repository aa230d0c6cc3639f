// list: ARM jobs.list, every page (the SDK builds each request from the previous page's nextLink),
// with the time and name filters applied here (ARM has none); core applies status and limit.
import { paginate, type RunFilter, type RunSummary } from '@runlens/core';
import type { AzuremlClient } from './client.js';
import { toSummary } from './convert-run.js';

export async function* listRuns(client: AzuremlClient, filter: RunFilter, signal?: AbortSignal): AsyncGenerator<RunSummary[]> {
  const ws = client.defaultWorkspace();
  const context = signal ? { signal } : {};
  for await (const page of paginate({ fetch: (token: string | undefined) => client.listJobsPage(ws, token, context), nextToken: (page) => page.next, stopOnSameToken: 'fail', what: 'jobs.list' })) {
    const summaries: RunSummary[] = [];
    for (const job of page.jobs) {
      if (!job.name) continue;
      const summary = toSummary(job, job.name);
      const created = summary.createdAt ? Date.parse(summary.createdAt) : undefined;
      if (filter.since !== undefined && (created === undefined || created < filter.since)) continue;
      if (filter.until !== undefined && (created === undefined || created >= filter.until)) continue;
      if (filter.nameContains && !summary.name.includes(filter.nameContains) && !job.name.includes(filter.nameContains)) continue;
      summaries.push(summary);
    }
    yield summaries;
  }
}
