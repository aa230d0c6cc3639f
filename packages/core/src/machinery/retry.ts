import { RunlensError, throttled } from '../errors.js';
import { sleep } from './sleep.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 20_000 };

/** A Retry-After header (delay in seconds, or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | readonly string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full-jitter exponential back-off, never shorter than the server's Retry-After. */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxDelayMs * 3));
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or runs out of attempts.
 * A throttling error that survives every attempt becomes `Throttled` (exit 5 in the CLI).
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (error: RunlensError, delayMs: number, n: number) => void; toError: (e: unknown) => RunlensError },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (raw) {
      const error = options.toError(raw);
      if (!error.retryable || error.code === 'Interrupted' || options.signal?.aborted) throw error;
      if (n >= policy.maxAttempts) {
        if (error.code === 'Throttled') {
          throw throttled(`still throttled after ${n} attempts: ${error.detail}`, {
            provider: error.provider,
            run: error.run,
            providerCode: error.providerCode,
            status: error.status,
            cause: error,
          });
        }
        throw error;
      }
      const delay = backoffDelay(n, policy, error.retryAfterMs);
      options.onRetry?.(error, delay, n);
      await sleep(delay, options.signal);
    }
  }
}
