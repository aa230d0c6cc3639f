import { formatDuration, invalidInput, type Comparison } from '@runlens/core';
import type { CommandContext } from '../context.js';
import type { Colors } from '../output/color.js';
import { formatColumn, formatValue } from '../output/format.js';
import { alignCurves, plotLines } from '../output/plot.js';
import { renderFields, renderWrapped } from '../output/table.js';
import { paintStatus } from './describe.js';
import { listOption } from './options.js';

export interface CompareOptions {
  readonly metric?: string[];
  readonly json?: boolean;
  readonly plot?: boolean;
}

export async function compareCommand(context: CommandContext, refs: readonly string[], options: CompareOptions): Promise<number> {
  if (refs.length < 2) throw invalidInput('compare needs at least two run references');
  const comparison = await context.runlens.compare(refs, { metrics: listOption(options.metric), signal: context.signal });
  context.warnAll(comparison.warnings);
  if (options.json) context.out.line(JSON.stringify(comparison, null, 2));
  else if (options.plot) context.out.lines(plotComparison(comparison, context));
  else context.out.lines(comparisonTable(comparison, context.color, context.width));
  return 0;
}

/**
 * Column headings for refs: for each, the shortest tail (`rl-60node`, `runs/a`) no other ref ends
 * with, cut at `:` and `/`; `[1]`, `[2]`… when refs repeat.
 */
export function shortNames(refs: readonly string[]): string[] {
  const tokens = refs.map((ref) => ref.replace(/\/+$/, '').split(/(?<=[:/])/));
  const tail = (i: number, k: number) => tokens[i]!.slice(-k).join('');
  const names = refs.map((ref, i) => {
    for (let k = 1; k <= tokens[i]!.length; k++) {
      const name = tail(i, k);
      if (refs.every((_, j) => j === i || tail(j, k) !== name)) return name;
    }
    return ref;
  });
  return new Set(names).size === names.length ? names : refs.map((_, i) => `[${i + 1}]`);
}

/**
 * One column per run, headed by a short name (a legend maps short names to refs); rows: name,
 * provider, status, duration, then final and best of each metric, the values of one metric to one
 * precision. Wider than `width`, the run columns wrap into blocks that each repeat the row labels.
 */
export function comparisonTable(comparison: Comparison, c: Colors, width?: number): string[] {
  const { runs } = comparison;
  const rows: string[][] = [
    ['name', ...runs.map((r) => r.name)],
    ['provider', ...runs.map((r) => r.provider)],
    ['status', ...runs.map((r) => paintStatus(c, r.status))],
    ['duration', ...runs.map((r) => (r.durationMs !== undefined ? formatDuration(r.durationMs) : '-'))],
  ];
  for (const metric of comparison.metrics) {
    const summaries = runs.map((r) => r.metrics[metric]);
    const values = formatColumn([...summaries.map((s) => s?.final), ...summaries.map((s) => s?.best)]);
    rows.push([`${metric} final`, ...values.slice(0, runs.length)]);
    rows.push([
      `${metric} best`,
      ...summaries.map((summary, i) => {
        if (!summary || summary.best === null) return '-';
        return `${values[runs.length + i]}${summary.bestStep !== undefined ? ` (step ${summary.bestStep})` : ''}`;
      }),
    ]);
  }
  const names = shortNames(runs.map((r) => r.ref));
  const table = renderWrapped([{ header: '' }, ...names.map((header) => ({ header }))], rows, c, width);
  if (names.every((name, i) => name === runs[i]!.ref)) return table;
  return [...table, '', ...renderFields(names.map((name, i) => [name, runs[i]!.ref] as [string, string]), c)];
}

/** Per metric, one chart with a line per run on a shared x axis (steps, or seconds since each run's first point). */
function plotComparison(comparison: Comparison, context: CommandContext): string[] {
  const c = context.color;
  if (comparison.curves.length === 0) return ['no metrics to plot'];
  const lines: string[] = [];
  for (const curve of comparison.curves) {
    if (lines.length > 0) lines.push('');
    const axis = curve.x === 'step' ? 'step' : 'seconds since first point';
    lines.push(c.bold(`${curve.metric} by ${axis}`));
    const aligned = alignCurves(curve.runs.map((r) => r.points), 2_000);
    lines.push(...plotLines(curve.runs.map((r, i) => ({ label: r.ref, values: aligned.values[i] ?? [] })), { columns: context.columns, colors: c }));
    if (curve.runs.some((r) => r.points.length > 0)) lines.push(c.dim(`  x: ${formatValue(aligned.xMin)} → ${formatValue(aligned.xMax)} (${axis})`));
  }
  return lines;
}
