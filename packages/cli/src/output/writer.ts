import { once } from 'node:events';

/** What runlens writes to: process.stdout/stderr, or a test's stream. */
export interface OutputStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  readonly writableNeedDrain?: boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

const HIGH_WATER = 64 * 1024;

/**
 * Line output with batching and back-pressure: lines are gathered and written in chunks (a log of a
 * million lines is not a million writes), flushed on the next turn of the event loop so a follow
 * shows lines as they come, and `ready()` waits while the consumer (a pager, `| head`) is behind.
 */
export class LineWriter {
  private buffer = '';
  private scheduled: NodeJS.Immediate | undefined;

  constructor(readonly stream: OutputStream) {}

  line(text: string): void {
    this.buffer += `${text}\n`;
    if (this.buffer.length >= HIGH_WATER) this.flushNow();
    else this.scheduled ??= setImmediate(() => this.flushNow());
  }

  lines(texts: Iterable<string>): void {
    for (const text of texts) this.line(text);
  }

  /** Resolves once the stream can take more (immediately unless it is backed up). */
  async ready(): Promise<void> {
    if (!this.stream.writableNeedDrain) return;
    await Promise.race([once(this.stream as never, 'drain'), once(this.stream as never, 'close'), once(this.stream as never, 'error').catch(() => undefined)]);
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
