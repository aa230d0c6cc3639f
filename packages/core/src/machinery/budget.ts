import { sleep } from './sleep.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Callers wait in order, so one busy reader cannot starve the others. */
  queue: Promise<void>;
}

/**
 * The shared request budget: one token bucket per key (provider, account, endpoint, operation), shared
 * by every reader in the process, so that many concurrent followers stay under a provider's quota.
 */
export class RequestBudget {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Resolves when one request may be sent under `key`. */
  take(key: string, ratePerSecond: number, burst = Math.max(1, Math.ceil(ratePerSecond)), signal?: AbortSignal): Promise<void> {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, updatedAt: this.now(), ratePerSecond, burst, queue: Promise.resolve() };
      this.buckets.set(key, bucket);
    }
    const b = bucket;
    const turn = b.queue.then(async () => {
      for (;;) {
        const now = this.now();
        b.tokens = Math.min(b.burst, b.tokens + ((now - b.updatedAt) / 1000) * b.ratePerSecond);
        b.updatedAt = now;
        if (b.tokens >= 1) {
          b.tokens -= 1;
          return;
        }
        await sleep(Math.ceil(((1 - b.tokens) / b.ratePerSecond) * 1000), signal);
      }
    });
    b.queue = turn.catch(() => undefined);
    return turn;
  }

  /** After a throttling answer, empty the bucket so every reader of this key backs off together. */
  drain(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(bucket.tokens, 0);
      bucket.updatedAt = this.now();
    }
  }
}
