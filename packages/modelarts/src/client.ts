// The wire: signed undici requests to ModelArts and OBS. Every call goes through core's requester
// (shared budget, retries with back-off honouring Retry-After, mapError); nothing here retries.
import { createHmac } from 'node:crypto';
import { authError, parseRetryAfter, type Requester } from '@runlens/core';
import { Agent, request, type Dispatcher } from 'undici';
import type { ModelartsConfig } from './config.js';
import { MalformedResponse, WireError } from './errors.js';
import { asObject, parseLossless, str, topLevelMembers, type Json, type TopLevelMembers } from './json.js';
import { signRequest } from './signer.js';

/** Requests per second per operation (shared by every reader in the process). Real quotas are not published: these are conservative guesses. */
const RATES: Record<string, { rate: number; burst: number }> = {
  default: { rate: 20, burst: 40 },
  GetV1JobLog: { rate: 50, burst: 50 },
  // One request per 1 MiB page of a task log: 200/s leaves a fast link, not the budget, as the limit.
  ObsGetLogRange: { rate: 200, burst: 200 },
  ObsListObjects: { rate: 50, burst: 50 },
  ObsGetObject: { rate: 50, burst: 50 },
};

export interface ApiCall {
  readonly operation: string;
  readonly method: 'GET' | 'POST';
  /** Path below the endpoint, already percent-encoded. */
  readonly path: string;
  readonly query?: ReadonlyArray<readonly [string, string]>;
  readonly body?: unknown;
  readonly run?: string;
  readonly signal?: AbortSignal;
  /**
   * How to parse the answer: lossless (default), JSON.parse (large bodies whose numbers are small), or
   * `members`: a flat object's members found without parsing them (`topLevelMembers`; the answer's
   * `members`), for a large answer of which only some members may be needed.
   */
  readonly parse?: 'lossless' | 'native' | 'members';
}

export interface ApiAnswer {
  readonly status: number;
  /** Undefined for 204 (ModelArts' "not ready yet"), and with `parse: 'members'`. */
  readonly json: Json | undefined;
  /** With `parse: 'members'` (undefined for 204). */
  readonly members?: TopLevelMembers;
}

export interface ObsCall {
  readonly operation: string;
  readonly url: string;
  /** A pre-signed URL (sent as is) rather than a bucket request signed with the user's AK/SK. */
  readonly presigned: boolean;
  readonly headers?: Record<string, string>;
  readonly run?: string;
  readonly signal?: AbortSignal;
  /** Statuses returned to the caller instead of thrown. */
  readonly accept?: readonly number[];
  readonly method?: 'GET' | 'HEAD';
}

export interface ObsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.ResponseData['body'];
}

/** RFC 3986 percent-encoding (what the Huawei SDKs put on the wire and sign). */
export function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * An OBS query string as Huawei's OBS SDK writes it (`encodeURIWithSafe(value, '/')` in
 * esdk-obs-nodejs lib/utils.js): RFC 3986 percent-encoding that leaves `/` bare.
 */
export function obsQuery(query: ReadonlyArray<readonly [string, string]>): string {
  if (query.length === 0) return '';
  const part = (v: string) => encode(v).replace(/%2F/g, '/');
  return `?${query.map(([k, v]) => `${part(k)}=${part(v)}`).join('&')}`;
}

export function queryString(query: ReadonlyArray<readonly [string, string]> | undefined): string {
  if (!query || query.length === 0) return '';
  return `?${query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`;
}

export class ModelartsClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher?: Agent;
  private readonly host: string;

  constructor(
    readonly config: ModelartsConfig,
    private readonly requester: Requester,
  ) {
    if (config.dispatcher) this.dispatcher = config.dispatcher;
    else {
      this.ownDispatcher = new Agent({ connections: 32, keepAliveTimeout: 10_000 });
      this.dispatcher = this.ownDispatcher;
    }
    this.host = new URL(config.endpoint).host;
  }

  private budget(operation: string, host: string) {
    const rate = RATES[operation] ?? RATES.default!;
    const perSecond = this.config.requestsPerSecond ?? rate.rate;
    return { key: `modelarts:${this.config.projectId}@${host}:${operation}`, ratePerSecond: perSecond, burst: Math.max(rate.burst, this.config.requestsPerSecond ?? 0) };
  }

  /** `/v2/{project_id}` + rest. */
  projectPath(version: 'v1' | 'v2', rest: string): string {
    return `/${version}/${encode(this.config.projectId)}${rest}`;
  }

  /** One ModelArts API call: signed (AK/SK) or with X-Auth-Token, JSON in and out, 204 kept as "no body". */
  async api(call: ApiCall): Promise<ApiAnswer> {
    return this.requester.call(
      { operation: call.operation, budget: this.budget(call.operation, this.host), ...(call.run ? { run: call.run } : {}), ...(call.signal ? { signal: call.signal } : {}) },
      async (signal) => {
        const url = `${this.config.endpoint}${call.path}${queryString(call.query)}`;
        const body = call.body === undefined ? undefined : JSON.stringify(call.body);
        const headers = this.authHeaders(call.method, url, body);
        const res = await request(url, { method: call.method, headers, ...(body === undefined ? {} : { body }), ...(signal ? { signal } : {}), dispatcher: this.dispatcher });
        if (call.parse === 'members' && res.statusCode >= 200 && res.statusCode < 300 && res.statusCode !== 204) {
          const bytes = Buffer.from(await res.body.arrayBuffer());
          const found = topLevelMembers(bytes);
          let members: TopLevelMembers | undefined = found && {
            value: (key) => {
              try {
                return found.value(key);
              } catch {
                throw new MalformedResponse(call.operation, `HTTP ${res.statusCode} with a member '${key}' that is not JSON`);
              }
            },
          };
          if (!members) {
            // Not a flat object: parsed whole (and refused here if it is not JSON at all).
            let json: Json;
            try {
              json = JSON.parse(bytes.toString('utf8')) as Json;
            } catch {
              throw new MalformedResponse(call.operation, `HTTP ${res.statusCode} with a body that is not JSON`);
            }
            const object = asObject(json);
            members = { value: (key) => object?.[key] };
          }
          if (members.value('is_success') === false) throw this.errorFromBody(call.operation, 400, asObject(JSON.parse(bytes.toString('utf8')) as Json) ?? {}, undefined);
          return { status: res.statusCode, json: undefined, members };
        }
        const text = await res.body.text();
        if (res.statusCode === 204) return { status: 204, json: undefined };
        if (res.statusCode < 200 || res.statusCode >= 300) throw this.modelartsError(call.operation, res.statusCode, res.headers, text);
        let json: Json;
        try {
          json = call.parse === 'native' ? (JSON.parse(text) as Json) : parseLossless(text);
        } catch {
          throw new MalformedResponse(call.operation, `HTTP ${res.statusCode} with a body that is not JSON`);
        }
        // Old v1 APIs can answer 200 with `is_success: false`.
        const object = asObject(json);
        if (object && object.is_success === false) throw this.errorFromBody(call.operation, 400, object, undefined);
        return { status: res.statusCode, json };
      },
    );
  }

  private authHeaders(method: string, url: string, body: string | undefined): Record<string, string> {
    const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
    const { credentials } = this.config;
    if (credentials.kind === 'token') return { ...headers, 'X-Auth-Token': credentials.token };
    return signRequest(
      { method, url, headers, ...(body === undefined ? {} : { body }) },
      { accessKey: credentials.accessKey, secretKey: credentials.secretKey, projectId: this.config.projectId, ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}) },
      new Date(this.config.clock()),
    );
  }

  private modelartsError(operation: string, status: number, headers: Record<string, string | string[] | undefined>, text: string): WireError {
    let object: Record<string, unknown> | undefined;
    try {
      object = asObject(parseLossless(text));
    } catch {
      object = undefined;
    }
    return this.errorFromBody(operation, status, object ?? {}, headers['retry-after']);
  }

  private errorFromBody(operation: string, status: number, body: Record<string, unknown>, retryAfter: string | string[] | undefined): WireError {
    const code = str(body.error_code);
    const message = str(body.error_msg) ?? str(body.error_message);
    return new WireError('modelarts', operation, status, code, message?.slice(0, 500), parseRetryAfter(retryAfter, this.config.clock()));
  }

  /**
   * One OBS request (S3 protocol). `presigned` URLs (the temporary log links) go as they are; bucket
   * requests are signed with the user's AK/SK (`Authorization: AWS AK:signature`, see obsHeaders). Statuses in
   * `accept` come back to the caller instead of being thrown; the body must then be consumed.
   */
  async obs(spec: ObsCall): Promise<ObsAnswer> {
    return this.obsRead(spec, async (answer) => answer);
  }

  /**
   * An OBS request whose body `read` consumes inside the call, so that a connection dropped in the
   * middle of the body is retried like any other failure (artifact downloads, streamed to the
   * caller, use `obs` instead).
   */
  async obsRead<T>(spec: ObsCall, read: (answer: ObsAnswer) => Promise<T>): Promise<T> {
    const host = new URL(spec.url).host;
    return this.requester.call(
      { operation: spec.operation, budget: this.budget(spec.operation, host), ...(spec.run ? { run: spec.run } : {}), ...(spec.signal ? { signal: spec.signal } : {}) },
      async (signal) => {
        const method = spec.method ?? 'GET';
        const headers = spec.presigned ? { ...spec.headers } : this.obsHeaders(method, spec.url, spec.headers ?? {});
        const res = await request(spec.url, { method, headers, ...(signal ? { signal } : {}), dispatcher: this.dispatcher });
        if ((res.statusCode >= 200 && res.statusCode < 300) || spec.accept?.includes(res.statusCode)) {
          return read({ status: res.statusCode, headers: res.headers, body: res.body });
        }
        const text = await res.body.text();
        const code = xmlField(text, 'Code');
        const message = xmlField(text, 'Message');
        throw new WireError('obs', spec.operation, res.statusCode, code, message?.slice(0, 300), parseRetryAfter(res.headers['retry-after'], this.config.clock()));
      },
    );
  }

  /**
   * OBS header authentication as Huawei's OBS SDK (esdk-obs-nodejs, lib/utils.js `doAuth`) signs a
   * path-style request: path-style addressing turns the SDK's `OBS` scheme into the S3 v2 one, so
   * `Authorization: AWS <AK>:<base64 HMAC-SHA1(SK, StringToSign)>` with StringToSign = VERB,
   * Content-MD5, Content-Type, Date, the sorted `x-amz-*` headers, then the encoded `/bucket/key`
   * (no query: runlens sends no sub-resource). Temporary credentials add `x-amz-security-token`.
   */
  private obsHeaders(method: string, url: string, extra: Record<string, string>): Record<string, string> {
    const { credentials } = this.config;
    if (credentials.kind !== 'aksk') throw authError('reading job outputs from OBS needs HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (an IAM token does not sign OBS requests)');
    const headers: Record<string, string> = { ...extra, Date: new Date(this.config.clock()).toUTCString() };
    if (credentials.securityToken) headers['x-amz-security-token'] = credentials.securityToken;
    const parsed = new URL(url);
    const resource = obsResource(parsed.pathname, new URL(this.config.obsEndpoint ?? url).pathname);
    const signature = obsV2Signature(credentials.secretKey, method, headers, resource);
    return { ...headers, Authorization: `AWS ${credentials.accessKey}:${signature}` };
  }

  async close(): Promise<void> {
    await this.ownDispatcher?.close();
  }
}

/** HMAC-SHA1 of the S3 v2 StringToSign, base64 (what esdk-obs-nodejs computes for `AWS AK:sig`). */
export function obsV2Signature(secretKey: string, method: string, headers: Record<string, string>, resource: string): string {
  const find = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
  const amz = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .filter(([name]) => name.startsWith('x-amz-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
  const stringToSign = `${method}\n${find('content-md5')}\n${find('content-type')}\n${find('date')}\n${amz}${resource}`;
  return createHmac('sha1', secretKey).update(stringToSign, 'utf8').digest('base64');
}

/** The canonical resource `/bucket/key` of a path-style URL below the OBS endpoint's own path. */
function obsResource(pathname: string, basePath: string): string {
  const base = basePath.replace(/\/+$/, '');
  const rest = base && pathname.startsWith(base) ? pathname.slice(base.length) : pathname;
  return rest || '/';
}

export function xmlField(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (whole, entity: string) => {
    const e = entity.toLowerCase();
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
  });
}
