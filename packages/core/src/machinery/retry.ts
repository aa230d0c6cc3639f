import { RunlensError } from '../errors.js';
import { formatDuration } from '../time.js';
import { sleep } from './sleep.js';

export interface RetryPolicy {
  /**
   * How long one request may keep trying, from its first attempt to the start of its last: throttling
   * and transient failures are retried until this runs out, however many attempts that takes.
   */
  readonly budgetMs: number;
  /** The back-off ceiling of the first retry; it doubles with each attempt up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** An optional cap on attempts as well (1 disables retries). Default: none, the time budget decides. */
  readonly maxAttempts?: number;
}

/**
 * Three minutes: long enough to ride out a burst of throttling on a long parallel read (a stream can
 * meet five or more faults in a row), short enough that a dead endpoint fails in a human time.
 */
export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 180_000, baseDelayMs: 200, maxDelayMs: 20_000 };

/** Time and chance, injectable so that tests of multi-minute budgets run on a fake clock. */
export interface RetryClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
}

const REAL_CLOCK: RetryClock = { now: () => performance.now(), sleep, random: Math.random };

/** A Retry-After header (delay in seconds, or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | readonly string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Full-jitter exponential back-off (a uniform delay below a ceiling that doubles per attempt, capped):
 * parallel readers that failed together spread out instead of retrying in lock-step. Never shorter
 * than the server's Retry-After.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.max(Math.round(random() * ceiling), retryAfterMs ?? 0);
}

/** `850 ms`, `12.4 s`, `3m00s`: how long a request kept trying. */
function spent(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return formatDuration(ms);
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or its time budget runs out.
 * Retryable failures wait a full-jitter back-off (or the server's Retry-After, when longer), never past
 * the end of the budget: the last attempt goes out at the deadline, and a Retry-After beyond it ends
 * the request at once. The error that ends a request says how long it kept trying; a throttle becomes
 * `Throttled` (exit 5 in the CLI).
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: {
    policy?: RetryPolicy;
    signal?: AbortSignal;
    clock?: RetryClock;
    onRetry?: (error: RunlensError, delayMs: number, n: number) => void;
    toError: (e: unknown) => RunlensError;
  },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const clock = options.clock ?? REAL_CLOCK;
  const started = clock.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (raw) {
      const error = options.toError(raw);
      if (!error.retryable || error.code === 'Interrupted' || options.signal?.aborted) throw error;
      const elapsed = clock.now() - started;
      const remaining = policy.budgetMs - elapsed;
      const wanted = backoffDelay(n, policy, error.retryAfterMs, clock.random);
      if (n >= (policy.maxAttempts ?? Number.POSITIVE_INFINITY) || remaining <= 0 || (error.retryAfterMs ?? 0) > remaining) {
        throw gaveUp(error, n, elapsed, policy.budgetMs);
      }
      const delay = Math.min(wanted, remaining);
      options.onRetry?.(error, delay, n);
      await clock.sleep(delay, options.signal);
    }
  }
}

/** The last error, saying how long the request kept trying (unchanged when it was tried once). */
function gaveUp(error: RunlensError, attempts: number, elapsed: number, budgetMs: number): RunlensError {
  if (attempts <= 1 && error.retryAfterMs === undefined) return error;
  const over = budgetMs > elapsed ? '' : ` (the retry budget is ${spent(budgetMs)})`;
  const told = error.retryAfterMs !== undefined && error.retryAfterMs > budgetMs - elapsed ? `, and the service asks to wait ${spent(error.retryAfterMs)} more` : '';
  const what = error.code === 'Throttled' ? 'still throttled' : 'still failing';
  return new RunlensError(error.code, `${what} after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${spent(elapsed)}${over}${told}: ${error.detail}`, {
    provider: error.provider,
    run: error.run,
    providerCode: error.providerCode,
    status: error.status,
    retryable: error.retryable,
    cause: error,
  });
}
