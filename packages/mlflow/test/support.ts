import { createRequestContext, RequestBudget } from '@runlens/core';
import type { Dispatcher } from 'undici';
import { MlflowClient } from '../src/client.js';
import type { MlflowAuth } from '../src/auth.js';
import { mapMlflowError } from '../src/errors.js';

/** A client on core's real requester (budget, retries, mapping), with short back-offs for tests. */
export function testClient(baseUrl: string, options: { auth?: MlflowAuth; dispatcher?: Dispatcher; budgetMs?: number; stats?: { calls: number; retries: number } } = {}): MlflowClient {
  const requests = createRequestContext({
    provider: 'mlflow',
    budget: new RequestBudget(),
    retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: options.budgetMs ?? 5_000 },
    debug: () => undefined,
    ...(options.stats ? { stats: options.stats } : {}),
  });
  return new MlflowClient({
    baseUrl,
    requester: requests.requester({ mapError: mapMlflowError }),
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    requestsPerSecond: 10_000,
  });
}
