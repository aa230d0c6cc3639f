// The wire: undici requests to the Kubernetes API server, built from loadClusterAccess(). TLS (the
// cluster's CA, a client certificate, tls-server-name, insecure-skip-tls-verify) goes into the
// undici Agent's `connect` options; every call goes through core's requester (shared budget,
// retries with back-off honouring Retry-After, mapError). Nothing here retries, except that a 401
// with a refreshable credential (exec plugin, token file) is sent once more with a fresh one, as
// client-go's exec authenticator does.
import { Agent, request } from 'undici';

import { parseRetryAfter } from '@runlens/core';

import { Credentials } from './credentials.js';
import { apiError, KubeApiError, MalformedAnswer } from './errors.js';

import type { Requester } from '@runlens/core';
import type { Dispatcher } from 'undici';

import type { ClusterAccess } from './kubeconfig.js';

/**
 * Requests per second per operation, shared by every reader in the process. client-go's default is
 * 5/s with a burst of 10 (rest.Config QPS/Burst, **unverified** for current releases); the apiserver's
 * own limit is API Priority and Fairness, answered with 429 + Retry-After, which core honours. 20/s
 * keeps a describe of a 64-pod job (pods, events per pod) quick without hammering.
 */
const RATES: Readonly<Record<string, { rate: number; burst: number }>> = {
  default: { rate: 20, burst: 40 },
  // One request per stream (re)connection: many pods are followed at once.
  ReadPodLog: { rate: 50, burst: 100 },
};

export interface KubeCall {
  readonly operation: string;
  /** Below the server URL, already percent-encoded (`/api/v1/namespaces/ml/pods`). */
  readonly path: string;
  readonly query?: ReadonlyArray<readonly [string, string]>;
  readonly run?: string;
  readonly signal?: AbortSignal;
}

export interface KubeClientOptions {
  readonly access: ClusterAccess;
  readonly requester: Requester;
  /** Tests: an undici MockAgent (or any Dispatcher) instead of the client's own Agent. */
  readonly dispatcher?: Dispatcher;
  readonly clock?: () => number;
  readonly credentials?: Credentials;
}

export function queryString(query: ReadonlyArray<readonly [string, string]> | undefined): string {
  if (query === undefined || query.length === 0) return '';
  return `?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

/** A path segment, percent-encoded. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** An Agent whose TLS is the cluster's (tested in test/client-tls.test.ts against a real HTTPS server). */
export function clusterAgent(access: ClusterAccess, cert?: { clientCert?: string; clientKey?: string }): Agent {
  const clientCert = cert?.clientCert ?? access.clientCert;
  const clientKey = cert?.clientKey ?? access.clientKey;
  return new Agent({
    connections: 64,
    keepAliveTimeout: 10_000,
    connect: {
      ...(access.ca === undefined ? {} : { ca: access.ca }),
      ...(clientCert === undefined ? {} : { cert: clientCert }),
      ...(clientKey === undefined ? {} : { key: clientKey }),
      // Sent as SNI and checked against the certificate instead of the host (kubeconfig tls-server-name).
      ...(access.tlsServerName === undefined ? {} : { servername: access.tlsServerName }),
      rejectUnauthorized: !access.insecureSkipTlsVerify,
    },
  });
}

export class KubeClient {
  readonly server: string;
  private readonly host: string;
  private readonly credentials: Credentials;
  private readonly clock: () => number;
  private readonly fixedDispatcher: Dispatcher | undefined;
  private agent: { agent: Agent; certKey: string } | undefined;
  private readonly retired: Agent[] = [];

  constructor(private readonly options: KubeClientOptions) {
    this.server = options.access.server.replace(/\/+$/, '');
    this.host = new URL(this.server).host;
    this.clock = options.clock ?? Date.now;
    this.credentials = options.credentials ?? new Credentials(options.access, this.clock);
    this.fixedDispatcher = options.dispatcher;
  }

  private budget(operation: string) {
    const rate = RATES[operation] ?? RATES['default']!;
    return { key: `k8s:${this.host}:${operation}`, ratePerSecond: rate.rate, burst: rate.burst };
  }

  private dispatcherFor(creds: { clientCert?: string; clientKey?: string }): Dispatcher {
    if (this.fixedDispatcher !== undefined) return this.fixedDispatcher;
    const certKey = `${creds.clientCert ?? ''}\n${creds.clientKey ?? ''}`;
    if (this.agent === undefined || this.agent.certKey !== certKey) {
      // An exec plugin handed out a new client certificate: new connections use it.
      if (this.agent !== undefined) this.retired.push(this.agent.agent);
      this.agent = { agent: clusterAgent(this.options.access, creds), certKey };
    }
    return this.agent.agent;
  }

  /**
   * One GET whose answer is returned with its body unread (2xx only); the caller consumes or
   * destroys it. `stream`: no body timeout (a follow connection may be quiet for hours).
   */
  private async send(call: KubeCall, signal: AbortSignal | undefined, stream: boolean): Promise<Dispatcher.ResponseData> {
    const url = `${this.server}${call.path}${queryString(call.query)}`;
    for (let refreshed = false; ; refreshed = true) {
      const creds = await this.credentials.current();
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'runlens-kubernetes' };
      if (creds.authorization !== undefined) headers['authorization'] = creds.authorization;
      const res = await request(url, {
        method: 'GET',
        headers,
        dispatcher: this.dispatcherFor(creds),
        ...(signal === undefined ? {} : { signal }),
        headersTimeout: 60_000,
        bodyTimeout: stream ? 0 : 120_000,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) return res;
      const text = await res.body.text().catch(() => '');
      if (res.statusCode === 401 && !refreshed && this.credentials.refreshable) {
        this.credentials.invalidate();
        continue;
      }
      throw apiError('kubernetes', call.operation, res.statusCode, text, parseRetryAfter(res.headers['retry-after'], this.clock()));
    }
  }

  /** A GET answered with JSON, through core's requester. */
  async get<T>(call: KubeCall): Promise<T> {
    return this.options.requester.call(this.spec(call), async (signal) => {
      const res = await this.send(call, signal, false);
      const text = await res.body.text();
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new MalformedAnswer(`the API server answered HTTP ${res.statusCode} with a body that is not JSON`);
      }
    });
  }

  /** A GET whose body the caller reads as it arrives (pod logs); connection set-up is retried by core. */
  async open(call: KubeCall): Promise<Dispatcher.ResponseData> {
    return this.options.requester.call(this.spec(call), (signal) => this.send(call, signal, true));
  }

  /**
   * Every item of a list, page by page (`limit` + `continue`). Only `metadata.continue` says more
   * exist; a page may be empty. A 410 Expired (the snapshot is gone) goes on from the token in its
   * Status when there is one (the list may then miss or repeat an object across the boundary:
   * acceptable for listing runs), else starts over once.
   */
  async *list<T>(call: KubeCall & { readonly limit?: number }): AsyncGenerator<T[]> {
    let token: string | undefined;
    let restarts = 0;
    for (;;) {
      const query: Array<readonly [string, string]> = [...(call.query ?? []), ['limit', String(call.limit ?? 500)]];
      if (token !== undefined) query.push(['continue', token]);
      let page: { items?: T[]; metadata?: { continue?: string } };
      try {
        page = await this.get({ ...call, query });
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        if (cause instanceof KubeApiError && cause.status === 410 && token !== undefined && restarts < 3) {
          restarts += 1;
          token = cause.continueToken;
          continue;
        }
        throw error;
      }
      yield page.items ?? [];
      token = page.metadata?.continue;
      if (token === undefined || token === '') return;
    }
  }

  private spec(call: KubeCall) {
    return { operation: call.operation, budget: this.budget(call.operation), ...(call.run === undefined ? {} : { run: call.run }), ...(call.signal === undefined ? {} : { signal: call.signal }) };
  }

  async close(): Promise<void> {
    const agents = [...this.retired, ...(this.agent === undefined ? [] : [this.agent.agent])];
    await Promise.all(agents.map((agent) => agent.close().catch(() => undefined)));
  }
}
