// Putting a batch of jobs on the queues, and waiting for their outcomes.
import { Job, Queue, QueueEvents } from 'bullmq';
import { jobIdFor, queueName, splitReason, type BulkJob } from './jobs.js';
import { connectionOptions, type QueueLocation } from './redis.js';

export interface JobHandle {
  readonly key: string;
  readonly group: string;
  readonly id: string;
}

export interface EnqueueOptions {
  /** Queue name prefix, e.g. `runlens-copy`. */
  readonly prefix: string;
  /** Attempts per job for retryable failures (throttling pauses don't count). */
  readonly attempts?: number;
  /** First retry delay; later ones double (BullMQ's exponential backoff). */
  readonly backoffMs?: number;
}

export interface EnqueueResult {
  readonly jobs: JobHandle[];
  /** New jobs. */
  readonly added: number;
  /** Jobs already there (waiting, active or completed): a key is one job however often enqueued. */
  readonly existing: number;
  /** Jobs that had failed before and were put back to be tried again. */
  readonly retried: number;
}

const CHUNK = 500;

export async function enqueue<T>(location: QueueLocation, jobs: readonly BulkJob<T>[], options: EnqueueOptions): Promise<EnqueueResult> {
  const handles: JobHandle[] = jobs.map((j) => ({ key: j.key, group: j.group, id: jobIdFor(j.key) }));
  const queues = openQueues(location, options.prefix, new Set(jobs.map((j) => j.group)));
  let added = 0;
  let existing = 0;
  let retried = 0;
  try {
    for (let start = 0; start < jobs.length; start += CHUNK) {
      const slice = jobs.slice(start, start + CHUNK);
      const ids = handles.slice(start, start + CHUNK);
      const states = await Promise.all(ids.map((h) => queues.get(h.group)!.getJobState(h.id)));
      const fresh: { job: BulkJob<T>; id: string }[] = [];
      for (let i = 0; i < slice.length; i++) {
        const state = states[i];
        if (state === 'unknown') fresh.push({ job: slice[i]!, id: ids[i]!.id });
        else if (state === 'failed') {
          await (await Job.fromId(queues.get(ids[i]!.group)!, ids[i]!.id))?.retry('failed');
          retried++;
        } else existing++;
      }
      for (const [group, queue] of queues) {
        const mine = fresh.filter((f) => f.job.group === group);
        if (mine.length === 0) continue;
        await queue.addBulk(
          mine.map(({ job, id }) => ({
            name: 'run',
            data: { key: job.key, data: job.data },
            opts: { jobId: id, attempts: options.attempts ?? 5, backoff: { type: 'exponential', delay: options.backoffMs ?? 2_000 }, removeOnComplete: false, removeOnFail: false },
          })),
        );
        added += mine.length;
      }
    }
  } finally {
    await Promise.all([...queues.values()].map((q) => q.close()));
  }
  return { jobs: handles, added, existing, retried };
}

export interface JobOutcome<R> extends JobHandle {
  readonly state: 'completed' | 'failed';
  readonly result?: R;
  readonly error?: string;
  /** The runlens error code of a failure (NotFound, AuthError, …), when the handler threw a RunlensError. */
  readonly errorCode?: string;
  readonly attempts: number;
}

export interface WaitOptions {
  readonly prefix: string;
  readonly signal?: AbortSignal;
  /** Called as outcomes arrive: done so far, of how many. */
  readonly onProgress?: (done: number, total: number, outcome: JobOutcome<unknown>) => void;
  /** How often the states are read again, in case an event was missed (a reconnect). */
  readonly rescanMs?: number;
}

/**
 * The outcome of every job, in the order given. Finished jobs are read at once; the rest are
 * followed by queue events, with a rescan now and then because events can be missed.
 */
export async function waitForJobs<R>(location: QueueLocation, handles: readonly JobHandle[], options: WaitOptions): Promise<JobOutcome<R>[]> {
  const groups = new Set(handles.map((h) => h.group));
  const queues = openQueues(location, options.prefix, groups);
  const events = [...groups].map((g) => new QueueEvents(queueName(options.prefix, g), { connection: connectionOptions(location) }));
  const pending = new Map(handles.map((h) => [`${h.group}/${h.id}`, h]));
  const outcomes = new Map<string, JobOutcome<R>>();
  let wake: () => void = () => {};
  const settle = async (h: JobHandle): Promise<void> => {
    const slot = `${h.group}/${h.id}`;
    if (!pending.has(slot)) return;
    // State first, then the job: a job read while active and found finished a moment later would
    // carry no result.
    const queue = queues.get(h.group)!;
    const state = await queue.getJobState(h.id);
    if (state !== 'completed' && state !== 'failed') return;
    const job = await Job.fromId<{ key: string }, R>(queue, h.id);
    if (!job) return;
    if (!pending.delete(slot)) return;
    const failure = state === 'failed' ? splitReason(job.failedReason ?? '') : undefined;
    const outcome: JobOutcome<R> = {
      ...h,
      state,
      ...(state === 'completed' ? { result: job.returnvalue } : {}),
      ...(failure ? { error: failure.message, ...(failure.code ? { errorCode: failure.code } : {}) } : {}),
      attempts: job.attemptsMade,
    };
    outcomes.set(slot, outcome);
    options.onProgress?.(outcomes.size, handles.length, outcome);
    if (pending.size === 0) wake();
  };
  const inFlight = new Set<Promise<void>>();
  // One listener for the whole wait (not one per rescan).
  const aborted = new Promise<never>((_, reject) => {
    if (options.signal?.aborted) reject(options.signal.reason);
    options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
  });
  aborted.catch(() => {});
  try {
    for (const [i, e] of events.entries()) {
      const group = [...groups][i]!;
      const onDone = ({ jobId }: { jobId: string }) => {
        const h = pending.get(`${group}/${jobId}`);
        if (!h) return;
        // Kept, and awaited before the connections close: an event's settle still reading the job
        // when a rescan has settled the last one would otherwise reject with "Connection is closed"
        // after the wait returned. A failed read is harmless: the rescan reads the job again.
        const settling = settle(h).catch(() => {});
        inFlight.add(settling);
        void settling.finally(() => inFlight.delete(settling));
      };
      e.on('completed', onDone);
      e.on('failed', onDone);
      await e.waitUntilReady();
    }
    while (pending.size > 0) {
      const todo = [...pending.values()];
      for (let start = 0; start < todo.length; start += CHUNK) await Promise.all(todo.slice(start, start + CHUNK).map(settle));
      if (pending.size === 0) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, options.rescanMs ?? 5_000);
          wake = resolve;
        }),
        aborted,
      ]).finally(() => clearTimeout(timer));
    }
  } finally {
    await Promise.all(inFlight);
    await Promise.all([...events.map((e) => e.close()), ...[...queues.values()].map((q) => q.close())]);
  }
  return handles.map((h) => outcomes.get(`${h.group}/${h.id}`)!);
}

function openQueues(location: QueueLocation, prefix: string, groups: Iterable<string>): Map<string, Queue> {
  const queues = new Map<string, Queue>();
  for (const group of groups) queues.set(group, new Queue(queueName(prefix, group), { connection: connectionOptions(location) }));
  return queues;
}
