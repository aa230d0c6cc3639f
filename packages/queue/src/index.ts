export { parseQueueUrl, checkRedis, type QueueLocation } from './redis.js';
export { jobIdFor, queueName, type BulkJob } from './jobs.js';
export { enqueue, waitForJobs, type EnqueueOptions, type EnqueueResult, type JobHandle, type JobOutcome, type WaitOptions } from './enqueue.js';
export { startWorker, type JobContext, type RunningWorker, type WorkerEvent, type WorkerOptions } from './worker.js';
