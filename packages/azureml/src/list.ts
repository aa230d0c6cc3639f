// list: ARM jobs.list, every page (the SDK builds each request from the previous page's nextLink),
// with the time and name filters applied here (ARM has none); core applies status and limit. Each
// row kept gets the job's Run History details, as describe does, so both show the same times.
import { paginate, RunlensError, type RunFilter, type RunSummaryDocument } from '@runlens/core';
import type { JobBase } from '@azure/arm-machinelearning';
import type { AzuremlClient } from './client.js';
import type { JobLocation } from './config.js';
import { toSummary } from './convert-run.js';

export async function* listRuns(client: AzuremlClient, filter: RunFilter, signal?: AbortSignal): AsyncGenerator<RunSummaryDocument[]> {
  const ws = client.defaultWorkspace();
  const context = signal ? { signal } : {};
  for await (const page of paginate({ fetch: (token: string | undefined) => client.listJobsPage(ws, token, context), nextToken: (page) => page.next, stopOnSameToken: 'fail', what: 'jobs.list' })) {
    const kept: { job: JobBase; name: string }[] = [];
    for (const job of page.jobs) {
      if (!job.name) continue;
      const summary = toSummary(job, job.name);
      const created = summary.createdAt ? Date.parse(summary.createdAt) : undefined;
      if (filter.since !== undefined && (created === undefined || created < filter.since)) continue;
      if (filter.until !== undefined && (created === undefined || created >= filter.until)) continue;
      if (filter.nameContains && !summary.name.includes(filter.nameContains) && !job.name.includes(filter.nameContains)) continue;
      kept.push({ job, name: job.name });
    }
    yield await Promise.all(kept.map(async ({ job, name }) => toSummary(job, name, await detailsOf(client, { ...ws, job: name }, context))));
  }
}

/** A job's Run History details (its times); none for a job without a record yet (just submitted). */
async function detailsOf(client: AzuremlClient, loc: JobLocation, context: { signal?: AbortSignal }) {
  try {
    return await client.runDetails(loc, { run: loc.job, ...context });
  } catch (e) {
    if (RunlensError.isInstance(e) && e.code === 'NotFound') return undefined;
    throw e;
  }
}
