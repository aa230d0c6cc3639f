// The loaded ModelArts provider: translates the v2/v1 training-job APIs and OBS into core's model.
// Loaded lazily by index.ts, so undici and lossless-json are imported only for modelarts: refs.
import { RunlensError, type ProviderEnvironment, type ProviderV1, type Run } from '@runlens/core';
import { Artifacts } from './artifacts.js';
import { encode, ModelartsClient } from './client.js';
import { readConfig } from './config.js';
import { v1Run, v2Run, type ErrorEvent } from './convert-run.js';
import { malformed, mapError } from './errors.js';
import { asArray, asObject, str } from './json.js';
import { LineParser } from './lines.js';
import { listRuns } from './list.js';
import { V1Logs } from './logs-v1.js';
import { V2Logs } from './logs-v2.js';
import { Metrics } from './metrics.js';
import { parseJobRef } from './refs.js';

export function createModelartsProvider(environment: ProviderEnvironment): ProviderV1 {
  const config = readConfig(environment);
  const client = new ModelartsClient(config, environment.requests.requester({ mapError }));
  const parser = new LineParser(config.logUtcOffsetMinutes);
  const v2 = new V2Logs(client, config, parser, environment.debug);
  const v1 = new V1Logs(client, config, parser);
  const metrics = new Metrics(client);
  const artifacts = new Artifacts(client, config.obsEndpoint);

  /** The job's Error events (failure evidence). Missing events never fail a describe. */
  const errorEvents = async (id: string, signal?: AbortSignal): Promise<ErrorEvent[]> => {
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
      environment.debug(`modelarts ${id}: events unavailable (${RunlensError.isInstance(e) ? (e.providerCode ?? e.code) : String(e)})`);
      return [];
    }
  };

  const describe = async (id: string, signal?: AbortSignal): Promise<Run> => {
    const ref = parseJobRef(id);
    if (ref.kind === 'v1') {
      const answer = await client.api({ operation: 'ShowTrainingJobVersion', method: 'GET', path: client.projectPath('v1', `/training-jobs/${encode(ref.jobId)}/versions/${encode(ref.versionId)}`), run: id, ...(signal ? { signal } : {}) });
      const body = asObject(answer.json);
      if (!body) throw malformed('ShowTrainingJobVersion', 'not a JSON object', id);
      return v1Run(body, ref.jobId, ref.versionId);
    }
    const answer = await client.api({ operation: 'ShowTrainingJob', method: 'GET', path: client.projectPath('v2', `/training-jobs/${encode(ref.id)}`), run: id, ...(signal ? { signal } : {}) });
    const body = asObject(answer.json);
    if (!body || !asObject(body.metadata)) throw malformed('ShowTrainingJob', 'no metadata', id);
    const phase = str(asObject(body.status)?.phase);
    const failed = phase === 'Failed' || phase === 'Abnormal';
    const run = v2Run(body, failed ? await errorEvents(ref.id, signal) : []);
    // The ref is the id the caller gave.
    return { ...run, ref: `modelarts:${ref.id}`, id: ref.id };
  };

  return {
    specificationVersion: 'v1',
    id: 'modelarts',
    followPollMs: config.followPollMs,
    statusPollMs: config.statusPollMs,
    streamDiscoveryMs: config.streamDiscoveryMs,

    catalog: {
      describe: (id, options) => describe(id, options?.signal),
      list: (filter, options) => listRuns(client, filter, environment.debug, options?.signal),
    },

    logs: {
      async listStreams(run, options) {
        const ref = parseJobRef(run.id);
        return ref.kind === 'v1' ? v1.listStreams(run, ref, options?.signal) : v2.listStreams(run);
      },
      async readStream(run, stream, request) {
        const ref = parseJobRef(run.id);
        return ref.kind === 'v1' ? v1.readStream(run, ref, stream, request.position, request.signal) : v2.readStream(run, stream.id, request.position, request.signal);
      },
      async tailStream(run, stream, request) {
        const ref = parseJobRef(run.id);
        return ref.kind === 'v1'
          ? v1.tailStream(run, ref, stream, request.count, request.until, request.signal)
          : v2.tailStream(run, stream.id, request.count, request.until, request.signal);
      },
    },

    metrics: {
      listMetrics: (run, options) => metrics.listMetrics(run, parseJobRef(run.id), options?.signal),
      readMetrics: (run, descriptors, request) => metrics.readMetrics(run, parseJobRef(run.id), descriptors, request.signal),
    },

    artifacts: {
      listArtifacts: (run, options) => artifacts.list(run, parseJobRef(run.id), options?.signal),
      openArtifact: (run, path, options) => artifacts.open(run, parseJobRef(run.id), path, options?.signal),
    },

    close: () => client.close(),
  };
}
