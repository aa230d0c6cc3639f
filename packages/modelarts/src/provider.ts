// The loaded ModelArts provider: translates the v2/v1 training-job APIs and OBS into core's model.
// Loaded lazily by index.ts, so undici and lossless-json are imported only for modelarts: refs.
import { RunlensError, type Described, type ProviderEnvironmentV2, type ProviderV2, type RunCapabilities, type Warning } from '@runlens/core';
import { Artifacts, outputsOf } from './artifacts.js';
import { encode, ModelartsClient } from './client.js';
import { readConfig } from './config.js';
import { runStartMs, v1Run, v2Run, type ErrorEvent } from './convert-run.js';
import { malformed, mapError } from './errors.js';
import { asArray, asObject, str } from './json.js';
import { LineParser } from './lines.js';
import { listRuns } from './list.js';
import { V1Logs } from './logs-v1.js';
import { V2Logs } from './logs-v2.js';
import { Metrics, v1MetricSeries } from './metrics.js';
import { parseJobRef } from './refs.js';
import type { ModelartsHandle, ModelartsSettings } from './settings.js';

export function createModelartsProvider(environment: ProviderEnvironmentV2<ModelartsSettings>): ProviderV2<ModelartsHandle> {
  const config = readConfig(environment, environment.testHooks);
  const client = new ModelartsClient(config, environment.requests.requester({ mapError }));
  const parser = new LineParser(config.logUtcOffsetMinutes);
  const v2 = new V2Logs(client, config, parser, environment.debug);
  const v1 = new V1Logs(client, config, parser);
  const metrics = new Metrics(client);
  const artifacts = new Artifacts(client, config.obsEndpoint);

  /** The job's Error events (failure evidence). Missing events never fail a describe. */
  const errorEvents = async (id: string, signal?: AbortSignal): Promise<ErrorEvent[] | { unavailable: string }> => {
    try {
      const answer = await client.api({
        operation: 'ListTrainingJobEvents',
        method: 'GET',
        path: client.projectPath('v2', `/training-jobs/${encode(id)}/events`),
        query: [
          ['level', 'Error'],
          ['offset', '0'],
          ['limit', '100'],
          ['order', 'asc'],
        ],
        run: id,
        ...(signal ? { signal } : {}),
      });
      return asArray(asObject(answer.json)?.events)
        .map(asObject)
        .map((e) => ({ time: str(e?.time) ?? '', message: str(e?.message) ?? '' }))
        .filter((e) => e.message !== '');
    } catch (e) {
      if (RunlensError.isInstance(e) && e.code === 'Interrupted') throw e;
      const why = RunlensError.isInstance(e) ? (e.providerCode ?? e.code) : String(e);
      environment.debug(`modelarts ${id}: events unavailable (${why})`);
      return { unavailable: why };
    }
  };

  const describe = async (id: string, signal?: AbortSignal): Promise<Described<ModelartsHandle>> => {
    const job = parseJobRef(id);
    if (job.kind === 'v1') {
      const answer = await client.api({ operation: 'ShowTrainingJobVersion', method: 'GET', path: client.projectPath('v1', `/training-jobs/${encode(job.jobId)}/versions/${encode(job.versionId)}`), run: id, ...(signal ? { signal } : {}) });
      const body = asObject(answer.json);
      if (!body) throw malformed('ShowTrainingJobVersion', 'not a JSON object', id);
      const run = v1Run(body, job.jobId, job.versionId);
      const outputs = outputsOf(body, job);
      const v1Metrics = v1MetricSeries(body);
      const capabilities: RunCapabilities = {
        ...(outputs.length === 0 ? { artifacts: { available: false, reason: 'this v1 job version names no train_url on OBS' } } : {}),
        ...(v1Metrics.length === 0 ? { systemMetrics: { available: false, reason: 'this v1 job version reports no system_metric_list' } } : {}),
      };
      return { run, handle: { job, startMs: runStartMs(run), outputs, v1Metrics }, capabilities };
    }
    const answer = await client.api({ operation: 'ShowTrainingJob', method: 'GET', path: client.projectPath('v2', `/training-jobs/${encode(job.id)}`), run: id, ...(signal ? { signal } : {}) });
    const body = asObject(answer.json);
    if (!body || !asObject(body.metadata)) throw malformed('ShowTrainingJob', 'no metadata', id);
    const phase = str(asObject(body.status)?.phase);
    const failed = phase === 'Failed' || phase === 'Abnormal';
    const events = failed ? await errorEvents(job.id, signal) : [];
    const warnings: Warning[] = [];
    if (!Array.isArray(events)) warnings.push({ type: 'degraded', message: `the job's Error events could not be read (${events.unavailable}): its failure is told from its status alone` });
    // The id is the one the caller gave (core stamps the ref from it).
    const run = { ...v2Run(body, Array.isArray(events) ? events : []), id: job.id };
    const outputs = outputsOf(body, job);
    const capabilities: RunCapabilities = outputs.length === 0 ? { artifacts: { available: false, reason: 'the job declares no OBS outputs (algorithm.outputs)' } } : {};
    return { run, handle: { job, startMs: runStartMs(run), outputs }, capabilities, ...(warnings.length > 0 ? { warnings } : {}) };
  };

  return {
    specificationVersion: 'v2',

    catalog: {
      describe: (id, options) => describe(id, options?.signal),
      list: (filter, options) => listRuns(client, filter, environment.debug, options?.signal),
    },

    logs: {
      kind: 'positioned',
      async listStreams(target, options) {
        const job = target.handle.job;
        return job.kind === 'v1' ? v1.listStreams(target, job, options?.signal) : v2.listStreams(target);
      },
      async readStream(target, stream, request) {
        const job = target.handle.job;
        return job.kind === 'v1' ? v1.readStream(target, job, stream, request.position, request.signal) : v2.readStream(target, stream.id, request.position, request.signal);
      },
      async tailStream(target, stream, request) {
        const job = target.handle.job;
        return job.kind === 'v1'
          ? v1.tailStream(target, job, stream, request.count, request.until, request.signal)
          : v2.tailStream(target, stream.id, request.count, request.until, request.signal);
      },
    },

    metrics: {
      listMetrics: (target, options) => metrics.listMetrics(target, options?.signal),
      readMetrics: (target, descriptors, request) => metrics.readMetrics(target, descriptors, request.signal),
    },

    artifacts: {
      listArtifacts: (target, options) => artifacts.list(target, options?.signal),
      openArtifact: (target, path, options) => artifacts.open(target, path, options?.signal),
    },

    close: () => client.close(),
  };
}
