import { interrupted } from '../errors.js';
import type { LogRecord } from '../model/log.js';
import type { Warning } from '../model/warning.js';
import type { LogReader } from './logs.js';

/** One line handed to a follower, with the cursor that resumes right after it. */
export interface FollowedLine {
  readonly record: LogRecord;
  readonly cursor: string;
}

/** A follower's lines, and the warnings of the reader they come from (unknown nodes, missing logs). */
export interface FollowLines extends AsyncIterable<FollowedLine> {
  warnings(): readonly Warning[];
}

/** Opens a reader (following) from a cursor, or from the start. */
export type OpenFollow = (cursor: string | undefined, signal: AbortSignal) => Promise<LogReader>;

export interface LogFanoutOptions {
  /** Lines kept for followers that lag behind the fastest (and for late joiners); default 10,000. */
  readonly capacity?: number;
  /** Called once when the last follower leaves or the read has ended and nobody is left. */
  readonly onIdle?: () => void;
}

interface Follower {
  /** Sequence number of the next line this follower takes. */
  seq: number;
}

/**
 * Many followers of one log, one upstream reader. Lines read once are kept in a bounded buffer;
 * each follower takes them at its own pace. Reading is pulled by the fastest follower; a follower
 * that falls more than `capacity` lines behind, or that joins after the start has left the buffer,
 * continues on a reader of its own from its last cursor, so nobody loses or repeats a line and a
 * slow follower never holds the others back or pins memory. When the last follower leaves, the
 * upstream read is aborted at once.
 */
export class LogFanout {
  private readonly buffer: FollowedLine[] = [];
  /** Sequence number of buffer[0]. */
  private base = 0;
  private readonly followers = new Set<Follower>();
  private readonly controller = new AbortController();
  private readonly capacity: number;
  private upstream?: Promise<{ reader: LogReader; iterator: AsyncIterator<LogRecord> }>;
  private pulling?: Promise<void>;
  private ended = false;
  private failure?: { error: unknown };
  private closed = false;
  /** Upstream readers this fan-out opened (1), and readers opened for followers that went their own way. */
  readonly stats = { shared: 0, own: 0 };

  constructor(
    private readonly open: OpenFollow,
    private readonly options: LogFanoutOptions = {},
  ) {
    this.capacity = Math.max(1, options.capacity ?? 10_000);
  }

  /** True while a new follower from the start can still share the upstream read. */
  get joinable(): boolean {
    return !this.closed && this.base === 0 && !this.failure;
  }

  /**
   * Attaches a follower. Resolves once the upstream (or the follower's own) reader is open, so a bad
   * ref or a missing run is an error here, before anything is streamed.
   */
  async attach(options: { cursor?: string; signal?: AbortSignal } = {}): Promise<FollowLines> {
    const signal = options.signal;
    let start: number | undefined;
    if (options.cursor === undefined) start = this.joinable ? 0 : undefined;
    else {
      const at = this.buffer.findIndex((line) => line.cursor === options.cursor);
      if (at >= 0 && !this.closed) start = this.base + at + 1;
    }
    if (start === undefined) return this.own(options.cursor, signal);
    const follower: Follower = { seq: start };
    this.followers.add(follower);
    // A follower that leaves before it reads anything must not keep the upstream read alive.
    signal?.addEventListener('abort', () => this.leave(follower), { once: true });
    let reader: LogReader;
    try {
      ({ reader } = await this.opened());
    } catch (error) {
      this.leave(follower);
      throw error;
    }
    const own: { reader?: LogReader } = {};
    return {
      [Symbol.asyncIterator]: () => this.lines(follower, signal, options.cursor, own)[Symbol.asyncIterator](),
      warnings: () => (own.reader ?? reader).warnings,
    };
  }

  private async *lines(follower: Follower, signal: AbortSignal | undefined, cursor: string | undefined, own: { reader?: LogReader }): AsyncGenerator<FollowedLine> {
    let last = cursor;
    try {
      for (;;) {
        if (signal?.aborted) throw interrupted();
        if (follower.seq < this.base) {
          // Fell out of the buffer: carry on alone from the last line this follower took.
          this.leave(follower);
          const alone = await this.own(last, signal);
          own.reader = alone.reader;
          yield* alone;
          return;
        }
        if (follower.seq < this.base + this.buffer.length) {
          const line = this.buffer[follower.seq - this.base]!;
          follower.seq++;
          last = line.cursor;
          yield line;
          continue;
        }
        if (this.failure) throw this.failure.error;
        if (this.ended) return;
        await this.pull(signal);
      }
    } finally {
      this.leave(follower);
    }
  }

  private opened() {
    this.upstream ??= this.open(undefined, this.controller.signal).then((reader) => {
      this.stats.shared++;
      return { reader, iterator: reader[Symbol.asyncIterator]() };
    });
    return this.upstream;
  }

  /** Reads the next line into the buffer; concurrent callers share one read. */
  private pull(signal: AbortSignal | undefined): Promise<void> {
    this.pulling ??= (async () => {
      try {
        const { reader, iterator } = await this.opened();
        const next = await iterator.next();
        if (next.done) this.ended = true;
        else {
          this.buffer.push({ record: next.value, cursor: reader.cursor() });
          if (this.buffer.length > this.capacity) {
            this.buffer.shift();
            this.base++;
          }
        }
      } catch (error) {
        this.failure = { error };
      } finally {
        this.pulling = undefined;
      }
    })();
    if (!signal) return this.pulling;
    // A follower that leaves stops waiting at once; the read itself goes on for the others.
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(interrupted());
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.pulling!.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async own(cursor: string | undefined, signal: AbortSignal | undefined): Promise<FollowLines & { reader: LogReader }> {
    const controller = new AbortController();
    const stop = () => controller.abort();
    if (signal?.aborted) throw interrupted();
    signal?.addEventListener('abort', stop, { once: true });
    const reader = await this.open(cursor, controller.signal);
    this.stats.own++;
    const lines = (async function* () {
      try {
        for await (const record of reader) yield { record, cursor: reader.cursor() };
      } finally {
        signal?.removeEventListener('abort', stop);
        controller.abort();
      }
    })();
    return { reader, warnings: () => reader.warnings, [Symbol.asyncIterator]: () => lines };
  }

  private leave(follower: Follower): void {
    if (!this.followers.delete(follower) || this.followers.size > 0 || this.closed) return;
    // Nobody left: stop reading the provider now, not at the next poll.
    this.closed = true;
    this.controller.abort();
    void this.upstream?.then(({ iterator }) => iterator.return?.()).catch(() => undefined);
    this.options.onIdle?.();
  }
}

/** Fan-outs keyed by run and query: every follower of the same log shares one upstream reader. */
export class SharedFollows {
  private readonly fanouts = new Map<string, LogFanout>();

  constructor(private readonly options: { capacity?: number } = {}) {}

  /** The fan-out for `key`, created (with `open`) unless a joinable one exists. */
  attach(key: string, open: OpenFollow, options: { cursor?: string; signal?: AbortSignal } = {}): Promise<FollowLines> {
    let fanout = this.fanouts.get(key);
    // Resuming with nothing to share: a reader of its own, through a fan-out nobody else will find.
    if (!fanout && options.cursor !== undefined) return new LogFanout(open).attach(options);
    if (!fanout || (options.cursor === undefined && !fanout.joinable)) {
      const created: LogFanout = new LogFanout(open, {
        capacity: this.options.capacity,
        onIdle: () => {
          if (this.fanouts.get(key) === created) this.fanouts.delete(key);
        },
      });
      fanout = created;
      this.fanouts.set(key, created);
    }
    return fanout.attach(options);
  }

  /** Fan-outs with followers right now. */
  get size(): number {
    return this.fanouts.size;
  }
}
