// `runlens copy REF... --to URI`: runs into an MLflow tracking server (@runlens/copy, loaded only here).
import { RunlensError } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { formatBytes, plural } from '../output/format.js';
import { statusLine } from '../output/progress.js';

export interface CopyCommandOptions {
  readonly to: string;
  readonly experiment?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

export async function copyCommand(context: CommandContext, refs: string[], options: CopyCommandOptions, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [{ copyRuns }, { exitCodeFor, errorLine }] = await Promise.all([import('@runlens/copy'), import('../exit.js')]);
  const status = statusLine(context.stderr);
  let outcomes;
  try {
    outcomes = await copyRuns(context.runlens, refs, {
      to: options.to,
      env,
      ...(options.experiment !== undefined ? { experiment: options.experiment } : {}),
      dryRun: options.dryRun === true,
      signal: context.signal,
      onProgress: (event) => status.show(`copying ${event.ref}: ${event.phase}: ${event.detail}…`),
      onWarning: (warning) => {
        status.clear();
        context.warn(`${warning.ref}: ${warning.message}`);
      },
    });
  } finally {
    status.clear();
  }
  let code = 0;
  for (const outcome of outcomes) {
    if (options.json) {
      context.out.line(JSON.stringify(outcome));
    } else if (outcome.status !== 'failed') {
      context.out.line(describeOutcome(outcome, options.to));
    }
    if (outcome.status === 'failed' && outcome.error) {
      const error = new RunlensError(outcome.error.code as never, outcome.error.message, {});
      context.out.flushNow();
      context.stderr.write(`${errorLine(error)!.replace(/^runlens: /, `runlens: copy ${outcome.source}: `)}\n`);
      if (code === 0) code = exitCodeFor(error);
    }
  }
  return code;
}

type Outcome = Awaited<ReturnType<typeof import('@runlens/copy').copyRuns>>[number];

function describeOutcome(outcome: Outcome, to: string): string {
  const w = outcome.written;
  const where = outcome.runId ? `${to.replace(/\/+$/, '')}/#/experiments/${outcome.experimentId}/runs/${outcome.runId}` : `experiment '${outcome.experiment}'`;
  const parts = [
    plural(w.params, 'param'),
    plural(w.tags, 'tag'),
    `${plural(w.points, 'metric point')} (${plural(w.series, 'series', 'series')}, ${plural(w.batches, 'log-batch request')})`,
    `${plural(w.logFiles, 'log file')}${outcome.status === 'planned' ? '' : ` (${plural(w.logLines, 'line')})`}`,
    `${plural(w.artifacts, 'artifact')} (${formatBytes(w.artifactBytes)})`,
  ].join(', ');
  switch (outcome.status) {
    case 'unchanged':
      return `${outcome.source}: already copied to ${where}`;
    case 'planned':
      return `${outcome.source}: would ${outcome.runId ? `complete ${where}` : `create a run in experiment '${outcome.experiment}'`}: ${parts}`;
    default:
      return `${outcome.source}: ${outcome.status} ${where}: ${parts}`;
  }
}
