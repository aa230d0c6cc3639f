// The bulk copy's local journal: one JSON line per finished run, appended as each finishes, so a rerun
// of the same command after an interruption skips what is done. The copy itself is idempotent (it
// finds its earlier copy by the source tag): the journal saves the reads that would prove it, and
// says what happened.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { onLocalFiles } from '@runlens/core';
import type { CopyOutcome } from './copy.js';

export interface JournalEntry {
  readonly key: string;
  readonly ref: string;
  readonly status: CopyOutcome['status'];
  readonly runId?: string;
  readonly experimentId?: string;
  /** Whether the source run had ended when it was copied: only then is the copy final. */
  readonly final: boolean;
  readonly at: string;
}

/** What names one run's copy: the target, the experiment asked for, and the run. */
export function journalKey(to: string, experiment: string | undefined, ref: string): string {
  return `${to}\n${experiment ?? ''}\n${ref}`;
}

/** `$XDG_STATE_HOME/runlens/copy/<hash of target and experiment>.jsonl` (default `~/.local/state`). */
export function defaultJournalPath(env: Readonly<Record<string, string | undefined>>, to: string, experiment: string | undefined): string {
  const state = env.XDG_STATE_HOME || path.join(env.HOME || homedir(), '.local', 'state');
  const name = createHash('sha256').update(`${to}\n${experiment ?? ''}`).digest('hex').slice(0, 16);
  return path.join(state, 'runlens', 'copy', `${name}.jsonl`);
}

const SIDE = 'copy journal';

export class CopyJournal {
  private readonly done = new Map<string, JournalEntry>();
  private constructor(readonly file: string) {}

  static async open(file: string): Promise<CopyJournal> {
    const journal = new CopyJournal(file);
    const text = await onLocalFiles(SIDE, () => readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e))), file);
    for (const line of text.split('\n')) {
      if (!line) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // a line torn by a crash mid-append: that run is simply copied again
      }
      if (entry.final && entry.status !== 'failed' && entry.status !== 'planned') journal.done.set(entry.key, entry);
      else journal.done.delete(entry.key);
    }
    await onLocalFiles(SIDE, () => mkdir(path.dirname(file), { recursive: true }), path.dirname(file));
    return journal;
  }

  /** The earlier, final copy of this key, if the journal has one. */
  finished(key: string): JournalEntry | undefined {
    return this.done.get(key);
  }

  async record(key: string, outcome: CopyOutcome, final: boolean): Promise<void> {
    const entry: JournalEntry = { key, ref: outcome.source, status: outcome.status, ...(outcome.runId ? { runId: outcome.runId } : {}), ...(outcome.experimentId ? { experimentId: outcome.experimentId } : {}), final, at: new Date().toISOString() };
    if (entry.final && entry.status !== 'failed' && entry.status !== 'planned') this.done.set(key, entry);
    // One write per line, with O_APPEND: a crash leaves at most one torn last line.
    await onLocalFiles(SIDE, () => appendFile(this.file, `${JSON.stringify(entry)}\n`), this.file);
  }
}
