// Where the queue lives: a redis:// or rediss:// URL, checked before anything is enqueued so a wrong
// URL is one clear line instead of a client retrying forever.
import { authError, invalidInput, providerError, registerSecret, RunlensError } from '@runlens/core';
import { Redis } from 'ioredis';

export interface QueueLocation {
  /** The URL as given (it may hold a password: never print it). */
  readonly url: string;
  /** The URL without its password, for messages. */
  readonly display: string;
}

export function parseQueueUrl(text: string): QueueLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput(`--queue must be a redis:// or rediss:// URL, not '${text.slice(0, 80)}'`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw invalidInput(`--queue must be a redis:// or rediss:// URL, not ${url.protocol}//…`);
  if (url.password) registerSecret(decodeURIComponent(url.password));
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  return { url: url.href, display: shown.href.replace(/\/$/, '') };
}

/**
 * Options for BullMQ's connections. Workers need `maxRetriesPerRequest: null` (BullMQ refuses
 * otherwise: a worker's blocking commands must outlive reconnects).
 */
export function connectionOptions(location: QueueLocation): { url: string; maxRetriesPerRequest: null } {
  return { url: location.url, maxRetriesPerRequest: null };
}

/** One PING with no reconnects: an unreachable or refusing Redis fails at once, with what went wrong. */
export async function checkRedis(location: QueueLocation, timeoutMs = 5_000): Promise<void> {
  const client = new Redis(location.url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {}); // reported by connect() below
  try {
    await client.connect();
    await client.ping();
    // BullMQ's documented requirement (docs.bullmq.io, "Going to production"): an evicting Redis
    // silently loses jobs.
    const [, policy] = ((await client.config('GET', 'maxmemory-policy').catch(() => [])) as string[]) ?? [];
    if (policy && policy !== 'noeviction') throw invalidInput(`Redis at ${location.display} has maxmemory-policy ${policy}; BullMQ needs noeviction, or jobs can be evicted and lost`);
  } catch (e) {
    if (RunlensError.isInstance(e)) throw e;
    const message = (e as Error).message ?? String(e);
    if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)) throw authError(`Redis at ${location.display} refused the credentials: ${message}`);
    throw providerError(`cannot reach Redis at ${location.display}: ${message}`, { retryable: false });
  } finally {
    client.disconnect();
  }
}
