// Bulk copy spread over machines (`@runlens/copy/queue`): one BullMQ job per run on a queue per source
// provider; workers copy with their own credentials (none travel through Redis: a job holds the ref,
// the target URI and the experiment name).
import { RunlensError, type ErrorCode, type Runlens } from '@runlens/core';
import { enqueue, startWorker, waitForJobs, type EnqueueResult, type JobHandle, type JobOutcome, type QueueLocation, type RunningWorker, type WorkerEvent } from '@runlens/queue';
import { DEFAULT_BULK_CONCURRENCY, type SelectedRun } from './bulk.js';
import { openCopier, type CopyOptions, type CopyOutcome, type Copier } from './copy.js';
import { journalKey } from './journal.js';

export const COPY_QUEUE_PREFIX = 'runlens-copy';

export interface CopyJob {
  readonly ref: string;
  readonly to: string;
  readonly experiment?: string;
}

export interface EnqueueCopiesOptions {
  readonly to: string;
  readonly experiment?: string;
  /** Attempts per run for retryable failures (default 5). */
  readonly attempts?: number;
  readonly backoffMs?: number;
}

/** One job per run; the same run for the same target and experiment is one job however often enqueued. */
export function enqueueCopies(location: QueueLocation, runs: readonly SelectedRun[], options: EnqueueCopiesOptions): Promise<EnqueueResult> {
  return enqueue<CopyJob>(
    location,
    runs.map((r) => ({
      key: journalKey(options.to, options.experiment, r.ref),
      group: r.provider,
      data: { ref: r.ref, to: options.to, ...(options.experiment !== undefined ? { experiment: options.experiment } : {}) },
    })),
    { prefix: COPY_QUEUE_PREFIX, ...(options.attempts !== undefined ? { attempts: options.attempts } : {}), ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}) },
  );
}

export function waitForCopies(location: QueueLocation, jobs: readonly JobHandle[], options: { signal?: AbortSignal; onProgress?: (done: number, total: number, outcome: JobOutcome<unknown>) => void; rescanMs?: number } = {}): Promise<JobOutcome<CopyOutcome>[]> {
  return waitForJobs<CopyOutcome>(location, jobs, { prefix: COPY_QUEUE_PREFIX, ...options });
}

export interface CopyWorkerOptions extends Omit<CopyOptions, 'to' | 'experiment' | 'dryRun' | 'onProgress'> {
  /** Source providers whose queues to take jobs from. */
  readonly groups: readonly string[];
  readonly concurrency?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly limits?: Readonly<Record<string, { readonly max: number; readonly durationMs: number }>>;
  readonly onEvent?: (event: WorkerEvent) => void;
  readonly onOutcome?: (outcome: CopyOutcome) => void;
}

/**
 * A worker copying queued runs. A failed copy fails its job with the copy's error code, so the queue
 * sorts it as core's retry policy would (throttling pauses the provider's queue, not-found fails at
 * once, a network failure is tried again).
 */
export function startCopyWorker(runlens: Runlens, location: QueueLocation, options: CopyWorkerOptions): Promise<RunningWorker> {
  const copiers = new Map<string, Promise<Copier>>();
  const copierFor = (job: CopyJob): Promise<Copier> => {
    const id = `${job.to}\n${job.experiment ?? ''}`;
    let copier = copiers.get(id);
    if (!copier) {
      copier = openCopier(runlens, { ...options, to: job.to, ...(job.experiment !== undefined ? { experiment: job.experiment } : {}) });
      copiers.set(id, copier);
      copier.catch(() => copiers.delete(id)); // a target that was down is probed again by the next job
    }
    return copier;
  };
  return startWorker<CopyJob, CopyOutcome>(location, {
    prefix: COPY_QUEUE_PREFIX,
    groups: options.groups,
    concurrency: options.concurrency ?? DEFAULT_BULK_CONCURRENCY,
    ...(options.lockDurationMs !== undefined ? { lockDurationMs: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs !== undefined ? { stalledIntervalMs: options.stalledIntervalMs } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    handler: async (job, context) => {
      const outcome = await (await copierFor(job)).copy(job.ref, { signal: context.signal });
      options.onOutcome?.(outcome);
      if (outcome.status === 'failed' && outcome.error) {
        const code = outcome.error.code as ErrorCode;
        throw new RunlensError(code, outcome.error.message, { retryable: code === 'Throttled' || code === 'ProviderError' });
      }
      return outcome;
    },
  });
}
