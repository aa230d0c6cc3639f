// An Entra ID bearer token for an Azure ML workspace's MLflow endpoint, from the same chain and
// variables as the Azure ML adapter (packages/azureml/src/credentials.ts, docs/providers/azureml.md):
// AZUREML_ACCESS_TOKEN, else DefaultAzureCredential (environment service principal, workload and
// managed identity, az login…; AZURE_TENANT_ID, AZURE_CLIENT_ID), for the management audience
// `<AZUREML_ARM_ENDPOINT origin>/.default` (AZUREML_TOKEN_SCOPE overrides). @azure/identity loads on
// the first request.
import { authError, registerSecret, RunlensError } from '@runlens/core';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { AuthRequest, MlflowAuth } from './auth.js';
import type { Env } from './targets.js';

const DEFAULT_ARM = 'https://management.azure.com';
/** A token is renewed this long before it expires. */
const RENEW_MS = 300_000;

const text = (value: string | undefined): string | undefined => (value && value.trim() !== '' ? value.trim() : undefined);

/** The token scope: AZUREML_TOKEN_SCOPE, else the ARM endpoint's origin + `/.default`. */
export function azureTokenScope(env: Env): string {
  const scope = text(env.AZUREML_TOKEN_SCOPE);
  if (scope) return scope;
  let origin = DEFAULT_ARM;
  try {
    origin = new URL(text(env.AZUREML_ARM_ENDPOINT) ?? DEFAULT_ARM).origin;
  } catch {
    // the Azure ML adapter reports a bad AZUREML_ARM_ENDPOINT; here the public cloud's audience stands
  }
  return `${origin}/.default`;
}

function defaultCredential(env: Env): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(({ DefaultAzureCredential }) => {
        const tenantId = text(env.AZURE_TENANT_ID);
        const managedIdentityClientId = text(env.AZURE_CLIENT_ID);
        return new DefaultAzureCredential({ ...(tenantId ? { tenantId } : {}), ...(managedIdentityClientId ? { managedIdentityClientId } : {}) });
      });
      return (await credential).getToken(scopes, options);
    },
  };
}

/** A credential's failure as one line (its messages run to many lines of troubleshooting links). */
function credentialFailure(error: unknown): Error {
  const first = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim().slice(0, 300);
  return authError(`Azure credentials: ${first || 'no token'} (az login, a service principal in AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, a managed identity, or AZUREML_ACCESS_TOKEN)`, { provider: 'mlflow', cause: error });
}

/** `Authorization: Bearer <Entra token>`; `credential` replaces the chain (tests, library users with their own). */
export function azureAuth(env: Env, credential?: TokenCredential): MlflowAuth {
  const fixed = text(env.AZUREML_ACCESS_TOKEN);
  if (fixed) registerSecret(fixed);
  const source = credential ?? (fixed ? undefined : defaultCredential(env));
  const scope = azureTokenScope(env);
  let pending: Promise<AccessToken> | undefined;

  const token = async (signal?: AbortSignal): Promise<string> => {
    if (!source) return fixed!;
    const current = pending;
    if (current) {
      const held = await current.catch(() => undefined);
      if (held && held.expiresOnTimestamp - Date.now() > RENEW_MS) return held.token;
      if (pending === current) pending = undefined;
    }
    pending ??= source.getToken(scope, signal ? { abortSignal: signal } : {}).then(
      (got) => {
        if (!got) throw new Error('the credential returned no token');
        registerSecret(got.token);
        return got;
      },
      (error: unknown) => {
        throw credentialFailure(error);
      },
    );
    const mine = pending;
    try {
      return (await mine).token;
    } catch (error) {
      if (pending === mine) pending = undefined;
      throw RunlensError.isInstance(error) ? error : credentialFailure(error);
    }
  };

  return {
    async headers(_request: AuthRequest, signal?: AbortSignal) {
      return { authorization: `Bearer ${await token(signal)}` };
    },
  };
}
