/** What runlens writes to: process.stdout/stderr, or a test's stream. */
export interface OutputStream {
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  readonly writableNeedDrain?: boolean;
  /** Bytes written but not yet handed to the OS (0 once a synchronous pipe or file write is done). */
  readonly writableLength?: number;
  readonly isTTY?: boolean;
  readonly columns?: number;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Characters gathered before a write. Under V8's large-object threshold (128 KiB): a bigger string
 * costs several times more to build and encode, and 64 KiB is also a Linux pipe's whole buffer.
 */
const CHUNK_CHARS = 64 * 1024;

/**
 * Line output with batching and back-pressure: lines are gathered and written in chunks (a log of a
 * million lines is not a million writes), flushed on the next turn of the event loop so a follow
 * shows lines as they come, and `ready()` waits while the consumer (a pager, `| head`) is behind.
 */
export class LineWriter {
  private buffer = '';
  private scheduled: NodeJS.Immediate | undefined;
  /** The one pending wait for the stream to drain, shared by every caller of ready(). */
  private draining: Promise<void> | undefined;

  /**
   * `reuseChunks`: the stream is a process's own stdout or stderr (a pipe, file, socket or terminal),
   * whose write has handed a chunk to the OS once nothing is left queued. Another stream (a test's,
   * a PassThrough) may keep the chunk itself, so it is never reused for those.
   */
  constructor(
    readonly stream: OutputStream,
    private readonly reuseChunks = false,
  ) {}

  line(text: string): void {
    this.buffer += `${text}\n`;
    this.gathered();
  }

  lines(texts: Iterable<string>): void {
    for (const text of texts) this.line(text);
  }

  /** Text that is whole lines already (each ending with `\n`), such as a formatted batch of records. */
  text(text: string): void {
    if (text === '') return;
    this.buffer += text;
    this.gathered();
  }

  /**
   * A chunk of bytes that is whole lines already (from a ByteSink the caller fills): written at
   * once, after any text gathered before it. True when the OS has taken it all (see `reuseChunks`):
   * the caller may then fill the chunk again.
   */
  bytes(chunk: Uint8Array): boolean {
    if (chunk.length === 0) return true;
    this.flushNow();
    this.stream.write(chunk);
    return this.reuseChunks && this.stream.writableLength === 0;
  }

  private gathered(): void {
    if (this.buffer.length >= CHUNK_CHARS) this.flushNow();
    else this.scheduled ??= setImmediate(() => this.flushNow());
  }

  /**
   * Undefined when the stream can take more at once (so a hot loop need not await anything);
   * otherwise a promise that settles when it has drained, closed or failed. However many times it
   * is called while waiting, the stream gets one listener per event, removed when the wait ends.
   */
  ready(): Promise<void> | undefined {
    const { stream } = this;
    // A write to a pipe or file is synchronous on Linux: `needDrain` may be set with nothing left to wait for.
    if (!stream.writableNeedDrain || stream.writableLength === 0) return undefined;
    this.draining ??= new Promise<void>((resolve) => {
      const done = () => {
        stream.removeListener('drain', done);
        stream.removeListener('close', done);
        stream.removeListener('error', done);
        this.draining = undefined;
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
      // The error itself is the CLI's to report (EPIPE ends quietly): here it only ends the wait.
      stream.on('error', done);
    });
    return this.draining;
  }

  /** Writes out everything buffered and waits until the stream has taken it. */
  async flush(): Promise<void> {
    this.flushNow();
    await new Promise<void>((resolve) => {
      try {
        this.stream.write('', () => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** Writes out everything buffered, without waiting. */
  flushNow(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    this.stream.write(chunk);
  }
}
