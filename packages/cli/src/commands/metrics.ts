import type { MetricKind, MetricSeries } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { csvRow, formatTime, formatValue } from '../output/format.js';
import { plotLines } from '../output/plot.js';
import { renderTable } from '../output/table.js';
import { listOption, timeOption } from './options.js';

export interface MetricsOptions {
  readonly metric?: string[];
  readonly node?: string[];
  readonly kind?: MetricKind;
  readonly since?: string;
  readonly until?: string;
  readonly json?: boolean;
  readonly csv?: boolean;
  readonly plot?: boolean;
}

export const CSV_HEADER = 'name,node,kind,unit,timestamp,step,value';

export async function metricsCommand(context: CommandContext, ref: string, options: MetricsOptions): Promise<number> {
  const result = await context.runlens.metrics(ref, {
    names: listOption(options.metric),
    nodes: listOption(options.node),
    kind: options.kind,
    since: timeOption('--since', options.since),
    until: timeOption('--until', options.until),
    signal: context.signal,
  });
  context.warnAll(result.warnings);
  const { out } = context;
  if (options.json) {
    out.line(JSON.stringify({ series: result.series }, null, 2));
  } else if (options.csv) {
    out.line(CSV_HEADER);
    for (const s of result.series) {
      for (const p of s.points) {
        out.line(csvRow([s.name, s.node, s.kind, s.unit, new Date(p.timestamp).toISOString(), p.step, p.value]));
      }
      await out.ready();
    }
  } else if (options.plot) {
    out.lines(plotSeries(result.series, context));
  } else if (result.series.length === 0) {
    out.line('no metric series');
  } else {
    out.lines(renderTable(COLUMNS, result.series.map(summaryRow), context.color));
  }
  return 0;
}

const COLUMNS = [
  { header: 'name' },
  { header: 'node' },
  { header: 'kind' },
  { header: 'unit' },
  { header: 'points', align: 'right' as const },
  { header: 'last', align: 'right' as const },
  { header: 'min', align: 'right' as const },
  { header: 'max', align: 'right' as const },
];

function summaryRow(series: MetricSeries): string[] {
  const numbers = series.points.map((p) => p.value).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const present = series.points.filter((p) => p.value !== null);
  const last = present[present.length - 1]?.value;
  return [
    series.name,
    series.node ?? '-',
    series.kind,
    series.unit ?? '-',
    String(series.points.length),
    truncate(formatValue(last), 24),
    numbers.length > 0 ? formatValue(Math.min(...numbers)) : '-',
    numbers.length > 0 ? formatValue(Math.max(...numbers)) : '-',
  ];
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function seriesTitle(series: MetricSeries): string {
  return `${series.name}${series.node ? ` @ ${series.node}` : ''}${series.unit ? ` (${series.unit})` : ''}`;
}

/** One chart per series, points left to right in order, a missing sample (null) left as a gap. */
function plotSeries(series: readonly MetricSeries[], context: CommandContext): string[] {
  const c = context.color;
  if (series.length === 0) return ['no metric series'];
  const lines: string[] = [];
  for (const s of series) {
    if (lines.length > 0) lines.push('');
    lines.push(c.bold(seriesTitle(s)));
    if (s.valueType === 'string') {
      lines.push('  (text values: nothing to plot)');
      continue;
    }
    const values = s.points.map((p) => (typeof p.value === 'number' && Number.isFinite(p.value) ? p.value : null));
    lines.push(...plotLines([{ label: s.name, values }], { columns: context.columns, colors: c }));
    const first = s.points[0];
    const last = s.points[s.points.length - 1];
    if (first && last) {
      const steps = first.step !== undefined && last.step !== undefined ? `, steps ${first.step}–${last.step}` : '';
      lines.push(c.dim(`  ${s.points.length} points, ${formatTime(new Date(first.timestamp).toISOString())} → ${formatTime(new Date(last.timestamp).toISOString())}${steps}`));
    }
  }
  return lines;
}
