import { formatDuration, invalidInput, type Comparison } from '@runlens/core';
import type { CommandContext } from '../context.js';
import type { Colors } from '../output/color.js';
import { formatValue } from '../output/format.js';
import { alignCurves, plotLines } from '../output/plot.js';
import { renderTable } from '../output/table.js';
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
  else context.out.lines(comparisonTable(comparison, context.color));
  return 0;
}

/** One column per run; rows: name, provider, status, duration, then final and best of each metric. */
export function comparisonTable(comparison: Comparison, c: Colors): string[] {
  const { runs } = comparison;
  const rows: string[][] = [
    ['name', ...runs.map((r) => r.name)],
    ['provider', ...runs.map((r) => r.provider)],
    ['status', ...runs.map((r) => paintStatus(c, r.status))],
    ['duration', ...runs.map((r) => (r.durationMs !== undefined ? formatDuration(r.durationMs) : '-'))],
  ];
  for (const metric of comparison.metrics) {
    rows.push([`${metric} final`, ...runs.map((r) => formatValue(r.metrics[metric]?.final))]);
    rows.push([
      `${metric} best`,
      ...runs.map((r) => {
        const summary = r.metrics[metric];
        if (!summary || summary.best === null) return '-';
        return `${formatValue(summary.best)}${summary.bestStep !== undefined ? ` (step ${summary.bestStep})` : ''}`;
      }),
    ]);
  }
  return renderTable([{ header: '' }, ...runs.map((r) => ({ header: r.ref }))], rows, c);
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
