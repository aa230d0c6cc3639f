// How requests to a tracking server are authorised. A self-hosted server follows MLflow's own
// environment conventions (MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD); Azure ML and
// SageMaker managed MLflow plug in their own `MlflowAuth` (an Entra bearer, SigV4 signing).
import { registerSecret } from '@runlens/core';

export interface AuthRequest {
  readonly method: string;
  readonly url: string;
  /** The body when it is in memory (JSON text, bytes); absent for none. */
  readonly body?: string | Uint8Array;
  /** The body is a stream (a large artifact upload): a signer cannot hash it in advance. */
  readonly unsignedPayload?: boolean;
}

export interface MlflowAuth {
  /** Headers to add to one request to the tracking server (never to presigned part URLs). */
  headers(request: AuthRequest, signal?: AbortSignal): Promise<Record<string, string>> | Record<string, string>;
}

export const noAuth: MlflowAuth = { headers: () => ({}) };

/** `Authorization: Bearer <token>`. */
export function bearerAuth(token: string): MlflowAuth {
  registerSecret(token);
  const header = { authorization: `Bearer ${token}` };
  return { headers: () => header };
}

/** `Authorization: Basic base64(user:password)`, as MLflow's basic-auth app expects. */
export function basicAuth(username: string, password: string): MlflowAuth {
  registerSecret(password);
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  registerSecret(encoded);
  const header = { authorization: `Basic ${encoded}` };
  return { headers: () => header };
}

/**
 * MLflow's client conventions (mlflow/utils/rest_utils.py `http_request`): a username/password pair
 * wins over a token (`if host_creds.username and host_creds.password: Basic … elif host_creds.token: Bearer …`).
 */
export function authFromEnv(env: Readonly<Record<string, string | undefined>>): MlflowAuth {
  const user = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (user && password) return basicAuth(user, password);
  const token = env.MLFLOW_TRACKING_TOKEN;
  if (token) return bearerAuth(token);
  return noAuth;
}
