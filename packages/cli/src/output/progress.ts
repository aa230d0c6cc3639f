import cliProgress from 'cli-progress';
import { formatBytes } from './format.js';
import type { OutputStream } from './writer.js';

export interface ByteProgress {
  /** Bytes done so far for one file (cumulative per path, as core reports them). */
  update(path: string, bytes: number): void;
  stop(): void;
}

/**
 * A byte progress bar on a terminal's stderr (cli-progress); nothing at all elsewhere, so pipes and
 * CI logs get only the final summary line.
 */
export function byteProgress(stream: OutputStream, total: number, label: string): ByteProgress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as unknown as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% {done}/{size} {file}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const perPath = new Map<string, number>();
  let done = 0;
  bar.start(Math.max(total, 1), 0, { done: formatBytes(0), size: formatBytes(total), file: '' });
  return {
    update(path, bytes) {
      done += bytes - (perPath.get(path) ?? 0);
      perPath.set(path, bytes);
      bar.update(Math.min(done, Math.max(total, 1)), { done: formatBytes(done), file: path.length > 40 ? `…${path.slice(-39)}` : path });
    },
    stop() {
      bar.stop();
    },
  };
}

/** One status line rewritten in place on a terminal's stderr (export phases); silent elsewhere. */
export function statusLine(stream: OutputStream): { show(text: string): void; clear(): void } {
  if (!stream.isTTY) return { show() {}, clear() {} };
  let shown = false;
  return {
    show(text) {
      const width = Math.max(10, (stream.columns || 80) - 1);
      stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
