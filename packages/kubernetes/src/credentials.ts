// How a request authenticates, from the kubeconfig's user (kubeconfig.ts): a bearer token, a token
// file re-read when it may have rotated, basic auth, or an exec credential plugin whose answer is
// cached until its `expirationTimestamp` (or a 401) — as client-go's exec authenticator does
// (kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins).
import { readFileSync } from 'node:fs';

import { registerSecret } from '@runlens/core';

import { KubeconfigError, runExecPlugin } from './kubeconfig.js';

import type { ClusterAccess, ExecCredential } from './kubeconfig.js';

export interface RequestCredentials {
  /** The Authorization header, if any. */
  readonly authorization?: string;
  /** A client certificate and key from an exec plugin (PEM), to be used instead of the kubeconfig's. */
  readonly clientCert?: string;
  readonly clientKey?: string;
}

/** Refresh an exec credential this long before it expires (client-go refreshes on expiry too). */
const EXPIRY_MARGIN_MS = 30_000;
/** A token file is re-read at most this often (client-go's cachingTokenSource re-reads every minute). */
const TOKEN_FILE_TTL_MS = 60_000;

export class Credentials {
  private cached: { value: RequestCredentials; until: number } | undefined;
  private pending: Promise<RequestCredentials> | undefined;

  constructor(
    private readonly access: ClusterAccess,
    private readonly clock: () => number = Date.now,
    private readonly exec: typeof runExecPlugin = runExecPlugin,
  ) {}

  /** Whether a 401 may be cured by asking again (an exec plugin or a token file may have a newer token). */
  get refreshable(): boolean {
    return this.access.auth.kind === 'exec' || this.access.auth.kind === 'token-file';
  }

  /** Forget the cached credential (after a 401). */
  invalidate(): void {
    this.cached = undefined;
  }

  async current(): Promise<RequestCredentials> {
    if (this.cached !== undefined && this.clock() < this.cached.until) return this.cached.value;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetch(): Promise<RequestCredentials> {
    const auth = this.access.auth;
    const now = this.clock();
    let value: RequestCredentials;
    let until = Number.POSITIVE_INFINITY;
    switch (auth.kind) {
      case 'none':
        value = {};
        break;
      case 'token':
        value = { authorization: `Bearer ${auth.token}` };
        break;
      case 'basic':
        value = { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
        break;
      case 'token-file': {
        let token: string;
        try {
          token = readFileSync(auth.path, 'utf8').trim();
        } catch (error) {
          throw new KubeconfigError(`cannot read the token file ${auth.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
        value = { authorization: `Bearer ${token}` };
        until = now + TOKEN_FILE_TTL_MS;
        break;
      }
      case 'exec': {
        const credential: ExecCredential = await this.exec(auth.exec, this.access);
        value = {
          ...(credential.token === undefined ? {} : { authorization: `Bearer ${credential.token}` }),
          ...(credential.clientCertificateData === undefined ? {} : { clientCert: credential.clientCertificateData }),
          ...(credential.clientKeyData === undefined ? {} : { clientKey: credential.clientKeyData }),
        };
        if (credential.expiresAt !== undefined && Number.isFinite(credential.expiresAt)) until = credential.expiresAt - EXPIRY_MARGIN_MS;
        break;
      }
    }
    // Whatever prints an error never prints the credential (core redacts registered secrets).
    registerSecret(value.authorization?.replace(/^(Bearer|Basic) /, ''));
    registerSecret(value.clientKey);
    this.cached = { value, until };
    return value;
  }
}
