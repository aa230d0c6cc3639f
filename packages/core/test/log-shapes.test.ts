// Core's reading of query-shaped and stream-shaped log sources (contract v2), through the query API,
// against in-memory sources that behave like the wire APIs they stand for: a Cloud Logging-like
// `entries:list` (filter, page token, `since` the service rounds down to whole seconds) and a
// Kubernetes-like `pods/log` (whole-second `sinceTime`, a follow connection the server drops).
// Until a provider uses these shapes (Kubernetes will use stream-shaped), these tests are their proof.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createRunlens, decodeCursor, type LogRecord, type ProviderDefinition, type Run, type RunStatus } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

/** Two nodes, interleaved, with equal timestamps inside a node and across nodes, and a long burst. */
function lines(node: string, n: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = 0; i < 30; i++) out.push({ timestamp: T0 + Math.floor(i / 3) * 400 + (i % 2 === 0 ? 0 : n * 3), node, message: `${node} line ${i}` });
  for (let i = 0; i < 250; i++) out.push({ timestamp: T0 + 20_000, node, message: `${node} burst ${i}` });
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

const strip = (records: readonly LogRecord[]) => records.map((r) => `${r.node}|${r.timestamp}|${r.message}`);
/** What core must produce: by timestamp, ties by node (natural order), then stream order. */
const timeline = (streams: Record<string, LogRecord[]>) =>
  strip(Object.keys(streams).sort().flatMap((node, n) => streams[node]!.map((r, i) => ({ r, n, i }))).sort((a, b) => a.r.timestamp - b.r.timestamp || a.n - b.n || a.i - b.i).map((x) => x.r));

const settings = { schema: { safeParse: (data: unknown) => ({ success: true, data }) } as never, options: [] };

interface World {
  status: RunStatus;
  readonly streams: Record<string, LogRecord[]>;
  readonly appended: EventEmitter;
  calls: number;
}

function world(status: RunStatus = 'completed'): World {
  return { status, streams: { 'worker-0': lines('worker-0', 0), 'worker-1': lines('worker-1', 1) }, appended: new EventEmitter(), calls: 0 };
}

const describeRun = (w: World) => async (id: string) => ({
  run: { id, name: id, status: w.status, providerStatus: w.status, nodes: Object.keys(w.streams).map((name) => ({ name })), hyperparameters: {}, raw: null } satisfies Omit<Run, 'ref' | 'provider'>,
  handle: { id },
});

function queryProvider(w: World, pageSize = 37): ProviderDefinition<unknown, { id: string }> {
  return {
    specificationVersion: 'v2',
    id: 'q',
    displayName: 'query-shaped test source',
    capabilities: { list: false, logs: true, follow: true, systemMetrics: false, trainingMetrics: false, artifacts: false },
    settings,
    load: async () => ({
      specificationVersion: 'v2',
      catalog: { describe: describeRun(w) },
      logs: {
        kind: 'query',
        listStreams: async () => Object.keys(w.streams).map((node) => ({ id: node, node })),
        async query(_target, stream, request) {
          w.calls++;
          // The service keeps whole seconds of `since` (as Cloud Logging's filter on a rounded time would).
          const from = request.since === undefined ? -Infinity : Math.floor(request.since / 1000) * 1000;
          const all = w.streams[stream.id]!.filter((r) => r.timestamp >= from && (request.until === undefined || r.timestamp < request.until));
          const offset = request.pageToken ? Number(request.pageToken.split(':')[1]) : 0;
          const page = all.slice(offset, offset + Math.min(pageSize, request.pageSize));
          return { records: page, ...(offset + page.length < all.length ? { nextPageToken: `${from}:${offset + page.length}` } : {}) };
        },
      },
    }),
  };
}

function streamProvider(w: World, options: { batch?: number; dropAfter?: number } = {}): ProviderDefinition<unknown, { id: string }> {
  const batch = options.batch ?? 19;
  return {
    specificationVersion: 'v2',
    id: 's',
    displayName: 'stream-shaped test source',
    capabilities: { list: false, logs: true, follow: true, systemMetrics: false, trainingMetrics: false, artifacts: false },
    settings,
    load: async () => ({
      specificationVersion: 'v2',
      catalog: { describe: describeRun(w) },
      logs: {
        kind: 'stream',
        sinceGranularityMs: 1000,
        listStreams: async () => Object.keys(w.streams).map((node) => ({ id: node, node })),
        async *open(_target, stream, request) {
          const connection = ++w.calls;
          if (request.since !== undefined && request.since % 1000 !== 0) throw new Error(`sinceTime must be whole seconds, got ${request.since}`);
          const from = request.since ?? -Infinity;
          let sent = 0;
          let index = w.streams[stream.id]!.findIndex((r) => r.timestamp >= from);
          if (index < 0) index = w.streams[stream.id]!.length;
          for (;;) {
            const all = w.streams[stream.id]!;
            while (index < all.length) {
              const next = all.slice(index, index + batch);
              index += next.length;
              sent += next.length;
              yield next;
              // The server drops every other follow connection early, mid-burst too (and replays of a whole
              // second count: a server that dropped every connection within one second's lines would leave
              // no client a way forward).
              if (request.follow && options.dropAfter !== undefined && connection % 2 === 1 && sent >= options.dropAfter) return;
            }
            if (!request.follow || w.status === 'completed') return;
            // kubectl's idle drop: with nothing to send, every third connection is closed by the server.
            if (options.dropAfter !== undefined && connection % 3 === 0) return;
            await new Promise<void>((resolve, reject) => {
              const onAbort = () => reject(new Error('aborted'));
              request.signal?.addEventListener('abort', onAbort, { once: true });
              w.appended.once('append', () => {
                request.signal?.removeEventListener('abort', onAbort);
                resolve();
              });
            }).catch(() => undefined);
            if (request.signal?.aborted) return;
          }
        },
      },
    }),
  };
}

async function collect(iterable: AsyncIterable<LogRecord>, limit = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of iterable) {
    out.push(record);
    if (out.length >= limit) break;
  }
  return out;
}

describe.each([
  ['query-shaped', (w: World) => queryProvider(w), 'q'],
  ['stream-shaped', (w: World) => streamProvider(w), 's'],
] as const)('%s log source', (_, make, id) => {
  it('merges every stream by time, equal timestamps kept in order, nothing lost or repeated', async () => {
    const w = world();
    const runlens = createRunlens({ providers: [make(w)] });
    expect(strip(await collect(await runlens.logs(`${id}:run`)))).toEqual(timeline(w.streams));
  });

  it('resumes from a cursor at any cut, inside a burst of equal timestamps too, with duplicates of a rounded since dropped', async () => {
    const w = world();
    const runlens = createRunlens({ providers: [make(w)] });
    const expected = timeline(w.streams);
    for (const cut of [1, 2, 13, 40, 61, 300, 301, 450, expected.length - 1, expected.length]) {
      const reader = await runlens.logs(`${id}:run`);
      const first = await collect(reader, cut);
      const cursor = reader.cursor();
      // Positions are core's ({t, n}), never a page token.
      for (const stream of Object.values(decodeCursor(cursor).streams)) if (stream.position != null) expect(Object.keys(stream.position as object).sort()).toEqual(['n', 't']);
      const rest = await collect(await runlens.logs(`${id}:run`, { cursor }));
      expect([...strip(first), ...strip(rest)], `cut at ${cut}`).toEqual(expected);
    }
  });

  it('tails and filters like any source', async () => {
    const w = world();
    const runlens = createRunlens({ providers: [make(w)] });
    const expected = timeline(w.streams);
    expect(strip(await collect(await runlens.logs(`${id}:run`, { tail: 5 })))).toEqual(expected.slice(-5));
    const since = T0 + 1_203;
    expect(strip(await collect(await runlens.logs(`${id}:run`, { since })))).toEqual(expected.filter((l) => Number(l.split('|')[1]) >= since));
    expect(strip(await collect(await runlens.logs(`${id}:run`, { nodes: ['worker-1'] })))).toEqual(expected.filter((l) => l.startsWith('worker-1|')));
  });

  it('follows a running run: appended lines arrive once, and the follow ends after the run does', async () => {
    const w = world('running');
    const runlens = createRunlens({ providers: [make(w)], follow: { pollMs: { min: 10, max: 20 }, statusPollMs: 10, streamDiscoveryMs: 10, drainDelayMs: 10 } });
    const reader = await runlens.logs(`${id}:run`, { follow: true });
    const seen: LogRecord[] = [];
    const initial = timeline(w.streams).length;
    for await (const record of reader) {
      seen.push(record);
      if (seen.length === initial) {
        // Three lines in one millisecond, the first of them equal to the last burst's time.
        w.streams['worker-0']!.push(...[0, 1, 2].map((i) => ({ timestamp: T0 + 20_000 + (i === 0 ? 0 : 5), node: 'worker-0', message: `late ${i}` })));
        w.appended.emit('append');
      }
      if (record.message === 'late 2') {
        w.status = 'completed';
        w.appended.emit('append');
      }
    }
    expect(seen.length).toBe(initial + 3);
    expect(new Set(strip(seen)).size).toBe(seen.length);
    expect(seen.slice(-3).map((r) => r.message)).toEqual(['late 0', 'late 1', 'late 2']);
  });
});

describe('follow policy per provider (RunlensOptions.followByProvider)', () => {
  it("a provider's own policy replaces the default: a run that ends is noticed at its pace, not the default's", async () => {
    const w = world('running');
    // The default would look again in a minute; this provider's policy, every 10 ms. Nothing wakes
    // the follow but its own polls, so with the default this test would time out.
    const slow = { pollMs: { min: 60_000, max: 60_000 }, statusPollMs: 60_000, streamDiscoveryMs: 60_000, drainDelayMs: 60_000 };
    const fast = { pollMs: { min: 10, max: 20 }, statusPollMs: 10, streamDiscoveryMs: 10, drainDelayMs: 10 };
    const runlens = createRunlens({ providers: [queryProvider(w)], follow: slow, followByProvider: { q: fast } });
    const reader = await runlens.logs('q:run', { follow: true });
    const initial = timeline(w.streams).length;
    let seen = 0;
    for await (const _record of reader) {
      if (++seen === initial) w.status = 'completed';
    }
    expect(seen).toBe(initial);
  });
});

describe('stream-shaped source whose follow connection the server keeps dropping', () => {
  it('reconnects from the exact point delivered, even in the middle of a burst', async () => {
    const w = world('running');
    // Every connection ends after ~40 records: the reader must reopen from {t, n} each time.
    const runlens = createRunlens({ providers: [streamProvider(w, { batch: 7, dropAfter: 40 })], follow: { pollMs: { min: 5, max: 10 }, statusPollMs: 5, streamDiscoveryMs: 5, drainDelayMs: 5 } });
    const reader = await runlens.logs('s:run', { follow: true });
    const seen: LogRecord[] = [];
    const expectedBefore = timeline(w.streams);
    for await (const record of reader) {
      seen.push(record);
      if (seen.length === expectedBefore.length) {
        w.streams['worker-1']!.push(...Array.from({ length: 90 }, (_, i) => ({ timestamp: T0 + 30_000, node: 'worker-1', message: `late burst ${i}` })));
        w.appended.emit('append');
      }
      if (record.message === 'late burst 89') {
        w.status = 'completed';
        w.appended.emit('append');
      }
    }
    expect(strip(seen)).toEqual(timeline(w.streams));
    expect(w.calls).toBeGreaterThan(4);
  });
});
