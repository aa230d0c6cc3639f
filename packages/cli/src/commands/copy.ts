// `runlens copy`: runs into an MLflow tracking server (@runlens/copy, loaded only here). Given refs are
// copied in turn; `--provider` selects runs in bulk (journaled, a few at a time); `--queue` hands the
// runs to `runlens worker` processes through BullMQ.
import { invalidInput, RunlensError, type ErrorCode, type RunStatus } from '@runlens/core';
import type { BulkOutcome, SelectedRun } from '@runlens/copy';
import type { CommandContext } from '../context.js';
import { formatBytes, plural } from '../output/format.js';
import { statusLine } from '../output/progress.js';
import { listOption, timeOption } from './options.js';

export interface CopyCommandOptions {
  readonly to: string;
  readonly experiment?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly provider?: string[];
  readonly status?: RunStatus[];
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly concurrency?: number;
  /** A path, or false for --no-journal. */
  readonly journal?: string | false;
  readonly queue?: string;
  /** false for --no-wait. */
  readonly wait?: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

export async function copyCommand(context: CommandContext, refs: string[], options: CopyCommandOptions, env: Env, cwd?: string): Promise<number> {
  const bulk = (options.provider?.length ?? 0) > 0;
  if (refs.length > 0 && bulk) throw invalidInput('copy: give run references or --provider, not both');
  if (refs.length === 0 && !bulk) throw invalidInput('copy: give run references, or select runs with --provider');
  if (!bulk) for (const flag of ['since', 'until', 'status', 'limit'] as const) if (options[flag] !== undefined) throw invalidInput(`copy: --${flag} selects runs together with --provider`);
  if (options.queue !== undefined && options.dryRun) throw invalidInput('copy: --dry-run reads and plans on this machine; it does not go with --queue');
  if (options.wait === false && options.queue === undefined) throw invalidInput('copy: --no-wait goes with --queue');
  if (options.queue !== undefined && (options.concurrency !== undefined || options.journal !== undefined)) throw invalidInput('copy: with --queue the workers copy: --concurrency and --journal are worker-side (runlens worker --concurrency)');
  const since = timeOption('--since', options.since);
  const until = timeOption('--until', options.until);
  if (since !== undefined && until !== undefined && since >= until) throw invalidInput('--since must be earlier than --until');

  const copy = await import('@runlens/copy');
  const runs: SelectedRun[] = bulk
    ? await copy.selectRuns(context.runlens, { providers: options.provider!, ...(listOption(options.status) ? { status: options.status! } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) }, context.signal)
    : refs.map((text) => ({ ...copy.canonicalRef(context.runlens, text, cwd), final: false }));
  // Given refs are reported as typed; selected ones by their canonical ref.
  const shown = (ref: string, index: number) => (bulk ? ref : (refs[index] ?? ref));
  if (bulk && runs.length === 0) {
    context.warn('copy: no runs match the selection');
    return 0;
  }
  // A queued job outlives this directory: local archives go by absolute path.
  if (options.queue !== undefined) return queued(context, copy, runs.map((r) => ({ ...r, ...copy.canonicalRef(context.runlens, r.ref, cwd) })), options, shown);

  const journal = options.journal === false ? undefined : (options.journal ?? (bulk ? copy.defaultJournalPath(env, copy.parseTrackingUri(options.to, env), options.experiment) : undefined));
  const status = statusLine(context.stderr);
  let done = 0;
  let outcomes: BulkOutcome[];
  try {
    outcomes = await copy.copyBulk(
      context.runlens,
      bulk ? runs : runs.map((r, i) => ({ ...r, ref: refs[i]! })),
      {
        to: options.to,
        env,
        ...(options.experiment !== undefined ? { experiment: options.experiment } : {}),
        ...(journal ? { journal } : {}),
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : bulk ? {} : { concurrency: 1 }),
        dryRun: options.dryRun === true,
        signal: context.signal,
        onProgress: (event) => status.show(`${runs.length > 1 ? `[${done}/${runs.length}] ` : ''}copying ${event.ref}: ${event.phase}: ${event.detail}…`),
        onWarning: (warning) => {
          status.clear();
          // Warnings from the source's query API already name the run.
          context.warn(warning.message.startsWith(`${warning.ref}: `) ? warning.message : `${warning.ref}: ${warning.message}`);
        },
        onOutcome: (outcome, count) => {
          done = count;
          status.clear();
          report(context, outcome, options);
        },
      },
    );
  } finally {
    status.clear();
  }
  if (!options.json && bulk) context.out.line(summary(outcomes, journal));
  return exitCode(context, outcomes.map((o) => (o.status === 'failed' && o.error ? { code: o.error.code, message: o.error.message, ref: o.source } : undefined)));
}

async function queued(context: CommandContext, copy: typeof import('@runlens/copy'), runs: SelectedRun[], options: CopyCommandOptions, shown: (ref: string, i: number) => string): Promise<number> {
  const [{ parseQueueUrl, checkRedis }, { enqueueCopies, waitForCopies }] = await Promise.all([import('@runlens/queue'), import('@runlens/copy/queue')]);
  const location = parseQueueUrl(options.queue!);
  const to = copy.parseTrackingUri(options.to);
  await checkRedis(location);
  const queuedRuns = await enqueueCopies(location, runs, { to, ...(options.experiment !== undefined ? { experiment: options.experiment } : {}) });
  const parts = [...(queuedRuns.added ? [`${queuedRuns.added} new`] : []), ...(queuedRuns.existing ? [`${queuedRuns.existing} already queued or done`] : []), ...(queuedRuns.retried ? [`${queuedRuns.retried} failed before, queued again`] : [])];
  note(context, `queued ${plural(runs.length, 'run')} on ${location.display} (${parts.join(', ')}); \`runlens worker --queue ${location.display}\` copies them`);
  if (options.wait === false) return 0;
  const status = statusLine(context.stderr);
  let outcomes;
  try {
    outcomes = await waitForCopies(location, queuedRuns.jobs, {
      signal: context.signal,
      onProgress: (done, total) => status.show(`waiting for workers: ${done}/${total} runs finished…`),
    });
  } finally {
    status.clear();
  }
  const failures: ({ code: string; message: string; ref: string } | undefined)[] = [];
  const copied: BulkOutcome[] = [];
  outcomes.forEach((o, i) => {
    const ref = shown(runs[i]!.ref, i);
    if (o.state === 'completed' && o.result) {
      report(context, o.result, options);
      copied.push(o.result);
      failures.push(undefined);
    } else {
      if (options.json) context.out.line(JSON.stringify({ source: ref, status: 'failed', error: { code: o.errorCode ?? 'ProviderError', message: o.error ?? 'failed' }, attempts: o.attempts }));
      failures.push({ code: o.errorCode ?? 'ProviderError', message: o.error ?? 'failed', ref });
    }
  });
  if (!options.json && runs.length > 1) context.out.line(summary([...copied, ...failures.filter((f) => f).map((f) => ({ status: 'failed' }) as BulkOutcome)], undefined));
  return exitCode(context, failures);
}

/** A line for the person at the terminal (not a warning), after the output so far. */
function note(context: CommandContext, message: string): void {
  context.out.flushNow();
  context.stderr.write(`${message}\n`);
}

function report(context: CommandContext, outcome: BulkOutcome, options: CopyCommandOptions): void {
  if (options.json) context.out.line(JSON.stringify(outcome));
  else if (outcome.status !== 'failed') context.out.line(describeOutcome(outcome, options.to));
}

function summary(outcomes: readonly BulkOutcome[], journal: string | undefined): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const label = o.skipped === 'journal' ? 'skipped (done, per the journal)' : o.status;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return `copy: ${plural(outcomes.length, 'run')}: ${[...counts].map(([label, n]) => `${n} ${label}`).join(', ')}${journal ? `; journal: ${journal}` : ''}`;
}

/** One stderr line per failed run; the exit code is the first failure's. */
async function exitCode(context: CommandContext, failures: readonly ({ code: string; message: string; ref: string } | undefined)[]): Promise<number> {
  let code = 0;
  for (const failure of failures) {
    if (!failure) continue;
    const { exitCodeFor, errorLine } = await import('../exit.js');
    const error = new RunlensError(failure.code as ErrorCode, failure.message, {});
    context.out.flushNow();
    context.stderr.write(`${errorLine(error)!.replace(/^runlens: /, `runlens: copy ${failure.ref}: `)}\n`);
    if (code === 0) code = exitCodeFor(error);
  }
  return code;
}

type Outcome = Awaited<ReturnType<typeof import('@runlens/copy').copyRuns>>[number];

function describeOutcome(outcome: Outcome, to: string): string {
  const w = outcome.written;
  // The MLflow UI's run link on a self-hosted server; Azure ML (Studio) and SageMaker (a presigned UI URL) show runs elsewhere.
  const web = /^https?:\/\//i.test(to.trim());
  const where = !outcome.runId ? `experiment '${outcome.experiment}'` : web ? `${to.trim().replace(/\/+$/, '')}/#/experiments/${outcome.experimentId}/runs/${outcome.runId}` : `run ${outcome.runId} in experiment '${outcome.experiment}' of ${to.trim()}`;
  const parts = [
    plural(w.params, 'param'),
    plural(w.tags, 'tag'),
    `${plural(w.points, 'metric point')} (${plural(w.series, 'series', 'series')}, ${plural(w.batches, 'log-batch request')})`,
    `${plural(w.logFiles, 'log file')}${outcome.status === 'planned' ? '' : ` (${plural(w.logLines, 'line')})`}`,
    `${plural(w.artifacts, 'artifact')} (${formatBytes(w.artifactBytes)})`,
  ].join(', ');
  switch (outcome.status) {
    case 'unchanged':
      return `${outcome.source}: already copied to ${where}${(outcome as BulkOutcome).skipped === 'journal' ? ' (per the journal)' : ''}`;
    case 'planned':
      return `${outcome.source}: would ${outcome.runId ? `complete ${where}` : `create a run in experiment '${outcome.experiment}'`}: ${parts}`;
    default:
      return `${outcome.source}: ${outcome.status} ${where}: ${parts}`;
  }
}
