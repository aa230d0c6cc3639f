import { setMaxListeners } from 'node:events';
import { RunlensError, interrupted } from '../errors.js';
import type { Requester, RequesterOptions, RequestContext, RequestSpec } from '../spec/v1.js';
import type { RequestBudget } from './budget.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';

/** Builds the RequestContext core hands each adapter: budget first, then the call, mapped and retried. */
export function createRequestContext(options: {
  provider: string;
  budget: RequestBudget;
  retry?: Partial<RetryPolicy>;
  debug: (message: string) => void;
  stats?: { calls: number; retries: number };
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
              await options.budget.take(spec.budget.key, spec.budget.ratePerSecond, spec.budget.burst, spec.signal);
              if (options.stats) options.stats.calls++;
              options.debug(`${options.provider} ${spec.operation}${spec.run ? ` (${spec.run})` : ''}`);
              try {
                return await send(spec.signal);
              } catch (e) {
                const error = toError(e);
                if (error.code === 'Throttled') options.budget.drain(spec.budget.key);
                throw error;
              }
            },
            {
              policy: spec.maxAttempts ? { ...policy, maxAttempts: spec.maxAttempts } : policy,
              signal: spec.signal,
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
  };
}
