import { selectMetrics, type MetricDescriptor, type MetricKind, type MetricSeries, type Warning } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { csvRow, formatColumn, formatTime, plural } from '../output/format.js';
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
  readonly list?: boolean;
}

export const CSV_HEADER = 'name,node,kind,unit,timestamp,step,value';

export async function metricsCommand(context: CommandContext, ref: string, options: MetricsOptions): Promise<number> {
  if (options.list) return listCommand(context, ref, options);
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
    out.lines(renderTable(COLUMNS, summaryRows(result.series), context.color));
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

/** One row per series; each of last, min and max to one precision down the column. */
function summaryRows(series: readonly MetricSeries[]): string[][] {
  const stats = series.map((s) => {
    const numbers = s.points.map((p) => p.value).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const present = s.points.filter((p) => p.value !== null);
    return {
      last: present[present.length - 1]?.value,
      min: numbers.length > 0 ? Math.min(...numbers) : undefined,
      max: numbers.length > 0 ? Math.max(...numbers) : undefined,
    };
  });
  const last = formatColumn(stats.map((s) => s.last));
  const min = formatColumn(stats.map((s) => s.min));
  const max = formatColumn(stats.map((s) => s.max));
  return series.map((s, i) => [s.name, s.node ?? '-', s.kind, s.unit ?? '-', String(s.points.length), truncate(last[i]!, 24), min[i]!, max[i]!]);
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
      lines.push(c.dim(`  ${plural(s.points.length, 'point')}, ${formatTime(new Date(first.timestamp).toISOString())} → ${formatTime(new Date(last.timestamp).toISOString())}${steps}`));
    }
  }
  return lines;
}

/** `--list`: which series there are (after --metric/--node/--kind), without reading a point. */
async function listCommand(context: CommandContext, ref: string, options: MetricsOptions): Promise<number> {
  const all = await context.runlens.metricDescriptors(ref, { signal: context.signal });
  const warnings: Warning[] = [];
  const run = context.runlens.resolve(ref);
  const selected = selectMetrics(all, { names: listOption(options.metric), nodes: listOption(options.node), kind: options.kind }, warnings, `${run.provider}:${run.id}`);
  context.warnAll(warnings);
  const rows = [...selected].sort((a, b) => a.name.localeCompare(b.name) || (a.node ?? '').localeCompare(b.node ?? '', 'en', { numeric: true }));
  if (options.json) {
    context.out.line(JSON.stringify({ metrics: rows }, null, 2));
  } else if (options.csv) {
    context.out.line('name,node,kind,unit');
    for (const d of rows) context.out.line(csvRow([d.name, d.node, d.kind, d.unit]));
  } else if (rows.length === 0) {
    context.out.line('no metric series');
  } else {
    context.out.lines(renderTable([{ header: 'name' }, { header: 'node' }, { header: 'kind' }, { header: 'unit' }], rows.map(descriptorRow), context.color));
  }
  return 0;
}

function descriptorRow(d: MetricDescriptor): string[] {
  return [d.name, d.node ?? '-', d.kind, d.unit ?? '-'];
}
