// Packs metrics, params and tags into log-batch requests within MLflow's limits
// (mlflow/utils/validation.py: ≤ 1000 metrics, ≤ 100 params, ≤ 100 tags, ≤ 1000 entities, and a
// request of at most 1,000,000 bytes), counting the exact bytes of the JSON the client sends.
import { MAX_BATCH_LOG_REQUEST_SIZE, MAX_ENTITIES_PER_BATCH, MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH, type KeyValue, type MlflowMetric } from '@runlens/mlflow/client';

export interface BatchLimits {
  readonly metrics: number;
  readonly params: number;
  readonly tags: number;
  readonly entities: number;
  readonly bytes: number;
}

export const MLFLOW_BATCH_LIMITS: BatchLimits = {
  metrics: MAX_METRICS_PER_BATCH,
  params: MAX_PARAMS_TAGS_PER_BATCH,
  tags: MAX_PARAMS_TAGS_PER_BATCH,
  entities: MAX_ENTITIES_PER_BATCH,
  bytes: MAX_BATCH_LOG_REQUEST_SIZE,
};

export interface Batch<M = MlflowMetric> {
  metrics: M[];
  params: KeyValue[];
  tags: KeyValue[];
  /** Bytes of the request body as the client serialises it. */
  bytes: number;
}

type Kind = 'metrics' | 'params' | 'tags';

/**
 * Fills batches in order and hands each one over when the next entry would break a limit. `entry`
 * maps what is stored to what is sent (metrics carry their position in their series for resumes).
 */
export class BatchPacker<M extends { readonly wire: MlflowMetric } = { readonly wire: MlflowMetric }> {
  private current: Batch<M>;
  private readonly envelope: number;

  constructor(
    runId: string,
    private readonly limits: BatchLimits = MLFLOW_BATCH_LIMITS,
  ) {
    // `{"run_id":"…"}` plus, per non-empty list, `,"metrics":[]`; entries add their text and a comma.
    this.envelope = Buffer.byteLength(JSON.stringify({ run_id: runId }));
    this.current = this.empty();
  }

  private empty(): Batch<M> {
    return { metrics: [], params: [], tags: [], bytes: this.envelope };
  }

  private static listOverhead(kind: Kind): number {
    return Buffer.byteLength(`,"${kind}":[]`);
  }

  /** Adds one entry; returns the batch that had to be closed first, if any. */
  add(kind: 'metrics', entry: M): Batch<M> | undefined;
  add(kind: 'params' | 'tags', entry: KeyValue): Batch<M> | undefined;
  add(kind: Kind, entry: M | KeyValue): Batch<M> | undefined {
    const text = Buffer.byteLength(JSON.stringify(kind === 'metrics' ? (entry as M).wire : entry));
    const size = (batch: Batch<M>) => {
      const list = batch[kind] as unknown[];
      return text + (list.length === 0 ? BatchPacker.listOverhead(kind) : 1);
    };
    if (this.envelope + BatchPacker.listOverhead(kind) + text > this.limits.bytes) {
      throw new RangeError(`one ${kind.slice(0, -1)} is larger than a log-batch request may be (${text} bytes)`);
    }
    let closed: Batch<M> | undefined;
    if (!this.fits(kind, size(this.current))) {
      closed = this.current;
      this.current = this.empty();
    }
    this.current.bytes += size(this.current);
    (this.current[kind] as (M | KeyValue)[]).push(entry);
    return closed;
  }

  /**
   * Adds one param or tag to the batch being filled only if it fits there (never closes a batch):
   * how params and tags ride along in batches of metrics. False when it does not fit.
   */
  tryAdd(kind: 'params' | 'tags', entry: KeyValue): boolean {
    const text = Buffer.byteLength(JSON.stringify(entry));
    if (this.envelope + BatchPacker.listOverhead(kind) + text > this.limits.bytes) {
      throw new RangeError(`one ${kind.slice(0, -1)} is larger than a log-batch request may be (${text} bytes)`);
    }
    const size = text + (this.current[kind].length === 0 ? BatchPacker.listOverhead(kind) : 1);
    if (!this.fits(kind, size)) return false;
    this.current.bytes += size;
    this.current[kind].push(entry);
    return true;
  }

  private fits(kind: Kind, bytes: number): boolean {
    const b = this.current;
    const count = b.metrics.length + b.params.length + b.tags.length;
    const limit = kind === 'metrics' ? this.limits.metrics : kind === 'params' ? this.limits.params : this.limits.tags;
    return b[kind].length < limit && count < this.limits.entities && b.bytes + bytes <= this.limits.bytes;
  }

  /** The batch being filled, if it holds anything; the packer starts a new one. */
  flush(): Batch<M> | undefined {
    const b = this.current;
    if (b.metrics.length + b.params.length + b.tags.length === 0) return undefined;
    this.current = this.empty();
    return b;
  }
}

/** The body the client sends for a batch (the same fields in the same order, for size checks in tests). */
export function batchBody(runId: string, batch: Batch<{ wire: MlflowMetric }>): string {
  return JSON.stringify({
    run_id: runId,
    ...(batch.metrics.length ? { metrics: batch.metrics.map((m) => m.wire) } : {}),
    ...(batch.params.length ? { params: batch.params } : {}),
    ...(batch.tags.length ? { tags: batch.tags } : {}),
  });
}
