import { setMaxListeners } from 'node:events';
import { RunlensError, interrupted } from '../errors.js';
import type { Requester, RequesterOptions, RequestContext, RequestSpec } from '../spec/v2.js';
import type { RequestBudget } from './budget.js';
import { DEFAULT_RETRY, withRetry, type RetryClock, type RetryPolicy } from './retry.js';

/**
 * Builds the RequestContext core hands each adapter: budget first, then the call, mapped and retried
 * until the request's time budget runs out. Every answer tells the shared budget how the key fares.
 */
export function createRequestContext(options: {
  provider: string;
  budget: RequestBudget;
  retry?: Partial<RetryPolicy>;
  debug: (message: string) => void;
  stats?: { calls: number; retries: number };
  clock?: RetryClock;
}): RequestContext {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const widened = new WeakSet<AbortSignal>();
  return {
    requester(requesterOptions: RequesterOptions): Requester {
      return {
        async call<T>(spec: RequestSpec, send: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
          // One caller's signal covers every request in flight (dozens of streams read at once), each
          // listening for abort while it runs: expected, not a leak, so no MaxListenersExceededWarning.
          if (spec.signal && !widened.has(spec.signal)) {
            widened.add(spec.signal);
            setMaxListeners(0, spec.signal);
          }
          const toError = (e: unknown): RunlensError => {
            if (RunlensError.isInstance(e)) return e.withContext({ provider: options.provider, run: spec.run });
            if (spec.signal?.aborted) return interrupted();
            return requesterOptions.mapError(e, { operation: spec.operation, run: spec.run }).withContext({ provider: options.provider, run: spec.run });
          };
          return withRetry(
            async () => {
              const sentAt = await options.budget.take(spec.budget.key, spec.budget.ratePerSecond, spec.budget.burst, spec.signal);
              if (options.stats) options.stats.calls++;
              options.debug(`${options.provider} ${spec.operation}${spec.run ? ` (${spec.run})` : ''}`);
              let result: T;
              try {
                result = await send(spec.signal);
              } catch (e) {
                const error = toError(e);
                if (error.code === 'Throttled') options.budget.throttled(spec.budget.key, sentAt);
                throw error;
              }
              options.budget.succeeded(spec.budget.key);
              return result;
            },
            {
              policy: spec.maxAttempts ? { ...policy, maxAttempts: spec.maxAttempts } : policy,
              signal: spec.signal,
              ...(options.clock ? { clock: options.clock } : {}),
              toError,
              onRetry: (error, delay, n) => {
                if (options.stats) options.stats.retries++;
                options.debug(`${options.provider} ${spec.operation}: retry ${n} in ${delay} ms after ${error.providerCode ?? error.code}`);
              },
            },
          );
        },
      };
    },
    retry<T>(work: (attempt: number) => Promise<T>, retryOptions: { readonly operation: string; readonly signal?: AbortSignal }): Promise<T> {
      return withRetry(work, {
        policy,
        signal: retryOptions.signal,
        ...(options.clock ? { clock: options.clock } : {}),
        toError: (e) => (RunlensError.isInstance(e) ? e : retryOptions.signal?.aborted ? interrupted() : new RunlensError('ProviderError', (e as Error)?.message ?? String(e), { provider: options.provider, cause: e })),
        onRetry: (error, delay, n) => {
          if (options.stats) options.stats.retries++;
          options.debug(`${options.provider} ${retryOptions.operation}: retry ${n} in ${delay} ms after ${error.providerCode ?? error.code}`);
        },
      });
    },
  };
}
