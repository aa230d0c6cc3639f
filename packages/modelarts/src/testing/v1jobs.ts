/** In-memory state of old (v1) training job versions and their per-node log files. */
import { GrowingLog } from './bytes.js';
import type { V1JobVersion, V1LogShape } from './model.js';

export interface V1Options {
  /** Body of the byte-range `/log` answer. Default `bytes`. */
  logShape?: V1LogShape;
}

export interface V1Record {
  version: V1JobVersion;
  files: Map<string, GrowingLog>;
  logShape: V1LogShape;
}

export class V1Store {
  readonly #versions = new Map<string, V1Record>();

  put(version: V1JobVersion, options: V1Options = {}): void {
    const previous = this.#versions.get(key(version.job_id, version.version_id));
    this.#versions.set(key(version.job_id, version.version_id), {
      version: { ...version },
      files: previous?.files ?? new Map(),
      logShape: options.logShape ?? previous?.logShape ?? 'bytes',
    });
  }

  get(jobId: number, versionId: number): V1Record | undefined {
    return this.#versions.get(key(jobId, versionId));
  }

  /** Latest version of every job, as the v1 list shows one row per job. */
  latestVersions(): V1Record[] {
    const byJob = new Map<number, V1Record>();
    for (const record of this.#versions.values()) {
      const current = byJob.get(record.version.job_id);
      if (!current || current.version.version_id < record.version.version_id) byJob.set(record.version.job_id, record);
    }
    return [...byJob.values()];
  }

  versionCount(jobId: number): number {
    return [...this.#versions.values()].filter((r) => r.version.job_id === jobId).length;
  }

  configure(jobId: number, versionId: number, options: V1Options): void {
    const record = this.#require(jobId, versionId);
    if (options.logShape) record.logShape = options.logShape;
  }

  appendLog(jobId: number, versionId: number, file: string, text: string): void {
    const files = this.#require(jobId, versionId).files;
    const log = files.get(file);
    if (log) log.append(text);
    else files.set(file, new GrowingLog(text));
  }

  #require(jobId: number, versionId: number): V1Record {
    const record = this.#versions.get(key(jobId, versionId));
    if (!record) throw new Error(`no v1 job ${jobId} version ${versionId}; putV1Job it first`);
    return record;
  }
}

function key(jobId: number, versionId: number): string {
  return `${jobId}/${versionId}`;
}

/**
 * Line ids of the AOM log API: 19-digit numbers like the doc's `1551252759254000002`
 * (epoch ms followed by six digits), beyond 2^53. Line `i` of a file whose version was
 * created at `baseMs` is `(baseMs + i) * 10^6 + 2`, so ids increase and can be inverted.
 */
export function lineId(baseMs: number, index: number): bigint {
  return (BigInt(baseMs) + BigInt(index)) * 1_000_000n + 2n;
}

export function lineIndex(baseMs: number, id: string): number | undefined {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  const value = BigInt(id);
  if (value % 1_000_000n !== 2n) return undefined;
  const index = value / 1_000_000n - BigInt(baseMs);
  return index >= 0n && index <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(index) : undefined;
}

/** Byte offsets of each line start; a trailing partial line counts as a line. */
export function lineStarts(bytes: Buffer): number[] {
  const starts: number[] = [];
  let start = 0;
  while (start < bytes.length) {
    starts.push(start);
    const newline = bytes.indexOf(0x0a, start);
    start = newline === -1 ? bytes.length : newline + 1;
  }
  return starts;
}
