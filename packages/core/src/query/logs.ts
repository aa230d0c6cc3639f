import { interrupted, invalidInput } from '../errors.js';
import { decodeCursor, encodeCursor, type StreamCursor } from '../machinery/cursor.js';
import { mergeByKey, type MergeSource } from '../machinery/merge.js';
import { sleep } from '../machinery/sleep.js';
import type { LogQuery, LogRecord, LogStreamInfo } from '../model/log.js';
import { isTerminal, type Run } from '../model/run.js';
import type { Warning } from '../model/warning.js';
import type { JsonValue, LogPage, LogTail, ProviderV1, RunLogSourceV1 } from '../spec/v1.js';

const DEFAULT_POLL = { min: 2_000, max: 30_000 };
const TAIL_CONCURRENCY = 8;
/** Pages up to this size get a read-ahead (see pageSource). */
const READ_AHEAD_MAX_RECORDS = 2_000;

interface StreamState {
  readonly info: LogStreamInfo;
  readonly order: number;
  /** Where the page being delivered was read; with `skip`, exactly what has been delivered. */
  position?: JsonValue;
  skip: number;
}

/** Everything the reader needs from the query API, so it can be tested and reused by export. */
export interface LogReaderDeps {
  readonly provider: ProviderV1;
  readonly source: RunLogSourceV1;
  readonly run: Run;
  /** Re-describes the run while following, to notice that it ended. */
  readonly describe: () => Promise<Run>;
}

/**
 * Reads a run's logs: every node's stream merged by time, filtered, optionally tailed and followed.
 * Iterate it once. `cursor()` at any point names exactly the lines delivered so far.
 */
export class LogReader implements AsyncIterable<LogRecord> {
  readonly warnings: Warning[] = [];
  private readonly states = new Map<string, StreamState>();
  private readonly grep?: RegExp;
  private nextOrder = 0;
  private iterated = false;
  /** The run as last described: reads after it ended see it ended (an unterminated last line is final then). */
  private run: Run;

  constructor(
    private readonly deps: LogReaderDeps,
    private readonly query: LogQuery = {},
  ) {
    this.run = deps.run;
    if (query.grep !== undefined) this.grep = compileGrep(query.grep);
    if (query.tail !== undefined && (!Number.isInteger(query.tail) || query.tail < 0)) throw invalidInput(`invalid tail '${query.tail}' (use a whole number of lines)`);
    if (query.since !== undefined && query.until !== undefined && query.since >= query.until) throw invalidInput('since must be earlier than until');
  }

  /** The resume token for the lines delivered so far. */
  cursor(): string {
    const streams: Record<string, StreamCursor> = {};
    for (const [id, state] of this.states) streams[id] = { position: state.position, skip: state.skip };
    return encodeCursor({ ref: this.deps.run.ref, streams });
  }

  /** Streams being read (after node filtering). */
  streams(): LogStreamInfo[] {
    return [...this.states.values()].sort((a, b) => a.order - b.order).map((s) => s.info);
  }

  [Symbol.asyncIterator](): AsyncIterator<LogRecord> {
    if (this.iterated) throw invalidInput('a LogReader can be iterated only once');
    this.iterated = true;
    return this.read();
  }

  private async *read(): AsyncGenerator<LogRecord> {
    const { query } = this;
    const resume = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (resume && resume.ref !== this.deps.run.ref) throw invalidInput(`the cursor belongs to ${resume.ref}, not ${this.deps.run.ref}`);
    await this.discover(resume?.streams);
    this.warnUnknownNodes();

    let delivered = 0;
    if (query.tail !== undefined && !resume) {
      for (const record of await this.tail(query.tail)) {
        delivered++;
        yield record;
      }
      if (!query.follow) return;
    } else {
      for await (const record of this.round()) {
        delivered++;
        yield record;
      }
    }
    if (!query.follow) return;

    // A run that had already ended before the first read needs no second look.
    if (isTerminal(this.deps.run.status)) return;
    const poll = query.pollIntervalMs ?? this.deps.provider.followPollMs ?? DEFAULT_POLL;
    const statusEvery = this.deps.provider.statusPollMs ?? Math.max(poll.min, 5_000);
    const discoverEvery = this.deps.provider.streamDiscoveryMs ?? Math.max(poll.min, 10_000);
    let interval = poll.min;
    let lastStatus = Number.NEGATIVE_INFINITY;
    let lastDiscovery = performance.now();
    let idle = delivered === 0;
    for (;;) {
      if (isTerminal(this.run.status)) {
        // Lines written just before the end can reach the provider late: wait once, drain once, stop.
        await sleep(poll.min, query.signal);
        await this.discover();
        yield* this.round();
        return;
      }
      if (query.until !== undefined && Date.now() >= query.until) return;
      if (idle || performance.now() - lastStatus >= statusEvery) {
        this.run = await this.deps.describe();
        lastStatus = performance.now();
        if (isTerminal(this.run.status)) continue;
      }
      await sleep(interval, query.signal);
      if (performance.now() - lastDiscovery >= discoverEvery || this.states.size < this.run.nodes.length) {
        await this.discover();
        lastDiscovery = performance.now();
      }
      let fresh = 0;
      for await (const record of this.round()) {
        fresh++;
        yield record;
      }
      idle = fresh === 0;
      // Adaptive back-off: quiet runs are polled less and less often, busy ones at the minimum.
      interval = idle ? Math.min(poll.max, Math.round(interval * 1.5)) : poll.min;
    }
  }

  /** Lists streams and adds the new ones (nodes that started late join here). */
  private async discover(fromCursor?: Readonly<Record<string, StreamCursor>>): Promise<void> {
    const listed = await this.deps.source.listStreams(this.run, { signal: this.query.signal });
    const wanted = this.query.nodes;
    const fresh = listed.filter((s) => !this.states.has(s.id) && (!wanted || wanted.includes(s.node)));
    fresh.sort((a, b) => compareNatural(a.node, b.node) || compareNatural(a.id, b.id));
    for (const info of fresh) {
      const saved = fromCursor?.[info.id];
      this.states.set(info.id, { info, order: this.nextOrder++, position: saved?.position, skip: saved?.skip ?? 0 });
    }
  }

  private warnUnknownNodes(): void {
    if (!this.query.nodes) return;
    const known = new Set([...this.deps.run.nodes.map((n) => n.name), ...[...this.states.values()].map((s) => s.info.node)]);
    for (const node of this.query.nodes) {
      if (!known.has(node)) this.warnings.push({ type: 'not-found', message: `node '${node}' has no logs in ${this.deps.run.ref} (nodes: ${[...known].join(', ') || 'none'})` });
    }
  }

  /** One merged pass over every stream from its current position until each is caught up. */
  private async *round(): AsyncGenerator<LogRecord> {
    const states = [...this.states.values()].sort((a, b) => a.order - b.order);
    const sources = states.map((state) => this.pageSource(state));
    for await (const { item, source } of mergeByKey(sources, (r) => r.timestamp)) {
      // Checked before counting the line as delivered, so an abort never skips one.
      if (this.query.signal?.aborted) throw interrupted();
      states[source]!.skip++;
      if (this.accepts(item)) yield item;
    }
  }

  private accepts(record: LogRecord): boolean {
    const { since, until } = this.query;
    if (since !== undefined && record.timestamp < since) return false;
    if (until !== undefined && record.timestamp >= until) return false;
    if (this.grep) {
      this.grep.lastIndex = 0;
      if (!this.grep.test(record.message)) return false;
    }
    return true;
  }

  /**
   * Pages of one stream, small ones read one ahead so the merge rarely waits. The state's position moves past a
   * page only when the merge asks for the next one, i.e. when every record of it was delivered.
   */
  private pageSource(state: StreamState): MergeSource<LogRecord> {
    const { source } = this.deps;
    const { since, until, signal } = this.query;
    // `this.run` is read at each call: after the run ends, reads see it ended.
    const read = (position: JsonValue | undefined) => source.readStream(this.run, state.info, { position, since, until, signal });
    let current: LogPage | undefined;
    let ahead: Promise<LogPage> | undefined;
    let carry = state.skip;
    let done = false;
    return {
      async nextPage() {
        for (;;) {
          if (current) {
            state.position = current.next;
            state.skip = 0;
            if (current.caughtUp) done = true;
            current = undefined;
          }
          if (done) return undefined;
          const startedAt = state.position;
          const page = await (ahead ?? read(startedAt));
          ahead = undefined;
          // Same position back with nothing new is the end, whatever the adapter says (CloudWatch's token rule).
          const stalled = page.records.length === 0 && samePosition(page.next, startedAt);
          current = stalled ? { ...page, caughtUp: true } : page;
          let records = page.records;
          if (carry > 0) {
            // Resuming inside a page: these records were delivered before the cursor was taken.
            const skipped = Math.min(carry, records.length);
            records = records.slice(skipped);
            state.skip = skipped;
            carry -= skipped;
          }
          // Small pages are read one ahead so the merge rarely waits; large pages (CloudWatch's run
          // to thousands of events) already amortise the wait, and a second one per stream would
          // double the memory the merge holds.
          if (!current.caughtUp && page.records.length <= READ_AHEAD_MAX_RECORDS) {
            ahead = read(current.next);
            ahead.catch(() => undefined);
          }
          if (records.length > 0) return records;
        }
      },
    };
  }

  private async tail(count: number): Promise<LogRecord[]> {
    const { source } = this.deps;
    const run = this.run;
    const tailStream = source.tailStream?.bind(source);
    // The provider's own tail only knows `until`; other filters need the forward read.
    if (tailStream && this.grep === undefined && this.query.since === undefined) {
      const states = [...this.states.values()].sort((a, b) => a.order - b.order);
      const tails = await mapLimit(states, TAIL_CONCURRENCY, (state) => tailStream(run, state.info, { count, until: this.query.until, signal: this.query.signal }));
      if (tails.every((t) => t !== undefined)) return this.mergeTails(states, tails, count);
    }
    // No provider tail: read forward keeping only the last `count` lines (memory stays bounded).
    const ring: LogRecord[] = new Array(count);
    if (count === 0) {
      for await (const _ of this.round()) void _;
      return [];
    }
    let seen = 0;
    for await (const record of this.round()) ring[seen++ % count] = record;
    const start = seen > count ? seen % count : 0;
    const kept = Math.min(seen, count);
    return Array.from({ length: kept }, (_, i) => ring[(start + i) % count]!);
  }

  private mergeTails(states: StreamState[], tails: readonly LogTail[], count: number): LogRecord[] {
    const tagged: { record: LogRecord; order: number; index: number }[] = [];
    tails.forEach((tail, i) => {
      states[i]!.position = tail.next;
      states[i]!.skip = 0;
      tail.records.forEach((record, index) => tagged.push({ record, order: states[i]!.order, index }));
    });
    tagged.sort((a, b) => a.record.timestamp - b.record.timestamp || a.order - b.order || a.index - b.index);
    return count === 0 ? [] : tagged.slice(-count).map((t) => t.record);
  }
}

function samePosition(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

export function compileGrep(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return pattern;
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw invalidInput(`invalid --grep pattern '${pattern}': ${(e as Error).message}`);
  }
}

/** `algo-2` before `algo-10`, `worker-9` before `worker-10`. */
export function compareNatural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

