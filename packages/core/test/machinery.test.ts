import { afterEach, describe, expect, it, vi } from 'vitest';
import { arrayPage, DEFAULT_RETRY, jsonStringEnd, NextByte, RequestBudget, RunlensError, authError, backoffDelay, decodeCursor, encodeCursor, mergeByKey, notFound, paginate, providerError, throttled, withRetry } from '../src/index.js';
import { createRequestContext } from '../src/machinery/requests.js';

describe('paginate', () => {
  it('treats a repeated token as the end of the listing (CloudWatch GetLogEvents)', async () => {
    const sent: (string | undefined)[] = [];
    const pages = ['t1', 't2', 't2'];
    let n = 0;
    const seen = [];
    for await (const page of paginate({ fetch: async (token) => (sent.push(token), { items: [n], next: pages[n++] }), nextToken: (p) => p.next })) seen.push(page.items[0]);
    expect(seen).toEqual([0, 1, 2]);
    expect(sent).toEqual([undefined, 't1', 't2']);
  });

  it('ends on a missing token and can be told to keep a repeated one', async () => {
    let n = 0;
    const count = async (stopOnSameToken: boolean) => {
      n = 0;
      let pages = 0;
      for await (const _ of paginate({ fetch: async () => n++, nextToken: (p) => (p < 3 ? 'same' : undefined), stopOnSameToken })) pages++;
      return pages;
    };
    expect(await count(true)).toBe(2);
    expect(await count(false)).toBe(4);
  });

  it('fails when a page claims more but gives no token (S3/OBS IsTruncated)', async () => {
    const seen: number[] = [];
    const run = async () => {
      const pages = [{ n: 0, truncated: true, next: 'm1' }, { n: 1, truncated: true, next: undefined }];
      let i = 0;
      for await (const page of paginate({ fetch: async () => pages[i++]!, nextToken: (p) => p.next, isTruncated: (p) => p.truncated, what: 'OBS listing of b' })) seen.push(page.n);
    };
    await expect(run()).rejects.toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/^OBS listing of b was cut short: page 2 says it is truncated but gives no marker/) });
    expect(seen).toEqual([0, 1]);
  });

  it('fails when a truncated page repeats the token it was fetched with, whatever stopOnSameToken says', async () => {
    const run = async () => {
      for await (const _ of paginate({ fetch: async () => ({ next: 'same' }), nextToken: (p) => p.next, isTruncated: () => true, stopOnSameToken: true })) void _;
    };
    await expect(run()).rejects.toThrow(/cut short: page 2 says it is truncated but gives the same token again/);
  });

  it('ends normally when the flag says the listing is complete, and when a page without the flag has no token', async () => {
    const count = async (pages: { truncated?: boolean; next?: string }[]) => {
      let i = 0;
      let n = 0;
      for await (const _ of paginate({ fetch: async () => pages[i++]!, nextToken: (p) => p.next, isTruncated: (p) => p.truncated ?? false })) n++;
      return n;
    };
    expect(await count([{ truncated: true, next: 'a' }, { truncated: false }])).toBe(2);
    // A stale token next to IsTruncated=false is ignored by callers that only read it when truncated.
    expect(await count([{ next: undefined }])).toBe(1);
  });

  it("with stopOnSameToken 'fail', a repeated token is an error rather than the end", async () => {
    const run = async () => {
      for await (const _ of paginate({ fetch: async () => ({ next: 't' }), nextToken: (p) => p.next, stopOnSameToken: 'fail', what: 'ListTrainingJobs' })) void _;
    };
    await expect(run()).rejects.toMatchObject({ code: 'ProviderError', message: 'ListTrainingJobs did not advance: page 2 gave the same token again' });
  });

  it('gives up on a listing that never ends', async () => {
    const run = async () => {
      let i = 0;
      for await (const _ of paginate({ fetch: async () => i++, nextToken: (p) => `t${p}`, maxPages: 5 })) void _;
    };
    await expect(run()).rejects.toThrow(/did not end after 5 pages/);
  });
});

const byValue = (x: number) => x;

describe('mergeByKey', () => {
  it('empties an array page as it hands items out, and takes an item from any page only when it hands it out', async () => {
    const items = [1, 4, 6];
    const taken: number[] = [];
    // A page that makes its items when taken, as LogLines pages do: keys come from a column.
    const keys = [2, 3, 5, 7];
    const lazy = { length: keys.length, key: (i: number) => keys[i]!, take: (i: number) => (taken.push(i), keys[i]!) };
    let a = 0;
    let b = 0;
    const it = mergeByKey([{ nextPage: async () => (a++ === 0 ? arrayPage(items, byValue) : undefined) }, { nextPage: async () => (b++ === 0 ? lazy : undefined) }], 3);
    const first = await it.next();
    expect(first.value?.items).toEqual([1, 2, 3]);
    expect(taken).toEqual([0, 1]);
    expect(items).toEqual([undefined, 4, 6]);
    const rest: number[] = [];
    for await (const batch of { [Symbol.asyncIterator]: () => it }) rest.push(...batch.items);
    expect(rest).toEqual([4, 5, 6, 7]);
    expect(taken).toEqual([0, 1, 2, 3]);
    expect(items).toEqual([undefined, undefined, undefined]);
  });

  it('is stable for equal keys and keeps each source in its own order', async () => {
    const source = (pages: number[][]) => {
      let i = 0;
      return { nextPage: async () => (i < pages.length ? arrayPage(pages[i++]!, byValue) : undefined) };
    };
    const out = [];
    for await (const batch of mergeByKey([source([[1, 3], [], [3, 9]]), source([[1, 2], [3]]), source([[0, 5, 4]])])) {
      batch.items.forEach((item, i) => out.push(`${batch.sources[i]}:${item}`));
    }
    expect(out).toEqual(['2:0', '0:1', '1:1', '1:2', '0:3', '0:3', '1:3', '2:5', '2:4', '0:9']);
  });

  it('batches what it can merge before a source needs its next page', async () => {
    const pages = (list: number[][]) => {
      let i = 0;
      return { nextPage: async () => (i < list.length ? arrayPage(list[i++]!, byValue) : undefined) };
    };
    const big = pages([Array.from({ length: 5_000 }, (_, i) => i * 2)]);
    const small = pages([[1, 3], [5, 7]]);
    const sizes: number[] = [];
    let last = -1;
    for await (const batch of mergeByKey([big, small], 1_024)) {
      sizes.push(batch.items.length);
      for (const item of batch.items) {
        expect(item).toBeGreaterThanOrEqual(last);
        last = item;
      }
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5_004);
    // The small source's first page runs out at 3: the batch stops there to fetch its next page.
    expect(sizes[0]).toBe(4);
    expect(Math.max(...sizes)).toBe(1_024);
  });
});

describe('mergeByKey runs', () => {
  /** What the merge must give: repeatedly the smallest head (ties to the lower source), each source in its own order. */
  function reference(sources: number[][]): string[] {
    const at = sources.map(() => 0);
    const out: string[] = [];
    for (;;) {
      let best = -1;
      for (let s = 0; s < sources.length; s++) {
        if (at[s]! < sources[s]!.length && (best === -1 || sources[s]![at[s]!]! < sources[best]![at[best]!]!)) best = s;
      }
      if (best === -1) return out;
      out.push(`${best}:${sources[best]![at[best]!++]}`);
    }
  }

  it('hands out runs of one source exactly where a heap would switch, across pages, ties and keys going back', async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const streams = 1 + random(5);
      const items = Array.from({ length: streams }, () => {
        let t = random(5);
        // Mostly rising, with runs of equal keys, long leads and the odd step back.
        return Array.from({ length: random(60) }, () => (t += random(10) === 0 ? -random(3) : random(4) === 0 ? random(40) : random(2)));
      });
      const sources = items.map((list) => {
        const pages: number[][] = [];
        for (let i = 0; i < list.length; ) {
          const size = random(12);
          pages.push(list.slice(i, i + size));
          i += size;
        }
        let p = 0;
        return { nextPage: async () => (p < pages.length ? arrayPage([...pages[p++]!], byValue) : undefined) };
      });
      const out: string[] = [];
      for await (const batch of mergeByKey(sources, 1 + random(20))) batch.items.forEach((item, i) => out.push(`${batch.sources[i]}:${item}`));
      expect(out).toEqual(reference(items));
    }
  });

  it('hands a lone source its pages whole, in batches of the largest size', async () => {
    let p = 0;
    const source = { nextPage: async () => (p++ < 3 ? arrayPage(Array.from({ length: 2_500 }, (_, i) => i), byValue) : undefined) };
    const sizes: number[] = [];
    for await (const batch of mergeByKey([source], 1_024)) sizes.push(batch.items.length);
    expect(sizes).toEqual([1_024, 1_024, 452, 1_024, 1_024, 452, 1_024, 1_024, 452]);
  });
});

/** A virtual clock for retry policies: sleeping advances it at once, so minute-long budgets take no time. */
function virtualClock(random: () => number = () => 1) {
  const clock = {
    t: 0,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
    random,
  };
  return clock;
}

const rateExceeded = (options: { retryAfterMs?: number } = {}) => throttled('GetLogEvents was throttled: Rate exceeded', { provider: 'sagemaker', run: 'job', providerCode: 'ThrottlingException', ...options });

describe('retry', () => {
  it('backs off with full jitter below a doubling, capped ceiling, never sooner than Retry-After', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 10_000 };
    expect(backoffDelay(1, policy, undefined, () => 0)).toBe(0);
    expect(backoffDelay(1, policy, undefined, () => 0.5)).toBe(50);
    expect(backoffDelay(3, policy, undefined, () => 1)).toBe(400);
    expect(backoffDelay(40, policy, undefined, () => 1)).toBe(10_000);
    expect(backoffDelay(1, policy, 2_000, () => 0)).toBe(2_000);
  });

  it('by default outlasts a run of faults on one request: five, eight, twenty in a row', async () => {
    for (const faults of [5, 8, 20]) {
      const clock = virtualClock(() => 0.5);
      let calls = 0;
      const value = await withRetry(
        async () => {
          calls++;
          clock.t += 50; // the request's own round trip
          if (calls <= faults) throw calls % 2 ? rateExceeded() : providerError('GetLogEvents failed: connection problem (ECONNRESET)', { retryable: true });
          return 'page';
        },
        { clock, toError: (e) => e as RunlensError },
      );
      expect([value, calls]).toEqual(['page', faults + 1]);
      // Within the default budget of three minutes: a long read is not lost for one unlucky request.
      expect(clock.t).toBeLessThan(DEFAULT_RETRY.budgetMs);
    }
  });

  it('gives up when the time budget runs out, with the last attempt at the deadline, as Throttled', async () => {
    const clock = virtualClock();
    const sent: number[] = [];
    const error = await withRetry(
      async () => {
        sent.push(clock.t);
        clock.t += 100;
        throw rateExceeded();
      },
      { clock, toError: (e) => e as RunlensError },
    ).catch((e: unknown) => e as RunlensError);
    expect(RunlensError.isInstance(error) && error.code).toBe('Throttled');
    // Delays double from 200 ms to the 20 s cap; the wait before the deadline is cut short to meet it.
    expect(clock.sleeps.slice(0, 8)).toEqual([200, 400, 800, 1_600, 3_200, 6_400, 12_800, 20_000]);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(DEFAULT_RETRY.maxDelayMs);
    expect(sent.at(-1)).toBe(DEFAULT_RETRY.budgetMs);
    expect(error.message).toBe(`sagemaker run job: still throttled after ${sent.length} attempts in 3m00s (the retry budget is 3m00s): GetLogEvents was throttled: Rate exceeded [ThrottlingException]`);
    expect([error.providerCode, error.provider, error.run]).toEqual(['ThrottlingException', 'sagemaker', 'job']);
  });

  it('says how long a transient failure was retried, keeping its code', async () => {
    const clock = virtualClock();
    const error = await withRetry(
      async () => {
        clock.t += 10;
        throw providerError('DescribeTrainingJob failed: HTTP 503', { provider: 'sagemaker', retryable: true });
      },
      { clock, policy: { budgetMs: 1_000, baseDelayMs: 100, maxDelayMs: 300 }, toError: (e) => e as RunlensError },
    ).catch((e: unknown) => e as RunlensError);
    expect(error.code).toBe('ProviderError');
    expect(error.message).toMatch(/^sagemaker: still failing after \d+ attempts in 1\.0 s \(the retry budget is 1\.0 s\): DescribeTrainingJob failed: HTTP 503$/);
  });

  it('honours Retry-After, and ends at once when it points past the budget', async () => {
    const clock = virtualClock(() => 0);
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls < 3) throw rateExceeded({ retryAfterMs: 7_000 });
        return 'ok';
      },
      { clock, toError: (e) => e as RunlensError },
    );
    expect(clock.sleeps).toEqual([7_000, 7_000]);

    const late = virtualClock(() => 0);
    const error = await withRetry(
      async () => {
        late.t += 10;
        throw rateExceeded({ retryAfterMs: 60_000 });
      },
      { clock: late, policy: { budgetMs: 100_000, baseDelayMs: 200, maxDelayMs: 20_000 }, toError: (e) => e as RunlensError },
    ).catch((e: unknown) => e as RunlensError);
    // 60 s, 60 s would pass the 100 s budget: the second Retry-After ends it without waiting.
    expect(late.sleeps).toEqual([60_000]);
    expect(error.code).toBe('Throttled');
    expect(error.message).toContain('still throttled after 2 attempts in 1m00s, and the service asks to wait 1m00s more:');
  });

  it('still honours a cap on attempts (1: no retry for a non-idempotent call)', async () => {
    const clock = virtualClock();
    let calls = 0;
    const error = await withRetry(async () => (calls++, Promise.reject(rateExceeded())), { clock, policy: { ...DEFAULT_RETRY, maxAttempts: 1 }, toError: (e) => e as RunlensError }).catch((e: unknown) => e as RunlensError);
    expect([calls, error.message]).toEqual([1, 'sagemaker run job: GetLogEvents was throttled: Rate exceeded [ThrottlingException]']);
  });

  it('does not retry what cannot succeed', async () => {
    const clock = virtualClock();
    for (const error of [providerError('bad request', { retryable: false }), authError('denied'), notFound('no such job')]) {
      let calls = 0;
      await expect(withRetry(async () => (calls++, Promise.reject(error)), { clock, toError: (e) => e as RunlensError })).rejects.toBe(error);
      expect(calls).toBe(1);
    }
    expect(clock.sleeps).toEqual([]);
  });

  it('stops waiting when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = withRetry(async () => Promise.reject(rateExceeded()), { signal: controller.signal, policy: { budgetMs: 60_000, baseDelayMs: 10_000, maxDelayMs: 10_000 }, toError: (e) => e as RunlensError });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'Interrupted' });
  });
});

describe('adaptive request budget', () => {
  afterEach(() => vi.useRealTimers());

  const spacing = async (budget: RequestBudget, key: string, count: number) => {
    const granted: number[] = [];
    const takes = Array.from({ length: count }, () => budget.take(key, 10, 1).then((at) => granted.push(at)));
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(takes);
    return granted.slice(1).map((at, i) => at - granted[i]!);
  };

  it('slows a throttled key by 0.7 once per slow-down, not once per reader throttled together', async () => {
    vi.useFakeTimers();
    const budget = new RequestBudget(() => Date.now());
    const sent = await Promise.all([1, 2, 3].map(() => budget.take('cw:GetLogEvents', 10, 3)));
    // Three parallel readers sent together; all three come back throttled.
    for (const at of sent) budget.throttled('cw:GetLogEvents', at);
    expect(budget.rateOf('cw:GetLogEvents')).toBe(7);
    // A request sent after the slow-down and throttled again slows it further, down to a floor.
    const later = budget.take('cw:GetLogEvents', 10, 3);
    await vi.advanceTimersByTimeAsync(1_000);
    budget.throttled('cw:GetLogEvents', await later);
    expect(budget.rateOf('cw:GetLogEvents')).toBeCloseTo(4.9);
    for (let i = 0; i < 30; i++) budget.throttled('cw:GetLogEvents');
    expect(budget.rateOf('cw:GetLogEvents')).toBe(1);
    expect(budget.rateOf('other')).toBeUndefined();
  });

  it('keeps the configured burst until throttled, then bursts less in proportion', async () => {
    vi.useFakeTimers();
    const budget = new RequestBudget(() => Date.now());
    const burst = async () => {
      let granted = 0;
      const takes = Array.from({ length: 40 }, () => budget.take('k', 20, 40).then(() => granted++));
      await vi.advanceTimersByTimeAsync(0);
      const now = granted;
      await vi.advanceTimersByTimeAsync(60_000);
      await Promise.all(takes);
      return now;
    };
    expect(await burst()).toBe(40);
    budget.throttled('k');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await burst()).toBe(28);
  });

  it('spaces every reader of the key at the slowed rate, and empties the bucket on a throttle', async () => {
    vi.useFakeTimers();
    const budget = new RequestBudget(() => Date.now());
    expect(await spacing(budget, 'k', 4)).toEqual([100, 100, 100]);
    budget.throttled('k');
    const slowed = await spacing(budget, 'k', 4);
    // 7 per second: a token every 143 ms; the bucket was emptied, so the first waits as well.
    expect(slowed.every((gap) => gap >= 142 && gap <= 143)).toBe(true);
  });

  it('recovers along a cubic curve with successes, back to the configured rate', async () => {
    vi.useFakeTimers();
    const budget = new RequestBudget(() => Date.now());
    await budget.take('k', 10, 10);
    budget.throttled('k');
    const throttledAt = Date.now();
    const rates: number[] = [];
    for (const seconds of [0.5, 1, 1.5, 2, 3, 4]) {
      vi.setSystemTime(throttledAt + seconds * 1000);
      budget.succeeded('k');
      rates.push(budget.rateOf('k')!);
    }
    // Quickly most of the way back, slowly near the rate that was throttled, then on to the ceiling.
    expect(rates[0]).toBeGreaterThan(7);
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeGreaterThanOrEqual(rates[i - 1]!);
    expect(rates[3]).toBeLessThanOrEqual(10);
    expect(rates.at(-1)).toBe(10);
  });
});

describe('requests', () => {
  it('parallel readers throttled together slow their shared key once, retry, and all get through', async () => {
    const budget = new RequestBudget();
    const stats = { calls: 0, retries: 0 };
    const context = createRequestContext({ provider: 'sagemaker', budget, retry: { baseDelayMs: 1, maxDelayMs: 5 }, debug: () => undefined, stats });
    const requester = context.requester({ mapError: (e) => providerError(String(e)) });
    const attempts = new Map<string, number>();
    const read = (stream: string) =>
      requester.call({ operation: 'GetLogEvents', budget: { key: 'logs', ratePerSecond: 1_000, burst: 3 } }, async () => {
        const n = (attempts.get(stream) ?? 0) + 1;
        attempts.set(stream, n);
        await new Promise((resolve) => setTimeout(resolve, 5)); // the round trip: all three are sent before any answer
        if (n === 1) throw rateExceeded();
        return stream;
      });
    expect(await Promise.all(['algo-1', 'algo-2', 'algo-3'].map(read))).toEqual(['algo-1', 'algo-2', 'algo-3']);
    expect(stats).toEqual({ calls: 6, retries: 3 });
    // One slow-down for three throttles answered together, partly recovered by the successes since.
    expect(budget.rateOf('logs')).toBeGreaterThanOrEqual(700);
    expect(budget.rateOf('logs')).toBeLessThan(1_000);
  });
});

describe('cursor', () => {
  it('round-trips positions and skip counts and rejects tampering', () => {
    const cursor = { ref: 'sagemaker:job', streams: { 'job/algo-1-1': { position: { token: 'f/123/s' }, skip: 3 }, 'job/algo-2-1': { position: undefined, skip: 0 } } };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(() => decodeCursor('rl1.%%%')).toThrow(/invalid cursor/);
    expect(() => decodeCursor(`rl1.${Buffer.from('{"r":"x","s":{"a":[null,-1]}}').toString('base64url')}`)).toThrow(/invalid cursor/);
  });
});

describe('utf8Boundary', () => {
  it('never ends inside a character, including one cut off by the end of the buffer', async () => {
    const { utf8Boundary } = await import('../src/index.js');
    const u = Buffer.from('aü'); // 61 c3 bc
    expect([utf8Boundary(u, 1), utf8Boundary(u, 2), utf8Boundary(u, 3)]).toEqual([1, 1, 3]);
    const cjk = Buffer.from('训练训练\n'); // 3 bytes a character
    expect([utf8Boundary(cjk, 4), utf8Boundary(cjk, 6), utf8Boundary(cjk, 8)]).toEqual([3, 6, 6]);
    const cutOff = cjk.subarray(0, 5); // the second character's first two bytes only
    expect(utf8Boundary(cutOff, cutOff.length)).toBe(3);
    const emoji = Buffer.from('x😀'); // 4-byte sequence
    expect([utf8Boundary(emoji, 3), utf8Boundary(emoji, 4), utf8Boundary(emoji, 5)]).toEqual([1, 1, 5]);
    expect(utf8Boundary(Buffer.from('plain'), 10)).toBe(5);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', async () => {
    const { parseRetryAfter } = await import('../src/index.js');
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['0.5'], now)).toBe(500);
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect([parseRetryAfter(undefined, now), parseRetryAfter('', now), parseRetryAfter('soon', now)]).toEqual([undefined, undefined, undefined]);
  });
});

describe('NextByte', () => {
  it('gives the first position of any of its values at or after each line start, as a scan would', () => {
    const values = [0x09, 0x0a, 0x22, 0x5c];
    // Values clustered, absent for long stretches, and at the very end.
    const text = 'plain line one\nquote " here\nplain\nplain\ntab\tand \\ back\nplain to the end "';
    const pages = [Buffer.from(text), Buffer.from(text.replace(/"/g, 'q'))];
    const next = new NextByte(values);
    for (const page of pages) {
      // Lines visited in order, twice interleaved with the other page (merged streams do that).
      for (let from = 0; from < page.length; from += 3) {
        let expected = page.length;
        for (let i = from; i < page.length; i++) if (values.includes(page[i]!)) { expected = i; break; }
        expect(next.find(page, from)).toBe(expected);
        expect(next.find(pages[0]!, 0)).toBe(text.indexOf('\n'));
      }
    }
  });
});

describe('jsonStringEnd', () => {
  it('ends each JSON string literal where JSON.parse would, escaped quotes and backslash runs included', () => {
    const values = ['', 'plain', 'a "quoted" word', 'ends with \\', '\\"', '\\\\', 'x'.repeat(100_000) + '"', 'é 中 😀 \n\t', '\\'.repeat(7) + '"'];
    for (const value of values) {
      const literal = JSON.stringify(value);
      const bytes = Buffer.from(`${literal}, "next"`, 'utf8');
      const end = jsonStringEnd(bytes, 0);
      expect(end).toBe(Buffer.byteLength(literal));
      expect(JSON.parse(bytes.toString('utf8', 0, end))).toBe(value);
      // From inside another buffer (an offset that is not 0), and as a plain Uint8Array.
      const inner = new Uint8Array(Buffer.concat([Buffer.from('{"k":'), bytes]));
      expect(jsonStringEnd(inner, 5)).toBe(5 + end);
    }
  });

  it('gives -1 for a literal that does not end', () => {
    expect(jsonStringEnd(Buffer.from('"open'), 0)).toBe(-1);
    expect(jsonStringEnd(Buffer.from('"escaped at the end\\"'), 0)).toBe(-1);
  });
});
