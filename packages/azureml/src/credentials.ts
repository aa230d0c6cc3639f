// Credentials: a ready bearer token (AZUREML_ACCESS_TOKEN), or DefaultAzureCredential (az login,
// environment service principals, managed identity), loaded only when first asked for a token.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { AzuremlConfig } from './config.js';

/** A fixed token; its expiry is unknown, so it is assumed valid for an hour at a time. */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

/** DefaultAzureCredential behind a lazy import: @azure/identity (and MSAL) load on the first getToken. */
export function lazyDefaultCredential(config: Pick<AzuremlConfig, 'tenantId' | 'managedIdentityClientId'>): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      credential ??= import('@azure/identity').then(
        ({ DefaultAzureCredential }) =>
          new DefaultAzureCredential({
            ...(config.tenantId ? { tenantId: config.tenantId } : {}),
            ...(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {}),
          }),
      );
      return (await credential).getToken(scopes, options);
    },
  };
}

export function credentialFor(config: AzuremlConfig): TokenCredential {
  return config.accessToken ? staticTokenCredential(config.accessToken) : lazyDefaultCredential(config);
}

/** Caches tokens per scope until five minutes before they expire; concurrent callers share one request. */
export class TokenCache {
  private readonly tokens = new Map<string, Promise<AccessToken>>();

  constructor(private readonly credential: TokenCredential) {}

  async get(scope: string, signal?: AbortSignal): Promise<string> {
    const cached = this.tokens.get(scope);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresOnTimestamp - Date.now() > 300_000) return token.token;
      if (this.tokens.get(scope) === cached) this.tokens.delete(scope);
    }
    let pending = this.tokens.get(scope);
    if (!pending) {
      pending = this.credential.getToken(scope, signal ? { abortSignal: signal } : {}).then((token) => {
        if (!token) throw Object.assign(new Error('the credential returned no token'), { name: 'CredentialUnavailableError' });
        return token;
      });
      this.tokens.set(scope, pending);
      pending.catch(() => {
        if (this.tokens.get(scope) === pending) this.tokens.delete(scope);
      });
    }
    return (await pending).token;
  }
}
