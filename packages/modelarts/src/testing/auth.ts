/** API Gateway authentication in front of ModelArts: IAM token or SDK-HMAC-SHA256 signature. */
import { formatSdkDate, verifySignature } from '../signer.js';
import type { Exchange } from './http.js';

export interface GatewayIdentity {
  projectId: string;
  accessKey: string;
  secretKey: string;
  iamToken: string;
  clock: () => number;
}

export type AuthOutcome = { ok: true } | { ok: false; status: number; code: string; message: string };

const IAM_FAILURE = 'Incorrect IAM authentication information';

function rejected(detail: string): AuthOutcome {
  return { ok: false, status: 401, code: 'APIGW.0301', message: `${IAM_FAILURE}: ${detail}` };
}

/** Authenticates like the gateway, then checks the caller's project against the path's. */
export function authenticate(exchange: Exchange, pathProject: string, identity: GatewayIdentity): AuthOutcome {
  const { req } = exchange;
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string') {
    if (token !== identity.iamToken) return rejected('decrypt token fail');
  } else if (req.headers.authorization !== undefined) {
    const outcome = checkSignature(exchange, identity);
    if (!outcome.ok) return outcome;
  } else {
    return rejected('no X-Auth-Token or Authorization header');
  }
  if (pathProject !== identity.projectId) {
    return { ok: false, status: 404, code: 'ModelArts.2786', message: 'The project ID in the URL does not match the project ID of the token.' };
  }
  return { ok: true };
}

function checkSignature(exchange: Exchange, identity: GatewayIdentity): AuthOutcome {
  const { req, body } = exchange;
  const now = new Date(identity.clock());
  const check = verifySignature(
    { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
    (ak) => (ak === identity.accessKey ? identity.secretKey : undefined),
    now,
  );
  if (!check.ok) {
    switch (check.reason) {
      case 'malformed':
        return rejected(check.detail);
      case 'unknown-access-key':
        return rejected(`ak ${check.accessKey} not exist`);
      case 'expired':
        return rejected(`calc aksk signature fail:signature expired, signature time:${check.sdkDate},server time:${formatSdkDate(now)}`);
      case 'mismatch':
        return rejected(`verify aksk signature fail, canonicalRequest:${check.canonicalRequest.replace(/\n/g, '|')}`);
    }
  }
  const headerProject = req.headers['x-project-id'];
  if (typeof headerProject === 'string' && headerProject !== identity.projectId) {
    return rejected(`project id ${headerProject} does not belong to the account of ak ${identity.accessKey}`);
  }
  return { ok: true };
}
