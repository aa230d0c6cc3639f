// `runlens worker --queue URL`: copies the runs `runlens copy --queue` enqueued, until Ctrl-C or
// SIGTERM; then it stops taking jobs, finishes the ones it holds and exits 0 (a second Ctrl-C exits at
// once: its runs are taken over by another worker when their locks expire).
import { invalidInput, parseDuration } from '@runlens/core';
import type { CommandContext } from '../context.js';

export interface WorkerCommandOptions {
  readonly queue: string;
  readonly provider?: string[];
  readonly concurrency?: number;
  readonly rate?: string[];
  readonly lock?: string;
  readonly json?: boolean;
}

export async function workerCommand(context: CommandContext, options: WorkerCommandOptions): Promise<number> {
  const [{ parseQueueUrl, checkRedis }, { startCopyWorker }] = await Promise.all([import('@runlens/queue'), import('@runlens/copy/queue')]);
  const location = parseQueueUrl(options.queue);
  const installed = context.runlens.providers();
  const groups = options.provider?.length ? options.provider : installed;
  for (const group of groups) if (!installed.includes(group)) throw invalidInput(`--provider: unknown provider '${group}' (one of: ${installed.join(', ')})`);
  const limits = parseRates(options.rate ?? [], installed);
  const lockDurationMs = options.lock !== undefined ? durationOption('--lock', options.lock) : undefined;
  await checkRedis(location);
  const worker = await startCopyWorker(context.runlens, location, {
    groups,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(lockDurationMs !== undefined ? { lockDurationMs, stalledIntervalMs: Math.max(500, Math.floor(lockDurationMs / 2)) } : {}),
    limits,
    onOutcome: (outcome) => {
      if (options.json) context.out.line(JSON.stringify(outcome));
      else if (outcome.status !== 'failed') context.out.line(`${outcome.source}: ${outcome.status}${outcome.runId ? ` (MLflow run ${outcome.runId})` : ''}`);
    },
    onEvent: (event) => {
      if (event.type === 'failed') context.warn(`${event.key.split('\n').at(-1)}: ${event.message}${event.final ? '' : ' (will be tried again)'}`);
      else if (event.type === 'throttled') context.warn(`${event.group} is throttling: every worker pauses its runs for ${Math.round(event.pauseMs / 1000)} s`);
      else if (event.type === 'error') context.warn(`queue: ${event.message}`);
    },
  });
  note(context, `runlens worker: copying queued runs of ${groups.join(', ')} from ${location.display}; Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve();
    context.signal.addEventListener('abort', () => resolve(), { once: true });
    process.once('SIGTERM', () => resolve());
  });
  note(context, 'runlens worker: stopping: finishing the runs in hand (Ctrl-C again to leave them to another worker)');
  await worker.close();
  return 0;
}

function note(context: CommandContext, message: string): void {
  context.out.flushNow();
  context.stderr.write(`${message}\n`);
}

function durationOption(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    throw invalidInput(`${flag}: ${(e as Error).message}`);
  }
}

/** `sagemaker=10/1m` → at most 10 runs of SageMaker started per minute, across all workers. */
function parseRates(rates: readonly string[], installed: readonly string[]): Record<string, { max: number; durationMs: number }> {
  const limits: Record<string, { max: number; durationMs: number }> = {};
  for (const rate of rates) {
    const m = /^([a-z0-9_-]+)=(\d+)\/(.+)$/i.exec(rate.trim());
    if (!m || Number(m[2]) < 1) throw invalidInput(`--rate: expected provider=n/duration (e.g. sagemaker=10/1m), not '${rate}'`);
    const provider = m[1]!.toLowerCase();
    if (!installed.includes(provider)) throw invalidInput(`--rate: unknown provider '${provider}' (one of: ${installed.join(', ')})`);
    limits[provider] = { max: Number(m[2]), durationMs: durationOption('--rate', m[3]!) };
  }
  return limits;
}
