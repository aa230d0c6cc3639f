import { interrupted, invalidInput, providerError, RunlensError } from '../errors.js';
import { decodeCursor, encodeCursor, type StreamCursor } from '../machinery/cursor.js';
import { mapLimit } from '../machinery/limit.js';
import { PageBuffers } from '../machinery/page-buffers.js';
import { arrayPage, mergeByKey, type MergeBatch, type MergePage, type MergeSource } from '../machinery/merge.js';
import { sleep } from '../machinery/sleep.js';
import { DEFAULT_READ_AHEAD_BYTES, endsStream, ReadAhead } from './readahead.js';
import { LogLines, type LogQuery, type LogRecord, type LogStreamInfo } from '../model/log.js';
import { isTerminal, type Run } from '../model/run.js';
import { formatDuration } from '../time.js';
import type { Warning } from '../model/warning.js';
import type { FollowPolicy, JsonValue, LogTailV2, RunTarget } from '../spec/v2.js';
import type { NormalizedLogSource } from './log-shapes.js';

const DEFAULT_POLL = { min: 2_000, max: 30_000 };
/** How long a follow keeps trying to reach an unreachable provider before it gives up (LogQuery.reconnectForMs). */
export const DEFAULT_RECONNECT_MS = 10 * 60_000;
const TAIL_CONCURRENCY = 8;

interface StreamState {
  readonly info: LogStreamInfo;
  readonly order: number;
  /** Where the page being delivered was read; with `skip`, exactly what has been delivered. */
  position?: JsonValue;
  skip: number;
  /** Pages handed to the merge and not yet wholly delivered, oldest first. */
  readonly handed: HandedPage[];
  /** Where a wholly delivered page's own bytes go to be given back (while the reader reuses them). */
  spent?: Buffer[];
}

/** A page the merge holds: where it was read, where the next one starts, and how much of it is out. */
interface HandedPage {
  readonly start: JsonValue | undefined;
  readonly next: JsonValue;
  /** Index in the page of the first record handed (records before it were delivered earlier). */
  readonly first: number;
  readonly count: number;
  delivered: number;
  /** The page's own bytes, to give back once it is wholly delivered (LogQuery.ephemeral). */
  readonly bytes?: Buffer;
}

/** Everything the reader needs from the query API, so it can be tested and reused by export. */
export interface LogReaderDeps {
  /** The provider's log source, as core reads it (query- and stream-shaped ones through log-shapes.ts). */
  readonly source: NormalizedLogSource;
  /** The run and the adapter's handle for it. */
  readonly target: RunTarget<unknown>;
  /** The run's identity (cursors are bound to it); default `run.ref`. */
  readonly identity?: string;
  /** Re-describes the run while following, to notice that it ended. */
  readonly describe: () => Promise<RunTarget<unknown>>;
  /** Core's follow policy (RunlensOptions.follow). */
  readonly policy?: FollowPolicy;
  /** Milliseconds on a monotonic clock (tests pass a fake one). Default: performance.now. */
  readonly now?: () => number;
  /** Memory for pages read ahead of the merge, all streams together (see ReadAhead). Default DEFAULT_READ_AHEAD_BYTES. */
  readonly readAheadBytes?: number;
}

/** Records merged from the streams, with each one's stream (an index into `states`). */
interface Merged {
  readonly batch: MergeBatch<LogRecord>;
  readonly states: readonly StreamState[];
}

/** What a read hands on: records already delivered (a tail), or merged records to deliver as they are taken. */
type Chunk = readonly LogRecord[] | Merged;

/** An outage being ridden out while following: since when, the next wait, the last failure. */
interface Outage {
  readonly since: number;
  delay: number;
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
  private target: RunTarget<unknown>;
  private get run(): Run {
    return this.target.run;
  }
  /** Records read from the provider (before since/until/grep), to explain an empty answer. */
  private seen = 0;
  private outage?: Outage;
  /** Records handed to the caller so far (a follow polls less often while it stays the same). */
  private readonly yielded = { count: 0 };
  /** Page bytes reused once delivered (LogQuery.ephemeral with batches()); undefined otherwise. */
  private pageBuffers?: PageBuffers;
  /** Bytes of pages wholly delivered in the batch being handed out, given back when the next one is asked for. */
  private readonly spent: Buffer[] = [];
  /** The streams of the cursor this read resumed from. */
  private resumed: Readonly<Record<string, StreamCursor>> = {};
  private readonly now: () => number;

  constructor(
    private readonly deps: LogReaderDeps,
    private readonly query: LogQuery = {},
  ) {
    this.target = deps.target;
    this.now = deps.now ?? (() => performance.now());
    for (const budget of [deps.readAheadBytes, query.readAheadBytes]) {
      if (budget !== undefined && !(budget >= 0)) throw invalidInput(`invalid read-ahead budget '${budget}' (use a number of bytes, 0 or more)`);
    }
    if (query.reconnectForMs !== undefined && !(query.reconnectForMs >= 0)) throw invalidInput(`invalid reconnect time '${query.reconnectForMs}' (use a duration such as 30s or 10m)`);
    if (query.grep !== undefined) this.grep = compileGrep(query.grep, query.ignoreCase);
    else if (query.ignoreCase) throw invalidInput('ignoring case needs a grep pattern');
    if (query.tail !== undefined && (!Number.isInteger(query.tail) || query.tail < 0)) throw invalidInput(`invalid tail '${query.tail}' (use a whole number of lines)`);
    if (query.since !== undefined && query.until !== undefined && query.since >= query.until) throw invalidInput('since must be earlier than until');
  }

  /** The resume token for the lines delivered so far. It names the run by identity, not by the ref's text. */
  cursor(): string {
    // Streams of the cursor resumed from that were not read (not listed yet, or left out by --node)
    // keep their positions: a resumed cursor never goes back.
    const streams: Record<string, StreamCursor> = { ...this.resumed };
    for (const [id, state] of this.states) streams[id] = { position: state.position, skip: state.skip };
    return encodeCursor({ ref: this.identity(), streams });
  }

  private identity(): string {
    return this.deps.identity ?? this.deps.target.run.ref;
  }

  /** Collects a warning once and passes it on at once (a follow may wait long before the next line). */
  private warn(warning: Warning): void {
    if (this.warnings.some((w) => w.message === warning.message)) return;
    this.warnings.push(warning);
    this.query.onWarning?.(warning);
  }

  /** Streams being read (after node filtering). */
  streams(): LogStreamInfo[] {
    return [...this.states.values()].sort((a, b) => a.order - b.order).map((s) => s.info);
  }

  [Symbol.asyncIterator](): AsyncIterator<LogRecord> {
    const chunks = this.start();
    const deliver = (merged: Merged) => this.deliver(merged);
    return (async function* records() {
      // Each merged record is marked delivered as it is pulled from its chunk (see deliver).
      for await (const chunk of chunks) yield* isMerged(chunk) ? deliver(chunk) : chunk;
    })();
  }

  /**
   * The same records in arrays, in order (up to about a thousand at a time), for consumers that
   * handle many lines per turn of the event loop (the CLI's output): an async step per record costs
   * more than formatting it. Every record of an array counts as delivered once the array is handed
   * out. Use either this or the iterator, once. With LogQuery.ephemeral, a batch's records are good
   * until the next one is asked for: their pages' bytes are then reused.
   */
  async *batches(): AsyncGenerator<LogRecord[]> {
    if (this.query.ephemeral) this.pageBuffers = new PageBuffers();
    for await (const chunk of this.start()) {
      const batch = isMerged(chunk) ? this.deliverAll(chunk) : [...chunk];
      if (batch.length > 0) yield batch;
      // The caller asked for more, so it is done with every record handed out so far (ephemeral).
      for (const bytes of this.spent.splice(0)) this.pageBuffers?.give(bytes);
    }
  }

  private start(): AsyncGenerator<Chunk> {
    if (this.iterated) throw invalidInput('a LogReader can be iterated only once');
    this.iterated = true;
    return this.closing(this.read());
  }

  /** Open connections of the source close when the read ends, however it ends. */
  private async *closing(chunks: AsyncGenerator<Chunk>): AsyncGenerator<Chunk> {
    try {
      yield* chunks;
    } finally {
      this.deps.source.close?.();
    }
  }

  /** Chunks of records; a chunk from the merge is marked delivered only as its records are taken. */
  private async *read(): AsyncGenerator<Chunk> {
    const { query } = this;
    const resume = query.cursor ? decodeCursor(query.cursor) : undefined;
    // Cursors from before identities were kept name the run by its ref.
    if (resume && resume.ref !== this.identity() && resume.ref !== this.deps.target.run.ref) throw invalidInput(`the cursor belongs to ${resume.ref}, not ${this.deps.target.run.ref}`);
    this.resumed = resume?.streams ?? {};
    await this.discover(resume?.streams);
    this.warnUnknownNodes();

    const yielded = this.yielded;
    if (query.tail !== undefined && !resume) {
      const records = await this.tail(query.tail);
      yielded.count += records.length;
      yield records;
    } else {
      yield* this.passes();
    }
    if (!resume) this.explainSilence();
    if (!query.follow) return;

    // A run that had already ended before the first read needs no second look.
    if (isTerminal(this.deps.target.run.status)) return;
    const poll = this.poll();
    const policy = this.deps.policy ?? {};
    const statusEvery = policy.statusPollMs ?? Math.max(poll.min, 5_000);
    const discoverEvery = policy.streamDiscoveryMs ?? Math.max(poll.min, 10_000);
    this.deps.source.following?.();
    let interval = poll.min;
    let lastStatus = Number.NEGATIVE_INFINITY;
    let lastDiscovery = this.now();
    let idle = yielded.count === 0;
    for (;;) {
      if (isTerminal(this.run.status)) {
        // Lines written just before the end can reach the provider late: wait once, drain once, stop.
        await sleep(policy.drainDelayMs ?? poll.min, query.signal);
        await this.resilient(() => this.discover());
        yield* this.passes();
        return;
      }
      if (query.until !== undefined && Date.now() >= query.until) return;
      if (idle || this.now() - lastStatus >= statusEvery) {
        this.target = await this.resilient(() => this.deps.describe());
        lastStatus = this.now();
        if (isTerminal(this.run.status)) continue;
      }
      await this.pause(interval);
      if (this.now() - lastDiscovery >= discoverEvery || this.states.size < this.run.nodes.length) {
        await this.resilient(() => this.discover());
        lastDiscovery = this.now();
      }
      const before = yielded.count;
      yield* this.passes();
      idle = yielded.count === before;
      // Adaptive back-off: quiet runs are polled less and less often, busy ones at the minimum.
      interval = idle ? Math.min(poll.max, Math.round(interval * 1.5)) : poll.min;
    }
  }

  private poll(): { readonly min: number; readonly max: number } {
    return this.query.pollIntervalMs ?? this.deps.policy?.pollMs ?? DEFAULT_POLL;
  }

  /** The wait between follow passes, cut short when a stream-shaped source's connection has new lines. */
  private async pause(ms: number): Promise<void> {
    const wake = this.deps.source.wake?.();
    if (!wake) return sleep(ms, this.query.signal);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    this.query.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([sleep(ms, controller.signal), wake.then(() => controller.abort())]).catch((e) => {
        if (this.query.signal?.aborted) throw e;
      });
    } finally {
      this.query.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }

  /** Merged passes until one completes; a follow rides out network loss in between (see rideOut). */
  private async *passes(): AsyncGenerator<Chunk> {
    for (;;) {
      try {
        // The consumer takes (delivers) each chunk's records before it asks for the next chunk.
        yield* this.pass();
        this.reconnected();
        return;
      } catch (error) {
        // The cursor names what was delivered: the next pass resumes right there.
        await this.rideOut(error);
      }
    }
  }

  private async resilient<T>(work: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await work();
        this.reconnected();
        return result;
      } catch (error) {
        await this.rideOut(error);
      }
    }
  }

  /**
   * Follow policy for a provider that cannot be reached (retries of the single call exhausted): wait
   * with doubling back-off and try again, for up to `reconnectForMs` since the first failure. Then
   * give up with a ProviderError; the cursor still names exactly what was delivered.
   */
  private async rideOut(error: unknown): Promise<void> {
    if (!this.query.follow || !isOutage(error) || this.query.signal?.aborted) throw error;
    const budget = this.query.reconnectForMs ?? this.deps.policy?.reconnectForMs ?? DEFAULT_RECONNECT_MS;
    const now = this.now();
    const first = this.outage === undefined;
    const outage = (this.outage ??= { since: now, delay: this.poll().min });
    const ref = this.deps.target.run.ref;
    if (now - outage.since >= budget) {
      throw providerError(`gave up following ${ref} after ${formatDuration(now - outage.since)} without reaching the provider: ${error.detail}`, {
        provider: error.provider ?? this.deps.target.run.provider,
        run: error.run,
        cause: error,
      });
    }
    if (first) this.warn({ type: 'degraded', message: `lost contact while following ${ref} (${error.detail}); retrying for up to ${formatDuration(budget)}` });
    await sleep(Math.min(outage.delay, Math.max(0, budget - (now - outage.since))), this.query.signal);
    outage.delay = Math.min(Math.max(this.poll().max, outage.delay), outage.delay * 2);
  }

  private reconnected(): void {
    if (!this.outage) return;
    const lasted = this.now() - this.outage.since;
    this.outage = undefined;
    // Each outage gets its own pair of messages (warn() drops repeats).
    this.warnings.push({ type: 'degraded', message: `reconnected after ${formatDuration(lasted)}` });
    this.query.onWarning?.(this.warnings[this.warnings.length - 1]!);
  }

  /** Nothing read at all: say why rather than print nothing (a run that never started, one still pending). */
  private explainSilence(): void {
    const { since, until, follow, nodes, tail } = this.query;
    // Filters that can leave nothing on their own (and unknown nodes are already warned about).
    if (this.seen > 0 || since !== undefined || until !== undefined || nodes !== undefined || tail === 0) return;
    const run = this.deps.target.run;
    const status = `status ${run.status}${run.providerStatus && run.providerStatus.toLowerCase() !== run.status ? ` (${run.providerStatus})` : ''}`;
    const silent = this.states.size > 0 ? 'its nodes wrote no log lines' : 'no node started';
    let message: string;
    if (!isTerminal(run.status)) {
      message = follow ? `waiting for ${run.ref} to write logs: ${status}` : `no logs yet: ${status}`;
    } else if (run.status === 'failed') {
      const reason = run.failure?.reason ? `: ${run.failure.reason}` : '';
      message = this.states.size > 0 ? `no logs: the run failed and ${silent}${reason}` : `no logs: the run failed before any node started${reason}`;
    } else {
      message = `no logs: the run is ${run.status} and ${silent}`;
    }
    this.warn({ type: 'no-data', message });
  }

  /** Lists streams and adds the new ones (nodes that started late join here). */
  private async discover(fromCursor?: Readonly<Record<string, StreamCursor>>): Promise<void> {
    const listed = await this.deps.source.listStreams(this.target, { signal: this.query.signal });
    const wanted = this.query.nodes;
    const fresh = listed.filter((s) => !this.states.has(s.id) && (!wanted || wanted.includes(s.node)));
    fresh.sort((a, b) => compareNatural(a.node, b.node) || compareNatural(a.id, b.id));
    for (const info of fresh) {
      const saved = fromCursor?.[info.id];
      this.states.set(info.id, { info, order: this.nextOrder++, position: saved?.position, skip: saved?.skip ?? 0, handed: [] });
    }
  }

  private warnUnknownNodes(): void {
    if (!this.query.nodes) return;
    const known = new Set([...this.deps.target.run.nodes.map((n) => n.name), ...[...this.states.values()].map((s) => s.info.node)]);
    for (const node of this.query.nodes) {
      if (!known.has(node)) this.warn({ type: 'not-found', message: `node '${node}' has no logs in ${this.deps.target.run.ref} (nodes: ${[...known].join(', ') || 'none'})` });
    }
  }

  /** One merged pass over every stream from its current position until each is caught up. */
  private async *pass(): AsyncGenerator<Merged> {
    const states = [...this.states.values()].sort((a, b) => a.order - b.order);
    for (const state of states) {
      state.handed.length = 0;
      state.spent = this.pageBuffers ? this.spent : undefined;
    }
    const ahead = new ReadAhead(this.query.readAheadBytes ?? this.deps.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES);
    const sources = states.map((state) => this.pageSource(state, ahead));
    for await (const batch of mergeByKey(sources)) yield { batch, states };
  }

  /**
   * Hands merged records to the caller one by one. A record counts as delivered (and moves the
   * cursor) only here, when the caller asks for it, so stopping or aborting at any point leaves a
   * cursor that names exactly what the caller received.
   */
  private *deliver({ batch, states }: Merged): Generator<LogRecord> {
    for (let i = 0; i < batch.items.length; i++) {
      if (this.query.signal?.aborted) throw interrupted();
      delivered(states[batch.sources[i]!]!, 1);
      this.seen++;
      const record = batch.items[i]!;
      if (this.accepts(record)) {
        this.yielded.count++;
        yield record;
      }
    }
  }

  /**
   * A whole merged batch handed out at once (batches()): every record of it counts as delivered.
   * The cursor moves once per run of records from one stream, and without filters the merge's
   * array itself is handed on.
   */
  private deliverAll({ batch, states }: Merged): LogRecord[] {
    if (this.query.signal?.aborted) throw interrupted();
    const { items, sources } = batch;
    for (let i = 0; i < items.length; ) {
      const source = sources[i]!;
      let j = i + 1;
      while (j < items.length && sources[j] === source) j++;
      delivered(states[source]!, j - i);
      i = j;
    }
    this.seen += items.length;
    const { since, until } = this.query;
    const accepted = since === undefined && until === undefined && this.grep === undefined ? items : items.filter((record) => this.accepts(record));
    this.yielded.count += accepted.length;
    return accepted;
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
   * Pages of one stream, some read ahead (see ReadAhead). Each page handed to the merge is queued on
   * the stream's state; `delivered` moves the cursor through it.
   */
  private pageSource(state: StreamState, ahead: ReadAhead): MergeSource<LogRecord> {
    const { source } = this.deps;
    const { since, until, signal } = this.query;
    const warn = (warning: Warning) => this.warn(warning);
    // `this.run` is read at each call: after the run ends, reads see it ended.
    const pageBuffers = this.pageBuffers;
    const lane = ahead.lane(state.order, (position) => source.readStream(this.target, state.info, { position, since, until, signal, ...(pageBuffers ? { pageBuffers } : {}) }));
    let at = state.position;
    let carry = state.skip;
    let done = false;
    return {
      async nextPage() {
        for (;;) {
          if (done) return undefined;
          const start = at;
          const page = await lane.take(start);
          for (const warning of page.warnings ?? []) warn(warning);
          // Same position back with nothing new is the end, whatever the adapter says (CloudWatch's token rule).
          done = endsStream(page, start);
          at = page.next;
          // Resuming inside a page: its first records were delivered before the cursor was taken.
          const { records } = page;
          const first = Math.min(carry, records.length);
          carry -= first;
          hand(state, { start, next: page.next, first, count: records.length - first, delivered: 0, ...(pageBuffers && records instanceof LogLines ? { bytes: records.bytes } : {}) });
          // The next pages may be read while this one is merged.
          lane.handed();
          if (records.length > first) return mergePage(records, first);
        }
      },
    };
  }

  private async tail(count: number): Promise<LogRecord[]> {
    const { source } = this.deps;
    const target = this.target;
    const tailStream = source.tailStream?.bind(source);
    // The provider's own tail only knows `until`; other filters need the forward read.
    if (tailStream && this.grep === undefined && this.query.since === undefined) {
      const states = [...this.states.values()].sort((a, b) => a.order - b.order);
      const tails = await mapLimit(states, TAIL_CONCURRENCY, (state) => tailStream(target, state.info, { count, until: this.query.until, signal: this.query.signal }));
      if (tails.every((t) => t !== undefined)) return this.mergeTails(states, tails, count);
    }
    // No provider tail: read forward keeping only the last `count` lines (memory stays bounded).
    const ring: LogRecord[] = new Array(count);
    let seen = 0;
    const before = this.yielded.count;
    // The ring keeps records across pages: their bytes are not reused.
    const buffers = this.pageBuffers;
    this.pageBuffers = undefined;
    try {
      for await (const merged of this.pass()) {
        for (const record of this.deliverAll(merged)) if (count > 0) ring[seen++ % count] = record;
      }
    } finally {
      this.pageBuffers = buffers;
    }
    // Only what the tail returns counts as handed out (read() adds it).
    this.yielded.count = before;
    if (count === 0) return [];
    const start = seen > count ? seen % count : 0;
    const kept = Math.min(seen, count);
    return Array.from({ length: kept }, (_, i) => ring[(start + i) % count]!);
  }

  private mergeTails(states: StreamState[], tails: readonly LogTailV2[], count: number): LogRecord[] {
    const tagged: { record: LogRecord; order: number; index: number }[] = [];
    tails.forEach((tail, i) => {
      this.seen += tail.records.length;
      states[i]!.position = tail.next;
      states[i]!.skip = 0;
      tail.records.forEach((record, index) => tagged.push({ record, order: states[i]!.order, index }));
    });
    tagged.sort((a, b) => a.record.timestamp - b.record.timestamp || a.order - b.order || a.index - b.index);
    return count === 0 ? [] : tagged.slice(-count).map((t) => t.record);
  }
}

/**
 * A page from its record `first` on, as the merge reads it: LogLines make each record as the merge
 * hands it out; an array is copied, for the merge to empty (the adapter's page is left as it was).
 */
function mergePage(records: readonly LogRecord[] | LogLines, first: number): MergePage<LogRecord> {
  if (records instanceof LogLines) {
    const lines = first > 0 ? records.slice(first) : records;
    const { timestamps } = lines;
    return { length: lines.length, key: (i) => timestamps[i]!, take: (i) => lines.record(i) };
  }
  return arrayPage(records.slice(first), (record) => record.timestamp);
}

/** Queues a page handed to the merge; a page with nothing to deliver settles at once if it is next. */
function hand(state: StreamState, page: HandedPage): void {
  state.handed.push(page);
  settle(state);
}

/** `count` records of the stream, from its oldest handed page on, reached the caller. */
function delivered(state: StreamState, count: number): void {
  for (let left = count; left > 0; ) {
    const page = state.handed[0];
    if (page === undefined) throw new Error('delivered a record of no page handed to the merge');
    const taken = Math.min(left, page.count - page.delivered);
    page.delivered += taken;
    left -= taken;
    state.position = page.start;
    state.skip = page.first + page.delivered;
    settle(state);
  }
}

function isMerged(chunk: Chunk): chunk is Merged {
  return !Array.isArray(chunk);
}

/** Wholly delivered pages are done: the cursor moves to where the next one starts. */
function settle(state: StreamState): void {
  while (state.handed.length > 0 && state.handed[0]!.delivered === state.handed[0]!.count) {
    const page = state.handed.shift()!;
    state.position = page.next;
    state.skip = 0;
    if (page.bytes && state.spent) state.spent.push(page.bytes);
  }
}

/** A provider that could not be reached (after the call's own retries): worth waiting out while following. */
function isOutage(error: unknown): error is RunlensError {
  return RunlensError.isInstance(error) && (error.code === 'Throttled' || (error.code === 'ProviderError' && error.retryable));
}

export function compileGrep(pattern: string | RegExp, ignoreCase = false): RegExp {
  if (pattern instanceof RegExp) return ignoreCase && !pattern.flags.includes('i') ? new RegExp(pattern.source, `${pattern.flags}i`) : pattern;
  try {
    return new RegExp(pattern, ignoreCase ? 'i' : '');
  } catch (e) {
    throw invalidInput(`invalid --grep pattern '${pattern}': ${(e as Error).message}`);
  }
}

const RUNS = /\d+|\D+/g;

/**
 * `algo-2` before `algo-10`, `worker-9` before `worker-10`: runs of digits compare by value, the rest
 * ignoring case, then by code unit so that no two different names tie. Not `localeCompare`: its first
 * call loads ICU's collation data, which cost a CLI command more start-up time than its work, and
 * its order would depend on the ICU build Node ships with.
 */
export function compareNatural(a: string, b: string): number {
  const left = a.match(RUNS) ?? [];
  const right = b.match(RUNS) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    const order = digits ? compareDigits(x, y) : compareText(x.toLowerCase(), y.toLowerCase());
    if (order !== 0) return order;
  }
  return left.length - right.length || compareText(a, b);
}

/** Two runs of digits by value (of any length), fewer leading zeros first on a tie. */
function compareDigits(x: string, y: string): number {
  const u = x.replace(/^0+(?=\d)/, '');
  const v = y.replace(/^0+(?=\d)/, '');
  return u.length - v.length || compareText(u, v) || x.length - y.length;
}

const compareText = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
