import { compareNatural, formatDuration, isTerminal, type Run, type RunNode, type RunStatus } from '@runlens/core';
import type { Colors } from '../output/color.js';
import { formatColumn, formatTime } from '../output/format.js';
import { renderFields } from '../output/table.js';
import type { CommandContext } from '../context.js';

export interface DescribeOptions {
  readonly json?: boolean;
}

export async function describeCommand(context: CommandContext, ref: string, options: DescribeOptions): Promise<number> {
  const run = await context.runlens.describe(ref, { signal: context.signal });
  if (options.json) context.out.line(JSON.stringify(run, null, 2));
  else context.out.lines(renderRun(run, context.color));
  return 0;
}

export function paintStatus(c: Colors, status: RunStatus): string {
  const paint = { completed: c.green, failed: c.red, stopped: c.yellow, running: c.cyan, pending: c.dim }[status];
  return paint ? paint(status) : status;
}

function duration(run: Run, now = Date.now()): string | undefined {
  if (!run.startedAt) return undefined;
  const start = Date.parse(run.startedAt);
  if (run.endedAt) return formatDuration(Date.parse(run.endedAt) - start);
  return isTerminal(run.status) ? undefined : `${formatDuration(now - start)} so far`;
}

/** `algo-7` → [`algo-`, 7]; undefined for a name without a trailing number. */
function numbered(name: string): [string, number] | undefined {
  const m = /^(.*?)(\d{1,9})$/.exec(name);
  return m ? [m[1]!, Number(m[2])] : undefined;
}

/** Nodes in a run of at least this many consecutive names with the same details print as one line. */
const GROUP_AT = 3;

/**
 * One line per node, except that a run of consecutively numbered nodes with the same instance type
 * and status is one line: `algo-1…algo-60 (ml.p4d.24xlarge) ×60`.
 */
export function nodeLines(nodes: readonly RunNode[]): string[] {
  const details = (n: RunNode) => [n.instanceType, n.status].filter(Boolean).join(', ');
  const label = (text: string, n: RunNode) => (details(n) ? `${text} (${details(n)})` : text);
  const lines: string[] = [];
  for (let i = 0; i < nodes.length; ) {
    const first = nodes[i]!;
    const start = numbered(first.name);
    let j = i + 1;
    if (start) {
      while (j < nodes.length) {
        const next = numbered(nodes[j]!.name);
        if (!next || next[0] !== start[0] || next[1] !== start[1] + (j - i) || details(nodes[j]!) !== details(first)) break;
        j++;
      }
    }
    if (j - i >= GROUP_AT) {
      lines.push(`${label(`${first.name}…${nodes[j - 1]!.name}`, first)} ×${j - i}`);
      i = j;
    } else {
      lines.push(label(first.name, first));
      i++;
    }
  }
  return lines;
}

/** The readable block `runlens describe` prints. */
export function renderRun(run: Run, c: Colors): string[] {
  const origin = (run as Run & { origin?: { ref: string } }).origin;
  const fields: [string, string][] = [
    ['ref', run.ref],
    ...(origin ? ([['exported from', origin.ref]] as [string, string][]) : []),
    ['status', `${paintStatus(c, run.status)}${run.providerStatus && run.providerStatus !== run.status ? ` (${run.providerStatus})` : ''}`],
    ['created', formatTime(run.createdAt)],
    ['started', formatTime(run.startedAt)],
    ['ended', formatTime(run.endedAt)],
  ];
  const took = duration(run);
  if (took) fields.push(['duration', took]);
  const nodes = nodeLines(run.nodes);
  fields.push(['nodes', nodes.length > 0 ? nodes.join('\n') : '-']);

  const lines = [c.bold(run.name), ...renderFields(fields, c, '  ')];
  const section = (title: string, body: string[]) => {
    if (body.length === 0) return;
    lines.push('', c.bold(title), ...body);
  };

  if (run.failure) {
    const f = run.failure;
    section('failure', [
      ...renderFields(
        [
          ['category', c.red(f.category)],
          ...(f.code ? ([['code', f.code]] as [string, string][]) : []),
          ['reason', f.reason],
        ],
        c,
        '  ',
      ),
      ...(f.evidence.length > 0 ? ['  evidence', ...f.evidence.map((l) => `    ${l}`)] : []),
    ]);
  }
  section('hyperparameters', renderFields(Object.entries(run.hyperparameters).sort(([a], [b]) => compareNatural(a, b)), c, '  '));
  const finals = Object.entries(run.finalMetrics ?? {});
  const finalValues = formatColumn(finals.map(([, v]) => v));
  section('final metrics', renderFields(finals.map(([k], i) => [k, finalValues[i]!] as [string, string]), c, '  '));
  section('tags', renderFields(Object.entries(run.tags ?? {}), c, '  '));
  const timeline = run.timeline ?? [];
  const statusWidth = Math.max(0, ...timeline.map((e) => e.status.length));
  section(
    'timeline',
    timeline.map((e) => `  ${c.dim(formatTime(e.at))}  ${e.message ? `${e.status.padEnd(statusWidth)}  ${e.message}` : e.status}`),
  );
  return lines;
}
