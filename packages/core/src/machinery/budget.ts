import { sleep } from './sleep.js';

/** Multiplicative decrease: a throttle cuts the rate to this fraction. */
const SLOW_DOWN = 0.7;
/** Cubic recovery, in fractions of the configured rate per second³ (back to the old rate in ~1.8 s). */
const RECOVERY = 0.05;
/** The rate never falls below this fraction of the configured one: throttling beyond that is left to each request's back-off. */
const FLOOR = 1 / 10;

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** The configured rate (the provider's quota): the adaptive rate never exceeds it. */
  readonly ceiling: number;
  readonly burst: number;
  /** The rate now, lowered by throttling and recovering with successes. */
  rate: number;
  /** The rate when last throttled, and when: the cubic recovery climbs back to it from there. */
  lastMax: number;
  throttledAt: number;
  /** Callers wait in order, so one busy reader cannot starve the others. */
  queue: Promise<void>;
}

/**
 * The shared request budget: one token bucket per key (provider, account, endpoint, operation), shared
 * by every reader in the process, so that many concurrent followers stay under a provider's quota.
 *
 * The rate adapts, in the spirit of the AWS SDKs' adaptive retry mode: a throttling answer cuts the
 * key's rate (multiplicative decrease) and empties its bucket, so every reader of that key backs off
 * together; successes bring the rate back along a cubic curve (slowly near the rate that was
 * throttled, faster beyond it) up to the configured one.
 */
export class RequestBudget {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Resolves, with the time it was granted, when one request may be sent under `key`. */
  take(key: string, ratePerSecond: number, burst = Math.max(1, Math.ceil(ratePerSecond)), signal?: AbortSignal): Promise<number> {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const now = this.now();
      bucket = { tokens: burst, updatedAt: now, ceiling: ratePerSecond, burst, rate: ratePerSecond, lastMax: ratePerSecond, throttledAt: Number.NEGATIVE_INFINITY, queue: Promise.resolve() };
      this.buckets.set(key, bucket);
    }
    const b = bucket;
    const turn = b.queue.then(async () => {
      for (;;) {
        const now = this.now();
        // A slowed-down key also bursts less, in proportion; an unthrottled one keeps its configured burst.
        const burstNow = Math.max(1, Math.floor((b.burst * b.rate) / b.ceiling));
        b.tokens = Math.min(burstNow, b.tokens + ((now - b.updatedAt) / 1000) * b.rate);
        b.updatedAt = now;
        if (b.tokens >= 1) {
          b.tokens -= 1;
          return now;
        }
        await sleep(Math.ceil(((1 - b.tokens) / b.rate) * 1000), signal);
      }
    });
    b.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /**
   * A request under `key`, sent at `sentAt` (what `take` resolved with), was throttled. The bucket
   * empties; the rate drops once per slow-down: answers to requests sent before the last one carry
   * no news (parallel readers throttled together slow the key once, not once each).
   */
  throttled(key: string, sentAt: number = Number.POSITIVE_INFINITY): void {
    const b = this.buckets.get(key);
    if (!b) return;
    const now = this.now();
    b.tokens = Math.min(b.tokens, 0);
    b.updatedAt = now;
    if (sentAt <= b.throttledAt) return;
    b.lastMax = b.rate;
    b.rate = Math.max(floorOf(b.ceiling), b.rate * SLOW_DOWN);
    b.throttledAt = now;
  }

  /** A request under `key` succeeded: the rate climbs back toward the configured one. */
  succeeded(key: string): void {
    const b = this.buckets.get(key);
    if (!b || b.rate >= b.ceiling) return;
    // Cubic growth around the rate that was throttled (as in TCP CUBIC, RFC 8312): it starts at
    // SLOW_DOWN × lastMax, levels off at lastMax after `plateau` seconds, then probes above it.
    const w = b.lastMax / b.ceiling;
    const plateau = Math.cbrt((w * (1 - SLOW_DOWN)) / RECOVERY);
    const t = (this.now() - b.throttledAt) / 1000;
    const target = b.ceiling * (w + RECOVERY * (t - plateau) ** 3);
    b.rate = Math.min(b.ceiling, Math.max(b.rate, target));
  }

  /** The rate `key` is granted now (requests per second), for diagnostics and tests. */
  rateOf(key: string): number | undefined {
    return this.buckets.get(key)?.rate;
  }
}

function floorOf(ceiling: number): number {
  return ceiling * FLOOR;
}
