// Job identity and queue naming. One queue per group (a provider, or a provider account) so that a
// rate limit, which BullMQ enforces per queue across every worker, is a per-provider limit.
import { createHash } from 'node:crypto';

/** A unit of bulk work: `key` names it stably (the same key is the same job, however often enqueued). */
export interface BulkJob<T> {
  readonly key: string;
  /** The queue it goes to: the source provider, so each provider's limit is shared by all workers. */
  readonly group: string;
  readonly data: T;
}

/**
 * A job id from its key. BullMQ deduplicates by custom id and forbids `:` in one
 * (docs.bullmq.io, "Job Ids"); a hash also keeps ids short whatever the ref.
 */
export function jobIdFor(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

const GROUP = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The queue of one group under a prefix, e.g. `runlens-copy-sagemaker`. */
export function queueName(prefix: string, group: string): string {
  if (!GROUP.test(group)) throw new Error(`not a queue group name: ${group}`);
  return `${prefix}-${group}`;
}

/** `[NotFound] ` before a failed job's reason: BullMQ keeps a message only, and the code decides exit codes. */
export function codeTag(code: string): string {
  return `[${code}] `;
}

/** A failed reason split back into its code (if tagged) and message. */
export function splitReason(reason: string): { code?: string; message: string } {
  const m = /^\[([A-Za-z]+)\] /.exec(reason);
  return m ? { code: m[1]!, message: reason.slice(m[0].length) } : { message: reason };
}
