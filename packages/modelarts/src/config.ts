// Configuration of the ModelArts adapter, read only from the environment core hands us
// (`environment.env` and `environment.settings`, parsed by core with settings.ts's schema), never from
// process.env; test hooks (a MockAgent dispatcher, a clock) from `environment.testHooks`.
import { authError, invalidInput, type TestHooks } from '@runlens/core';
import type { Dispatcher } from 'undici';
import type { ModelartsSettings } from './settings.js';

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

/** ModelArts endpoint of a region; `ap-southeast-1` is served under `.myhuaweicloud.cn` (the Huawei SDK's region table). */
export function endpointForRegion(region: string): string {
  return region === 'ap-southeast-1' ? `https://modelarts.${region}.myhuaweicloud.cn` : `https://modelarts.${region}.myhuaweicloud.com`;
}

/** OBS endpoint of a region (path-style requests `/<bucket>/<key>`). */
export function obsEndpointForRegion(region: string): string {
  return `https://obs.${region}.myhuaweicloud.com`;
}

/** A base URL already checked by the settings schema, without a trailing `/`. */
function baseUrl(value: string): string {
  const url = new URL(value);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Reads and checks the configuration; a missing credential is an AuthError naming the variables. */
export function readConfig(environment: { readonly env: Readonly<Record<string, string | undefined>>; readonly settings: ModelartsSettings }, hooks: TestHooks = {}): ModelartsConfig {
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

  // Values were checked by core through the settings schema (HUAWEICLOUD_REGION, HUAWEICLOUD_SDK_PROJECT_ID,
  // MODELARTS_ENDPOINT and HUAWEICLOUD_OBS_ENDPOINT arrive as settings); only what is missing is told here.
  // Missing configuration is a usage problem (exit 2) for every provider; only credentials are exit 4.
  const projectId = text(settings.projectId);
  if (!projectId) throw invalidInput(`no ModelArts project: set ${ENV.projectId} (or --modelarts-project)`);
  const region = text(settings.region);
  const endpointSetting = text(settings.endpoint);
  let endpoint: string;
  if (endpointSetting) endpoint = baseUrl(endpointSetting);
  else if (region) endpoint = endpointForRegion(region);
  else throw invalidInput(`no ModelArts region: pass --region or set ${ENV.region} (or ${ENV.endpoint})`);
  const obsSetting = text(settings.obsEndpoint);
  const obsEndpoint = obsSetting ? baseUrl(obsSetting) : region ? obsEndpointForRegion(region) : undefined;

  return {
    ...(region ? { region } : {}),
    endpoint,
    ...(obsEndpoint ? { obsEndpoint } : {}),
    projectId,
    credentials,
    ...(hooks.dispatcher ? { dispatcher: hooks.dispatcher as Dispatcher } : {}),
    ...(settings.requestsPerSecond !== undefined ? { requestsPerSecond: settings.requestsPerSecond } : {}),
    pageBytes: settings.pageBytes ?? 1024 * 1024,
    pageLines: settings.pageLines ?? 10_000,
    logUtcOffsetMinutes: settings.logUtcOffsetMinutes ?? 8 * 60,
    clock: hooks.clock ?? Date.now,
  };
}
