// The ModelArts provider's settings and per-run handle (contract v2). Cheap to import: the CLI reads
// the definition for its help. Core parses the settings with this schema, after the environment
// variables declared in SETTING_OPTIONS and under the caller's settings (the CLI's flags); a bad
// value fails there, the same way as for every provider. Credentials are not settings: the adapter
// reads them from the environment core hands it (config.ts), so they never travel with settings.
import * as z from 'zod/mini';
import type { SettingOption } from '@runlens/core';

const REGION = /^[a-z]{2}(?:-[a-z0-9]+)+$/;
const PROJECT_ID = /^[A-Za-z0-9-]{1,64}$/;

/** `https://…`, or `http://…` only for a loopback host (127.0.0.0/8, ::1, localhost); a plain base URL. */
export function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol === 'http:') {
    if (!isLoopback(url.hostname)) return 'must use https:// (http:// is accepted only for loopback hosts such as 127.0.0.1)';
  } else if (url.protocol !== 'https:') return 'must be an https:// URL';
  if (url.search || url.hash || url.username || url.password) return 'must be a plain base URL (no query, fragment or credentials)';
  return undefined;
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const text = () => z.string().check(z.trim());
const endpoint = () =>
  text().check(
    z.refine((value) => endpointProblem(value) === undefined, {
      // zod/mini ships no messages: say what is wrong (core prints the key and this message).
      error: (issue) => `${typeof issue.input === 'string' ? (endpointProblem(issue.input) ?? 'invalid') : 'invalid'}`,
    }),
  );
const positive = () => z.number().check(z.refine((n) => n > 0, 'must be a positive number'));

export const modelartsSettingsSchema = z.strictObject({
  /** Huawei Cloud region (`cn-north-4`): the ModelArts and OBS endpoints follow from it. */
  region: z.optional(text().check(z.regex(REGION, 'must be a region such as cn-north-4 or ap-southeast-1'))),
  /** Project id (HUAWEICLOUD_SDK_PROJECT_ID). */
  projectId: z.optional(text().check(z.regex(PROJECT_ID, 'must be 1-64 letters, digits or hyphens'))),
  /** ModelArts endpoint override (MODELARTS_ENDPOINT). */
  endpoint: z.optional(endpoint()),
  /** OBS endpoint override for job outputs (HUAWEICLOUD_OBS_ENDPOINT). */
  obsEndpoint: z.optional(endpoint()),
  /** Overrides every request budget's rate (requests per second), for tests and benchmarks. */
  requestsPerSecond: z.optional(positive()),
  /** Log page limits: bytes of one ranged read (default 1 MiB), lines per page (default 10,000). */
  pageBytes: z.optional(z.int().check(z.gte(1))),
  pageLines: z.optional(z.int().check(z.gte(1))),
  /** UTC offset (minutes) of log timestamps written without a zone. Default +08:00 (China time). */
  logUtcOffsetMinutes: z.optional(z.int().check(z.gte(-12 * 60, 'must be at least -720'), z.lte(14 * 60, 'must be at most 840'))),
});

export type ModelartsSettings = z.infer<typeof modelartsSettingsSchema>;

export const SETTING_OPTIONS: readonly SettingOption[] = [
  { key: 'region', flag: 'region', env: ['HUAWEICLOUD_REGION'], description: 'Huawei Cloud region of ModelArts jobs (e.g. cn-north-4)' },
  { key: 'projectId', flag: 'modelarts-project', valueName: 'id', env: ['HUAWEICLOUD_SDK_PROJECT_ID'], description: 'Huawei Cloud project id of ModelArts jobs' },
  { key: 'endpoint', flag: 'modelarts-endpoint', valueName: 'url', env: ['MODELARTS_ENDPOINT'], description: 'ModelArts API endpoint (default: from the region)' },
  { key: 'obsEndpoint', flag: 'obs-endpoint', valueName: 'url', env: ['HUAWEICLOUD_OBS_ENDPOINT'], description: 'OBS endpoint for ModelArts job outputs (default: from the region)' },
  { key: 'requestsPerSecond', type: 'number', description: 'ModelArts request rate override (requests per second)' },
  { key: 'pageBytes', type: 'number', description: 'bytes of one ranged log read (default 1048576)' },
  { key: 'pageLines', type: 'number', description: 'log lines per page (default 10000)' },
  { key: 'logUtcOffsetMinutes', type: 'number', description: 'UTC offset in minutes of log timestamps without a zone (default 480)' },
];

/** What the adapter keeps per run, from its describe: which API names it, and what its detail says. */
export interface ModelartsHandle {
  /** The v2 training job (UUID) or the v1 job version the run is. */
  readonly job: import('./refs.js').JobRef;
  /** Epoch ms the run's log and metric clocks start from: its start, else its creation (0 if neither). */
  readonly startMs: number;
  /** The OBS prefixes of the job's outputs (v2 `algorithm.outputs`, v1 `train_url`). */
  readonly outputs: readonly Output[];
  /** v1 only: the series of the version's `system_metric_list` (v2 reads them per task). */
  readonly v1Metrics?: readonly RawSeries[];
}

export interface Output {
  readonly name: string;
  readonly bucket: string;
  /** Key prefix, empty or ending with `/`. */
  readonly prefix: string;
}

export interface RawSeries {
  readonly metric: string;
  readonly values: readonly (number | null)[];
}
