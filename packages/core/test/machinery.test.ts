import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestBudget, RunlensError, backoffDelay, decodeCursor, encodeCursor, mergeByKey, paginate, providerError, throttled, withRetry } from '../src/index.js';

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

describe('mergeByKey', () => {
  it('is stable for equal keys and keeps each source in its own order', async () => {
    const source = (pages: number[][]) => {
      let i = 0;
      return { nextPage: async () => pages[i++] };
    };
    const out = [];
    for await (const batch of mergeByKey([source([[1, 3], [], [3, 9]]), source([[1, 2], [3]]), source([[0, 5, 4]])], (x) => x)) {
      batch.items.forEach((item, i) => out.push(`${batch.sources[i]}:${item}`));
    }
    expect(out).toEqual(['2:0', '0:1', '1:1', '1:2', '0:3', '0:3', '1:3', '2:5', '2:4', '0:9']);
  });

  it('batches what it can merge before a source needs its next page', async () => {
    const pages = (list: number[][]) => {
      let i = 0;
      return { nextPage: async () => list[i++] };
    };
    const big = pages([Array.from({ length: 5_000 }, (_, i) => i * 2)]);
    const small = pages([[1, 3], [5, 7]]);
    const sizes: number[] = [];
    let last = -1;
    for await (const batch of mergeByKey([big, small], (x) => x, 1_024)) {
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

describe('retry', () => {
  it('never waits less than Retry-After, with jitter below the exponential ceiling', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 };
    expect(backoffDelay(1, policy, undefined, () => 0)).toBe(50);
    expect(backoffDelay(3, policy, undefined, () => 1)).toBe(400);
    expect(backoffDelay(1, policy, 2_000, () => 0)).toBe(2_000);
  });

  it('retries retryable errors, then reports Throttled after the last attempt', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw throttled('Rate exceeded', { provider: 'sagemaker', run: 'job', providerCode: 'ThrottlingException' });
      },
      { policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, toError: (e) => e as RunlensError },
    ).catch((e) => e);
    expect(calls).toBe(3);
    expect(RunlensError.isInstance(error) && error.code).toBe('Throttled');
    expect(error.message).toMatch(/^sagemaker run job: still throttled after 3 attempts/);
  });

  it('does not retry what cannot succeed', async () => {
    let calls = 0;
    await expect(withRetry(async () => (calls++, Promise.reject(providerError('bad request', { retryable: false }))), { toError: (e) => e as RunlensError })).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });
});

describe('RequestBudget', () => {
  afterEach(() => vi.useRealTimers());

  it('lets a burst through, then spaces requests at the rate, shared by every caller of a key', async () => {
    vi.useFakeTimers();
    const budget = new RequestBudget(() => Date.now());
    const granted: number[] = [];
    const start = Date.now();
    const takes = Array.from({ length: 6 }, () => budget.take('logs:DescribeLogStreams', 5, 2).then(() => granted.push(Date.now() - start)));
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(takes);
    expect(granted.slice(0, 2)).toEqual([0, 0]);
    // 5 per second after the burst: one every 200 ms.
    expect(granted.slice(2)).toEqual([200, 400, 600, 800]);
  });

  it('keeps keys independent', async () => {
    vi.useFakeTimers();
    const budget = new RequestBudget(() => Date.now());
    await budget.take('a', 1, 1);
    let other = false;
    void budget.take('b', 1, 1).then(() => (other = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(other).toBe(true);
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
