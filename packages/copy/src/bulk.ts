// Bulk copy on one machine: the runs a filter selects, a few at a time, each outcome journaled as it
// finishes so a rerun after an interruption skips what is done.
import path from 'node:path';
import { formatRef, isTerminal, type RunStatus, type Runlens } from '@runlens/core';
import { openCopier, zero, type CopyOptions, type CopyOutcome } from './copy.js';
import { CopyJournal, journalKey } from './journal.js';
import { parseTrackingUri } from './target.js';

export interface Selection {
  readonly providers: readonly string[];
  /** Epoch ms: runs created at or after. */
  readonly since?: number;
  /** Epoch ms: runs created before. */
  readonly until?: number;
  readonly status?: readonly RunStatus[];
  readonly limit?: number;
}

/** A run to copy, and whether it had ended when selected (only then is its copy final). */
export interface SelectedRun {
  readonly ref: string;
  readonly provider: string;
  readonly final: boolean;
}

/**
 * The runs a filter selects, oldest first (so a bulk copy's journal grows in a stable order). A
 * provider whose listing fails fails the selection: a bulk copy must not quietly copy part of it.
 */
export async function selectRuns(runlens: Runlens, selection: Selection, signal?: AbortSignal): Promise<SelectedRun[]> {
  const { runs } = await runlens.list({
    providers: [...selection.providers],
    ...(selection.status ? { status: [...selection.status] } : {}),
    ...(selection.since !== undefined ? { since: selection.since } : {}),
    ...(selection.until !== undefined ? { until: selection.until } : {}),
    ...(selection.limit !== undefined ? { limit: selection.limit } : {}),
    ...(signal ? { signal } : {}),
  });
  return runs.reverse().map((r) => ({ ref: r.ref, provider: r.provider, final: isTerminal(r.status) }));
}

/**
 * The canonical text of a ref as typed: `provider:id`, with a local archive's path made absolute
 * (a journal or a queue outlives the directory the command ran in).
 */
export function canonicalRef(runlens: Runlens, text: string, cwd = process.cwd()): { ref: string; provider: string } {
  const ref = runlens.resolve(text);
  if (ref.provider === 'local' && !path.isAbsolute(ref.id)) return { ref: formatRef({ provider: 'local', id: path.resolve(cwd, ref.id) }), provider: 'local' };
  return { ref: formatRef(ref), provider: ref.provider };
}

export interface BulkCopyOptions extends CopyOptions {
  /** The journal file; none when undefined. */
  readonly journal?: string;
  /** Runs copied at once (default DEFAULT_BULK_CONCURRENCY). */
  readonly concurrency?: number;
  /** Each run's outcome as it finishes; `skipped` when the journal already had a final copy. */
  readonly onOutcome?: (outcome: BulkOutcome, done: number, total: number) => void;
}

/**
 * Runs copied at once by default, on one machine and per provider in a worker. A small run's copy is
 * some twenty round trips one after another, so a few at once keep the provider and the tracking
 * server busy; core's per-operation budgets (e.g. SageMaker's DescribeLogStreams at 5/s) cap the rate
 * whatever the concurrency, so more would only wait.
 */
export const DEFAULT_BULK_CONCURRENCY = 4;

export type BulkOutcome = CopyOutcome & { readonly skipped?: 'journal' };

export async function copyBulk(runlens: Runlens, runs: readonly SelectedRun[], options: BulkCopyOptions): Promise<BulkOutcome[]> {
  const copier = await openCopier(runlens, options);
  const to = parseTrackingUri(options.to, options.env ?? process.env);
  const journal = options.journal && !options.dryRun ? await CopyJournal.open(options.journal) : undefined;
  const outcomes: BulkOutcome[] = new Array(runs.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < runs.length) {
      if (options.signal?.aborted) return;
      const index = next++;
      const run = runs[index]!;
      const key = journalKey(to, options.experiment, run.ref);
      const earlier = journal?.finished(key);
      let outcome: BulkOutcome;
      if (earlier) {
        outcome = { source: run.ref, status: 'unchanged', ...(earlier.runId ? { runId: earlier.runId } : {}), ...(earlier.experimentId ? { experimentId: earlier.experimentId } : {}), written: zero(), present: zero(), warnings: [], skipped: 'journal' };
      } else {
        outcome = await copier.copy(run.ref);
        await journal?.record(key, outcome, run.final);
      }
      outcomes[index] = outcome;
      options.onOutcome?.(outcome, ++done, runs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? DEFAULT_BULK_CONCURRENCY, runs.length)) }, worker));
  options.signal?.throwIfAborted();
  return outcomes;
}
