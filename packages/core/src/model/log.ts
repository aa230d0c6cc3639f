import type { Warning } from './warning.js';

/** One log line from one node. */
export interface LogRecord {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly node: string;
  readonly message: string;
  /** The provider's stream or file the line came from, where a node has several. */
  readonly stream?: string;
}

/** One log stream of a run (a CloudWatch stream, a task log, a rank's file). */
export interface LogStreamInfo {
  /** Unique within the run and stable across calls; cursors are keyed by it. */
  readonly id: string;
  readonly node: string;
  readonly size?: number;
  readonly lastEventAt?: number;
}

export interface LogQuery {
  /** Only these nodes (by name). */
  readonly nodes?: readonly string[];
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
  /** The last N lines of the merged timeline. */
  readonly tail?: number;
  /** A regular expression matched against each message. */
  readonly grep?: string | RegExp;
  /** Match `grep` regardless of case. */
  readonly ignoreCase?: boolean;
  /** Keep reading until the run is terminal, then drain once more and end. */
  readonly follow?: boolean;
  /** A cursor from an earlier read; reading resumes right after the last line it had delivered. */
  readonly cursor?: string;
  /** Follow polling bounds in ms (defaults come from the provider). */
  readonly pollIntervalMs?: { readonly min: number; readonly max: number };
  /**
   * While following: how long to keep trying, with back-off, when the provider cannot be reached
   * (default 10 minutes). After that the read fails with a ProviderError; `cursor()` still resumes.
   */
  readonly reconnectForMs?: number;
  /** Called once per warning as soon as it is raised (they are also collected in `LogReader.warnings`). */
  readonly onWarning?: (warning: Warning) => void;
  readonly signal?: AbortSignal;
}

/** A record as JSON, in the order the CLI's `logs --json` and the HTTP API print it: timestamp, node, message, stream. */
export function logRecordJson(record: LogRecord): { timestamp: number; node: string; message: string; stream?: string } {
  return {
    timestamp: record.timestamp,
    node: record.node,
    message: record.message,
    ...(record.stream !== undefined ? { stream: record.stream } : {}),
  };
}

/**
 * `logRecordJson` as one NDJSON line (with its `\n`): byte for byte what JSON.stringify gives for
 * that object, without building it. Log outputs print millions of lines, so node and stream names
 * (few per read) are quoted once.
 */
export function logRecordJsonLine(): (record: LogRecord) => string {
  const quoted = new Map<string, string>();
  const quote = (text: string): string => {
    let q = quoted.get(text);
    if (q === undefined) {
      // Bounded, in case a read has very many streams.
      if (quoted.size >= 1_024) quoted.clear();
      q = JSON.stringify(text);
      quoted.set(text, q);
    }
    return q;
  };
  return (record) => {
    const t = record.timestamp;
    const head = `{"timestamp":${Number.isFinite(t) ? t : 'null'},"node":${quote(record.node)},"message":${JSON.stringify(record.message)}`;
    return record.stream === undefined ? `${head}}\n` : `${head},"stream":${quote(record.stream)}}\n`;
  };
}
