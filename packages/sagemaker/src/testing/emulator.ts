// The emulator facade: stores, the loopback server, seed hooks in AWS terms and scenario control.

import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import { largeJob, largeJobSpec } from './large.js';
import type { LargeJobOptions } from './large.js';
import { LogStore, SAGEMAKER_LOG_GROUP } from './logs.js';
import type { LogEventInput } from './logs.js';
import { MetricStore } from './metrics.js';
import type { MetricDataInput } from './metrics.js';
import { ObjectStore } from './s3.js';
import type { ObjectBody, PutObjectOptions } from './s3.js';
import { TrainingJobStore } from './sagemaker.js';
import type { TrainingJobSeed } from './sagemaker.js';
import { RunningJobScript, staticScenarioJobs } from './scenarios.js';
import type { ScenarioDelta, ScenarioJob } from './scenarios.js';
import { createEmulatorServer } from './server.js';
import type { RecordedRequest } from './server.js';
import { REGION } from './wire.js';

export interface EmulatorOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  host?: '127.0.0.1';
  /** Seed the rl-* scenarios; default true. */
  scenarios?: boolean;
  /** Cap on events per GetLogEvents / FilterLogEvents page (the service's cap is 10 000 and 1 MB). */
  logPageLimit?: number;
  /** Datapoints per GetMetricData response before NextToken paging; default 500. */
  metricPageSize?: number;
  /** Epoch ms used for defaults (CreationTime, ingestionTime, LastModified); default Date.now. */
  clock?: () => number;
  /**
   * Answer a repeated GetLogEvents / FilterLogEvents request body with the bytes of the first answer,
   * so a benchmark measures the reader, not the emulator generating pages. Only for jobs whose logs
   * no longer change; off by default.
   */
  memoizeLogPages?: boolean;
  /** Advance running scenario jobs on a timer (unref'd); off by default so tests drive growth. */
  advanceEveryMs?: number;
}

export interface LargeJobInfo {
  name: string;
  streams: string[];
  totalEvents: number;
}

export interface SagemakerEmulator {
  readonly endpoint: string;
  readonly port: number;
  /** Environment for a child process (SDK v3 honours AWS_ENDPOINT_URL; give S3Client forcePathStyle: true). */
  readonly env: Readonly<Record<string, string>>;
  /** Spread into any SDK v3 client config (add `forcePathStyle: true` for S3Client, `maxAttempts` as needed). */
  readonly clientConfig: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Every request received, in order; use resetRequests() to clear it in place. */
  readonly requests: RecordedRequest[];
  resetRequests(): void;
  readonly faults: FaultInjector;
  putTrainingJob(job: TrainingJobSeed): void;
  updateTrainingJob(name: string, patch: Partial<TrainingJobSeed>): void;
  /** Creates the stream (and the group, default /aws/sagemaker/TrainingJobs) if missing. */
  putLogEvents(streamName: string, events: LogEventInput[], logGroupName?: string): void;
  putMetricData(data: MetricDataInput): void;
  putObject(bucket: string, key: string, body: ObjectBody, options?: PutObjectOptions): void;
  /** Registers a Completed job whose streams are generated on read (default 16 nodes x 100 000 lines). */
  seedLargeJob(name: string, options?: LargeJobOptions): LargeJobInfo;
  /** Appends a minute of output to one running scenario job, or to all of them; returns the number of events added. */
  advance(name?: string): number;
  /** Marks a job Completed (running scenario jobs also write their final lines). */
  complete(name: string): void;
  close(): Promise<void>;
}

export async function startSagemakerEmulator(options: EmulatorOptions = {}): Promise<SagemakerEmulator> {
  const clock = options.clock ?? Date.now;
  const jobs = new TrainingJobStore(clock);
  const logs = new LogStore(clock);
  const metrics = new MetricStore();
  const objects = new ObjectStore(clock);
  const faults = new FaultInjector();
  const requests: RecordedRequest[] = [];
  const { server, shutdown } = createEmulatorServer({ jobs, logs, metrics, objects }, faults, requests, {
    logPageLimit: options.logPageLimit ?? 10_000,
    metricPageSize: options.metricPageSize ?? 500,
    memoizeLogPages: options.memoizeLogPages ?? false,
  });
  const running = new Map<string, RunningJobScript>();

  const applyJob = (scenario: ScenarioJob) => {
    jobs.put(scenario.job);
    applyDelta(scenario);
    for (const object of scenario.objects) objects.put(object.bucket, object.key, object.body, { contentType: object.contentType, lastModified: object.lastModified });
  };
  const applyDelta = (delta: ScenarioDelta): number => {
    let added = 0;
    for (const stream of delta.streams) {
      logs.putEvents(SAGEMAKER_LOG_GROUP, stream.name, stream.events, stream.creationTime);
      added += stream.events.length;
    }
    for (const data of delta.metrics) metrics.put(data);
    return added;
  };

  if (options.scenarios !== false) {
    for (const scenario of staticScenarioJobs()) applyJob(scenario);
    const script = new RunningJobScript();
    applyJob(script.initial());
    running.set(script.name, script);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'AKIAEMULATOR00000000', secretAccessKey: 'emulator-secret-access-key-not-a-real-secret' };

  const emulator: SagemakerEmulator = {
    endpoint,
    port,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    clientConfig: { endpoint, region: REGION, credentials },
    requests,
    resetRequests: () => {
      requests.length = 0;
    },
    faults,
    putTrainingJob: (job) => jobs.put(job),
    updateTrainingJob: (name, patch) => jobs.update(name, patch),
    putLogEvents: (streamName, events, logGroupName = SAGEMAKER_LOG_GROUP) => logs.putEvents(logGroupName, streamName, events),
    putMetricData: (data) => metrics.put(data),
    putObject: (bucket, key, body, putOptions) => objects.put(bucket, key, body, putOptions),
    seedLargeJob: (name, largeOptions) => {
      const spec = largeJobSpec(name, largeOptions);
      const { job, streams } = largeJob(spec);
      jobs.put(job);
      for (const stream of streams) logs.putGeneratedStream(SAGEMAKER_LOG_GROUP, stream.name, stream.events, stream.creationTime);
      return { name, streams: streams.map((stream) => stream.name), totalEvents: spec.nodes * spec.linesPerNode };
    },
    advance: (name) => {
      if (name !== undefined && !running.has(name)) throw new Error(`${name} is not a running scenario job`);
      const scripts = name === undefined ? [...running.values()] : [running.get(name)!];
      return scripts.reduce((added, script) => added + applyDelta(script.advance()), 0);
    },
    complete: (name) => {
      const job = jobs.get(name);
      if (!job) throw new Error(`no training job named ${name}`);
      const script = running.get(name);
      if (script) {
        const delta = script.finish();
        applyDelta(delta);
        jobs.update(name, delta.patch ?? {});
        running.delete(name);
        return;
      }
      // Any other job: end it one second after its newest log line (or now).
      const newest = logs.streamNames(SAGEMAKER_LOG_GROUP, `${name}/`).reduce((latest, stream) => Math.max(latest, logs.lastEvent(SAGEMAKER_LOG_GROUP, stream)?.timestamp ?? 0), 0);
      const end = newest > 0 ? newest + 1_000 : clock();
      jobs.update(name, { TrainingJobStatus: 'Completed', SecondaryStatus: 'Completed', TrainingEndTime: end, LastModifiedTime: end });
    },
    close: async () => {
      if (timer) clearInterval(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      shutdown();
      await closed;
    },
  };

  const timer = options.advanceEveryMs === undefined ? undefined : setInterval(() => emulator.advance(), options.advanceEveryMs);
  timer?.unref();
  return emulator;
}
