// Configuration of the ModelArts adapter, read only from the environment core hands us
// (`environment.env` and `environment.settings`), never from process.env.
import { authError, invalidInput, type ProviderEnvironment } from '@runlens/core';
import type { Dispatcher } from 'undici';

export type Credentials =
  | { readonly kind: 'aksk'; readonly accessKey: string; readonly secretKey: string; readonly securityToken?: string }
  | { readonly kind: 'token'; readonly token: string };

export interface ModelartsConfig {
  readonly region?: string;
  /** `https://modelarts.<region>.myhuaweicloud.com` or MODELARTS_ENDPOINT, without a trailing `/`. */
  readonly endpoint: string;
  /** OBS (S3 protocol, path-style) endpoint for job outputs. */
  readonly obsEndpoint?: string;
  readonly projectId: string;
  readonly credentials: Credentials;
  /** Test hook: an undici dispatcher (a MockAgent) instead of the adapter's own Agent. */
  readonly dispatcher?: Dispatcher;
  /** Overrides every request budget's rate (requests per second), e.g. for tests and benchmarks. */
  readonly requestsPerSecond?: number;
  /** Log page limits: bytes of one ranged read, and lines per page. */
  readonly pageBytes: number;
  readonly pageLines: number;
  /** UTC offset (minutes) of log timestamps written without a zone. Default +08:00 (China time). */
  readonly logUtcOffsetMinutes: number;
  readonly statusPollMs: number;
  readonly streamDiscoveryMs: number;
  readonly followPollMs: { readonly min: number; readonly max: number };
  /** Clock for X-Sdk-Date (epoch ms). */
  readonly clock: () => number;
}

export const ENV = {
  ak: 'HUAWEICLOUD_SDK_AK',
  sk: 'HUAWEICLOUD_SDK_SK',
  securityToken: 'HUAWEICLOUD_SDK_SECURITY_TOKEN',
  iamToken: 'HUAWEICLOUD_SDK_IAM_TOKEN',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
  region: 'HUAWEICLOUD_REGION',
  endpoint: 'MODELARTS_ENDPOINT',
  obsEndpoint: 'HUAWEICLOUD_OBS_ENDPOINT',
} as const;

const REGION = /^[a-z]{2}(?:-[a-z0-9]+)+$/;
const PROJECT_ID = /^[A-Za-z0-9-]{1,64}$/;

/** ModelArts endpoint of a region; `ap-southeast-1` is served under `.myhuaweicloud.cn` (the Huawei SDK's region table). */
export function endpointForRegion(region: string): string {
  return region === 'ap-southeast-1' ? `https://modelarts.${region}.myhuaweicloud.cn` : `https://modelarts.${region}.myhuaweicloud.com`;
}

/** OBS endpoint of a region (path-style requests `/<bucket>/<key>`). */
export function obsEndpointForRegion(region: string): string {
  return `https://obs.${region}.myhuaweicloud.com`;
}

/** `https://…`, or `http://…` only for a loopback host (127.0.0.0/8, ::1, localhost). */
export function checkEndpoint(value: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput(`${variable} is not a URL`);
  }
  if (url.protocol === 'http:') {
    if (!isLoopback(url.hostname)) throw invalidInput(`${variable} must use https:// (http:// is accepted only for loopback hosts such as 127.0.0.1)`);
  } else if (url.protocol !== 'https:') {
    throw invalidInput(`${variable} must be an https:// URL`);
  }
  if (url.search || url.hash || url.username || url.password) throw invalidInput(`${variable} must be a plain base URL (no query, fragment or credentials)`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function positive(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw invalidInput(`modelarts setting ${name} must be a positive number`);
  return n;
}

/** Reads and checks the configuration; a missing credential is an AuthError naming the variables. */
export function readConfig(environment: Pick<ProviderEnvironment, 'env' | 'settings'>): ModelartsConfig {
  const { env, settings } = environment;
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

  const ak = text(env[ENV.ak]);
  const sk = text(env[ENV.sk]);
  const securityToken = text(env[ENV.securityToken]);
  const iamToken = text(env[ENV.iamToken]);
  let credentials: Credentials;
  if (ak && sk) credentials = { kind: 'aksk', accessKey: ak, secretKey: sk, ...(securityToken ? { securityToken } : {}) };
  else if (iamToken) credentials = { kind: 'token', token: iamToken };
  else if (ak || sk) throw authError(`ModelArts credentials are incomplete: set both ${ENV.ak} and ${ENV.sk} (or ${ENV.iamToken})`);
  else throw authError(`no ModelArts credentials: set ${ENV.ak} and ${ENV.sk} (plus ${ENV.securityToken} for temporary credentials), or ${ENV.iamToken}`);

  const projectId = text(settings.projectId) ?? text(env[ENV.projectId]);
  // Missing configuration is a usage problem (exit 2) for every provider; only credentials are exit 4.
  if (!projectId) throw invalidInput(`no ModelArts project: set ${ENV.projectId}`);
  if (!PROJECT_ID.test(projectId)) throw invalidInput(`${ENV.projectId} must be 1-64 letters, digits or hyphens`);

  const region = text(settings.region) ?? text(env[ENV.region]);
  if (region !== undefined && !REGION.test(region)) throw invalidInput(`invalid region '${region}' (e.g. cn-north-4, ap-southeast-1)`);
  const endpointSetting = text(settings.endpoint) ?? text(env[ENV.endpoint]);
  let endpoint: string;
  if (endpointSetting) endpoint = checkEndpoint(endpointSetting, ENV.endpoint);
  else if (region) endpoint = endpointForRegion(region);
  else throw invalidInput(`no ModelArts region: pass --region or set ${ENV.region} (or ${ENV.endpoint})`);
  const obsSetting = text(settings.obsEndpoint) ?? text(env[ENV.obsEndpoint]);
  const obsEndpoint = obsSetting ? checkEndpoint(obsSetting, ENV.obsEndpoint) : region ? obsEndpointForRegion(region) : undefined;

  const pollMin = positive((settings.followPollMs as { min?: unknown } | undefined)?.min, 2_000, 'followPollMs.min');
  const offset = settings.logUtcOffsetMinutes;
  return {
    ...(region ? { region } : {}),
    endpoint,
    ...(obsEndpoint ? { obsEndpoint } : {}),
    projectId,
    credentials,
    ...(settings.dispatcher ? { dispatcher: settings.dispatcher as Dispatcher } : {}),
    ...(settings.requestsPerSecond !== undefined ? { requestsPerSecond: positive(settings.requestsPerSecond, 1, 'requestsPerSecond') } : {}),
    pageBytes: Math.floor(positive(settings.pageBytes, 1024 * 1024, 'pageBytes')),
    pageLines: Math.floor(positive(settings.pageLines, 10_000, 'pageLines')),
    logUtcOffsetMinutes: typeof offset === 'number' && Number.isFinite(offset) ? offset : 8 * 60,
    statusPollMs: positive(settings.statusPollMs, 15_000, 'statusPollMs'),
    streamDiscoveryMs: positive(settings.streamDiscoveryMs, 30_000, 'streamDiscoveryMs'),
    followPollMs: { min: pollMin, max: Math.max(pollMin, positive((settings.followPollMs as { max?: unknown } | undefined)?.max, 30_000, 'followPollMs.max')) },
    clock: typeof settings.clock === 'function' ? (settings.clock as () => number) : Date.now,
  };
}
