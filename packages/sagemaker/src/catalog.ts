// DescribeTrainingJob and ListTrainingJobs.
import type { DescribeTrainingJobCommandOutput, ListTrainingJobsCommandInput, ListTrainingJobsCommandOutput, TrainingJobStatus } from '@aws-sdk/client-sagemaker';
import { paginate, type RunCatalogV2, type RunStatus } from '@runlens/core';
import type { SagemakerHandle } from './settings.js';
import type { AwsClients } from './clients.js';
import { locateJob } from './config.js';
import { jobCapabilities, jobDocument, toRun, toSummary } from './convert-run.js';

/** ListTrainingJobs' largest page. */
const LIST_PAGE = 100;

/** StatusEquals takes one value; only these statuses map to exactly one SageMaker status. */
const STATUS_EQUALS: Partial<Record<RunStatus, TrainingJobStatus>> = { completed: 'Completed', failed: 'Failed', stopped: 'Stopped' };

export function createCatalog(clients: AwsClients): RunCatalogV2<SagemakerHandle> {
  return {
    async describe(id, options = {}) {
      const locator = locateJob(id);
      const job = await clients.call('SAGEMAKER', 'DescribeTrainingJob', { region: locator.region, run: id, signal: options.signal }, async (client, signal): Promise<DescribeTrainingJobCommandOutput> => {
        const { DescribeTrainingJobCommand } = await import('@aws-sdk/client-sagemaker');
        return client.send(new DescribeTrainingJobCommand({ TrainingJobName: locator.name }), { abortSignal: signal });
      });
      const document = jobDocument(job);
      return {
        run: toRun(id, document),
        handle: { name: job.TrainingJobName ?? locator.name, ...(locator.region ? { region: locator.region } : {}), job: document },
        capabilities: jobCapabilities(document),
      };
    },

    async *list(filter, options = {}) {
      const only = filter.status?.length === 1 ? STATUS_EQUALS[filter.status[0]!] : undefined;
      const input: ListTrainingJobsCommandInput = {
        MaxResults: LIST_PAGE,
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        ...(only ? { StatusEquals: only } : {}),
        ...(filter.nameContains ? { NameContains: filter.nameContains } : {}),
        // CreationTimeAfter is exclusive; `since` is inclusive. Both are re-checked below.
        ...(filter.since !== undefined ? { CreationTimeAfter: new Date(filter.since - 1) } : {}),
        ...(filter.until !== undefined ? { CreationTimeBefore: new Date(filter.until) } : {}),
      };
      // StatusEquals is applied after MaxResults, so pages may be short or empty while NextToken
      // continues: every page is followed until the token ends (or core has enough).
      for await (const page of paginate({
        fetch: (token: string | undefined) =>
          clients.call('SAGEMAKER', 'ListTrainingJobs', { signal: options.signal }, async (client, signal): Promise<ListTrainingJobsCommandOutput> => {
            const { ListTrainingJobsCommand } = await import('@aws-sdk/client-sagemaker');
            return client.send(new ListTrainingJobsCommand({ ...input, ...(token ? { NextToken: token } : {}) }), { abortSignal: signal });
          }),
        nextToken: (page) => page.NextToken,
        // NextToken is ListTrainingJobs' only paging signal: an unchanged one cannot be the end.
        stopOnSameToken: 'fail',
        what: 'ListTrainingJobs',
      })) {
        yield (page.TrainingJobSummaries ?? [])
          .map(toSummary)
          .filter((summary) => {
            const created = summary.createdAt ? Date.parse(summary.createdAt) : undefined;
            if (filter.since !== undefined && (created === undefined || created < filter.since)) return false;
            if (filter.until !== undefined && (created === undefined || created >= filter.until)) return false;
            return true;
          });
      }
    },
  };
}
