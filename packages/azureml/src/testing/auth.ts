/** Bearer checks for ARM and the data plane; SAS-like signed URLs for blobs. */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { IncomingMessage } from 'node:http';

/** `undefined` when the request carries the accepted bearer token. */
export function bearerProblem(req: IncomingMessage, token: string): 'missing-auth' | 'bad-token' | undefined {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return 'missing-auth';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (match?.[1] === undefined) return 'bad-token';
  return safeEqual(match[1].trim(), token) ? undefined : 'bad-token';
}

const SAS_VERSION = '2021-08-06';
const SAS_LIFETIME_MS = 60 * 60 * 1000;

/** Signs blob URLs with a service-side key, like a user-delegation SAS: the URL alone authorises a read. */
export class SasSigner {
  constructor(private readonly key: string) {}

  /** Query string (without `?`) granting read access to `/blob/{container}/{blobPath}`. */
  sign(container: string, blobPath: string, now: number): string {
    const st = sasTime(now - 5 * 60 * 1000);
    const se = sasTime(now + SAS_LIFETIME_MS);
    const fields = { sv: SAS_VERSION, st, se, sr: 'b', sp: 'r' };
    const sig = this.signature(container, blobPath, fields);
    return new URLSearchParams({ ...fields, sig }).toString();
  }

  /** `undefined` when valid, else the AuthenticationErrorDetail Azure Storage would send. */
  verify(container: string, blobPath: string, query: URLSearchParams, now: number): string | undefined {
    const sig = query.get('sig');
    const fields = {
      sv: query.get('sv') ?? '',
      st: query.get('st') ?? '',
      se: query.get('se') ?? '',
      sr: query.get('sr') ?? '',
      sp: query.get('sp') ?? '',
    };
    if (sig === null || fields.se === '' || fields.sp === '' || fields.sr === '') {
      return 'Signature fields not well formed.';
    }
    if (!safeEqual(sig, this.signature(container, blobPath, fields))) {
      return 'Signature did not match.';
    }
    const start = Date.parse(fields.st);
    const expiry = Date.parse(fields.se);
    if (!(now < expiry) || (fields.st !== '' && now < start)) {
      return `Signature not valid in the specified time frame: Start [${fields.st}] - Expiry [${fields.se}] - Current [${sasTime(now)}]`;
    }
    if (!fields.sp.includes('r')) {
      return 'This request is not authorized to perform this operation using this permission.';
    }
    return undefined;
  }

  private signature(container: string, blobPath: string, fields: Record<string, string>): string {
    const stringToSign = [fields.sp, fields.st, fields.se, `/blob/${container}/${blobPath}`, fields.sv, fields.sr]
      .join('\n');
    return createHmac('sha256', this.key).update(stringToSign).digest('base64');
  }
}

/** SAS times are ISO 8601 without milliseconds. */
function sasTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
