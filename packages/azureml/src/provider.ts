// The loaded Azure ML provider: ARM for jobs, Run History for times, errors and log links, blob
// ranges for log bytes, MLflow for metrics and artifact listings, the artifact service for downloads.
import { isTerminal, RunlensError, type Described, type ProviderEnvironmentV2, type ProviderV2 } from '@runlens/core';
import type { Dispatcher } from 'undici';
import { AzuremlArtifacts } from './artifacts.js';
import { AzuremlClient } from './client.js';
import { locateJob, readConfig } from './config.js';
import { toRun } from './convert-run.js';
import { credentialFor } from './credentials.js';
import { mapAzureError } from './errors.js';
import { listRuns } from './list.js';
import { AzuremlLogs } from './logs.js';
import { AzuremlMetrics } from './metrics.js';
import type { AzuremlHandle, AzuremlSettings } from './settings.js';

const WORKSPACE_MISSING = new Set(['SubscriptionNotFound', 'ResourceGroupNotFound', 'ResourceNotFound', 'WorkspaceNotFound']);

export function createAzuremlProvider(environment: ProviderEnvironmentV2<AzuremlSettings>): ProviderV2<AzuremlHandle> {
  const config = readConfig(environment);
  const requester = environment.requests.requester({ mapError: (error, call) => mapAzureError(error, call) });
  const settings = environment.settings;
  // Tests hand a MockAgent through core's test hooks; production uses undici's global dispatcher.
  const dispatcher = environment.testHooks.dispatcher as Dispatcher | undefined;
  const client = new AzuremlClient(config, credentialFor(config), requester, environment.debug, dispatcher);
  const locate = (id: string) => locateJob(id, config);

  const describe = async (id: string, options: { signal?: AbortSignal } = {}): Promise<Described<AzuremlHandle>> => {
    const loc = locate(id);
    const context = { run: id, ...(options.signal ? { signal: options.signal } : {}) };
    // ARM has the job; Run History its times, error and log links; MLflow its params and latest metric values.
    const [job, details, mlflow] = await Promise.allSettled([client.getJob(loc, context), client.runDetails(loc, context), client.mlflowRun(loc, context)]);
    if (job.status === 'rejected') {
      const error = job.reason as unknown;
      if (RunlensError.isInstance(error) && error.code === 'NotFound') {
        // ARM names what is missing: the workspace's subscription, group or the workspace itself, else the job.
        const what = WORKSPACE_MISSING.has(error.providerCode ?? '')
          ? `workspace '${loc.workspace}' (resource group '${loc.resourceGroup}', subscription '${loc.subscriptionId}') not found`
          : `job '${loc.job}' not found in workspace '${loc.workspace}'`;
        throw new RunlensError('NotFound', what, { provider: 'azureml', run: id, ...(error.providerCode ? { providerCode: error.providerCode } : {}), ...(error.status ? { status: error.status } : {}), cause: error });
      }
      throw error;
    }
    // A job without a Run History record yet (just submitted) is still a job.
    if (details.status === 'rejected' && !(RunlensError.isInstance(details.reason) && details.reason.code === 'NotFound')) throw details.reason;
    // MLflow holds the run's params (hyperparameters): only a run MLflow does not know yet goes without.
    if (mlflow.status === 'rejected') {
      const reason = mlflow.reason as unknown;
      if (!(RunlensError.isInstance(reason) && reason.code === 'NotFound')) throw reason;
      environment.debug(`azureml: no MLflow run yet for ${loc.job}: ${(reason as Error).message}`);
    }
    const runDetails = details.status === 'fulfilled' ? details.value : undefined;
    const run = toRun(id, job.value, runDetails, mlflow.status === 'fulfilled' ? mlflow.value : undefined);
    // MLflow holds an Azure ML job's metrics and artifact listing: an ended job MLflow never knew has neither.
    const noMlflow = mlflow.status === 'rejected' && isTerminal(run.status);
    const reason = 'the workspace\'s MLflow tracking has no run for this job';
    return {
      run,
      handle: { location: loc, ...(job.value.id ? { armId: job.value.id } : {}), ...(runDetails ? { details: runDetails } : {}) },
      ...(noMlflow ? { capabilities: { trainingMetrics: { available: false, reason }, artifacts: { available: false, reason } } } : {}),
    };
  };

  return {
    specificationVersion: 'v2',
    // A job name, its ARM id and its Studio URL are one run: cursors name it by the ARM id (case-insensitive).
    identity: ({ run, handle }) => (handle.armId ? `azureml:${handle.armId.toLowerCase()}` : run.ref),
    catalog: {
      describe,
      list: (filter, options = {}) => listRuns(client, filter, options.signal),
    },
    logs: new AzuremlLogs(client, settings.logPageBytes),
    metrics: new AzuremlMetrics(client),
    artifacts: new AzuremlArtifacts(client, settings.artifactChunkBytes),
  };
}
