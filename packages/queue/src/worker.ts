// Processing jobs: one BullMQ worker per group queue. Failures are sorted the way core's retry policy
// sorts them: throttling pauses the group's queue for every worker, retryable failures are tried
// again with back-off, and the rest fail the job at once.
import { RunlensError } from '@runlens/core';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { codeTag, queueName } from './jobs.js';
import { connectionOptions, type QueueLocation } from './redis.js';

export interface JobContext {
  readonly key: string;
  readonly group: string;
  /** Aborted when the worker is closed without waiting (a second Ctrl-C). */
  readonly signal: AbortSignal;
  /** 1 for the first try. */
  readonly attempt: number;
}

export type WorkerEvent =
  | { readonly type: 'started' | 'completed'; readonly group: string; readonly key: string }
  | { readonly type: 'failed'; readonly group: string; readonly key: string; readonly message: string; readonly final: boolean }
  | { readonly type: 'throttled'; readonly group: string; readonly key: string; readonly pauseMs: number }
  | { readonly type: 'error'; readonly message: string };

export interface WorkerOptions<T, R> {
  readonly prefix: string;
  /** The groups (providers) whose queues this worker takes jobs from. */
  readonly groups: readonly string[];
  readonly handler: (data: T, context: JobContext) => Promise<R>;
  /** Jobs processed at once per group. */
  readonly concurrency?: number;
  /**
   * How long a job stays locked to a worker that stopped renewing it (a killed process) before
   * another worker takes it over. BullMQ's default is 30 s.
   */
  readonly lockDurationMs?: number;
  /** How often locks are checked for having expired (BullMQ's stalled check; default 30 s). */
  readonly stalledIntervalMs?: number;
  /** Times a job may lose its lock and be run again before it fails (default 3). */
  readonly maxStalledCount?: number;
  /** Jobs started per time window per group, enforced across every worker (BullMQ's limiter). */
  readonly limits?: Readonly<Record<string, { readonly max: number; readonly durationMs: number }>>;
  /** How long a group pauses when a job meets throttling without a Retry-After. */
  readonly throttlePauseMs?: number;
  readonly onEvent?: (event: WorkerEvent) => void;
}

export interface RunningWorker {
  /** Waits for active jobs to finish (or, with `force`, abandons them to be taken over), then closes. */
  close(force?: boolean): Promise<void>;
}

const UNLIMITED = 1_000_000_000;

/** Errors that would fail the same way again: fail the job at once instead of using up its attempts. */
const FINAL_CODES = new Set(['NotFound', 'AuthError', 'InvalidInput', 'Unsupported']);

export async function startWorker<T, R>(location: QueueLocation, options: WorkerOptions<T, R>): Promise<RunningWorker> {
  const emit = options.onEvent ?? (() => {});
  const workers: Worker[] = [];
  const queues: Queue[] = [];
  for (const group of options.groups) {
    const name = queueName(options.prefix, group);
    const queue = new Queue(name, { connection: connectionOptions(location) });
    queues.push(queue);
    const limit = options.limits?.[group];
    const processor = async (job: Job<{ key: string; data: T }, R>, _token?: string, signal?: AbortSignal): Promise<R> => {
      const key = job.data.key;
      emit({ type: 'started', group, key });
      try {
        return await options.handler(job.data.data, { key, group, signal: signal ?? new AbortController().signal, attempt: job.attemptsMade + 1 });
      } catch (e) {
        if (RunlensError.isInstance(e) && e.code === 'Throttled') {
          // The whole group waits, on every worker: the provider said slow down, not this job.
          const pauseMs = e.retryAfterMs ?? options.throttlePauseMs ?? 5_000;
          emit({ type: 'throttled', group, key, pauseMs });
          await queue.rateLimit(pauseMs);
          throw Worker.RateLimitError();
        }
        const message = e instanceof Error ? e.message : String(e);
        // The code travels in the failed reason (BullMQ keeps only a message), for waitForJobs to read.
        const reason = RunlensError.isInstance(e) ? `${codeTag(e.code)}${message}` : message;
        if (RunlensError.isInstance(e) && FINAL_CODES.has(e.code)) {
          emit({ type: 'failed', group, key, message, final: true });
          throw new UnrecoverableError(reason);
        }
        emit({ type: 'failed', group, key, message, final: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
        throw new Error(reason, { cause: e });
      }
    };
    const worker = new Worker(name, processor, {
      connection: connectionOptions(location),
      concurrency: options.concurrency ?? 2,
      ...(options.lockDurationMs !== undefined ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs !== undefined ? { stalledInterval: options.stalledIntervalMs } : {}),
      // A job whose lock lapsed (a killed worker, or one whose event loop was too busy to renew it) is
      // run again; handlers are idempotent, so allow that a few times before calling the job failed
      // (BullMQ's default is once).
      maxStalledCount: options.maxStalledCount ?? 3,
      // Always a limiter, unbounded unless configured: BullMQ honours a queue's rateLimit() pause
      // only for workers that have one (its moveToActive script reads the pause only when a limiter
      // max is set), and throttling must pause every worker.
      limiter: limit ? { max: limit.max, duration: limit.durationMs } : { max: UNLIMITED, duration: 1_000 },
    });
    worker.on('completed', (job) => emit({ type: 'completed', group, key: (job.data as { key: string }).key }));
    // Connection trouble is reported and ridden out by the client's reconnects; it must not crash.
    worker.on('error', (e) => emit({ type: 'error', message: e.message }));
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    async close(force = false) {
      await Promise.all(workers.map((w) => w.close(force)));
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
