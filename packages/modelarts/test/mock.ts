// A runlens instance whose ModelArts traffic goes to an undici MockAgent (nock cannot intercept
// undici.request), recording every request exactly as it was sent.
import { createRunlens, type Runlens } from '@runlens/core';
import { MockAgent } from 'undici';
import { modelartsProvider } from '../src/index.js';

export const ORIGIN = 'https://modelarts.cn-north-4.myhuaweicloud.com';
export const OBS_ORIGIN = 'https://obs.cn-north-4.myhuaweicloud.com';
export const PROJECT = 'p0123456789abcdef';
export const AK = 'MOCKAK000000000000001';
export const SK = 'mock-secret-key-not-real-000000000000000';
/** 2024-01-15T08:00:00Z: every X-Sdk-Date is 20240115T080000Z. */
export const NOW = Date.UTC(2024, 0, 15, 8, 0, 0);

export interface Sent {
  readonly origin: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

export interface Mocked {
  readonly agent: MockAgent;
  readonly runlens: Runlens;
  readonly sent: Sent[];
  /** Records a request seen by a reply callback. */
  record(origin: string, opts: { path: string; method: string; headers?: unknown; body?: unknown }): Sent;
  close(): Promise<void>;
}

export function lowerHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  let entries: [string, unknown][];
  if (headers instanceof Headers) entries = [...headers.entries()];
  else if (Array.isArray(headers)) entries = headers.flatMap((v, i) => (i % 2 === 0 ? [[String(v), headers[i + 1]] as [string, unknown]] : []));
  else entries = Object.entries(headers as Record<string, unknown>);
  for (const [k, v] of entries) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : String(v);
  return out;
}

export function mocked(options: { env?: Record<string, string | undefined>; settings?: Record<string, unknown>; clock?: () => number } = {}): Mocked {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const sent: Sent[] = [];
  const runlens = createRunlens({
    providers: [modelartsProvider],
    env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK, HUAWEICLOUD_SDK_PROJECT_ID: PROJECT, HUAWEICLOUD_REGION: 'cn-north-4', ...options.env },
    settings: { modelarts: { requestsPerSecond: 100_000, ...options.settings } },
    testHooks: { modelarts: { dispatcher: agent, clock: options.clock ?? (() => NOW) } },
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  });
  return {
    agent,
    runlens,
    sent,
    record(origin, opts) {
      const entry: Sent = { origin, method: opts.method, path: opts.path, headers: lowerHeaders(opts.headers), body: typeof opts.body === 'string' ? opts.body : opts.body === undefined || opts.body === null ? undefined : String(opts.body) };
      sent.push(entry);
      return entry;
    },
    async close() {
      await runlens.close();
      await agent.close();
    },
  };
}

/** A v2 job detail in the API reference's shape. */
export function jobDetail(id: string, overrides: { phase?: string; tasks?: string[]; outputs?: string[]; taskStatuses?: unknown[]; runningRecords?: unknown[]; createTime?: number } = {}) {
  const created = overrides.createTime ?? Date.UTC(2024, 0, 15, 7, 0, 0);
  return {
    kind: 'job',
    metadata: { id, name: `job-${id.slice(0, 8)}`, create_time: created },
    status: {
      phase: overrides.phase ?? 'Completed',
      secondary_phase: overrides.phase ?? 'Completed',
      duration: 600_000,
      start_time: created + 60_000,
      tasks: overrides.tasks ?? ['worker-0'],
      ...(overrides.taskStatuses ? { task_statuses: overrides.taskStatuses } : {}),
      running_records: overrides.runningRecords ?? [{ start_at: Math.floor((created + 60_000) / 1000), end_at: Math.floor((created + 660_000) / 1000), end_reason: 'job completed' }],
    },
    algorithm: { outputs: (overrides.outputs ?? []).map((url, i) => ({ name: `out${i}`, remote: { obs: { obs_url: url } } })) },
    spec: { resource: { flavor_id: 'modelarts.vm.cpu.2u', node_count: (overrides.tasks ?? ['worker-0']).length } },
  };
}
