// A run's metric charts: one chart per training metric (by step when every point has one) and one
// per system metric with a line per node. Series are downsampled on the server (LTTB, gaps kept).
import { useMemo } from 'preact/hooks';
import type { MetricSeries } from '../api.js';
import { Chart, type Line } from './Chart.js';

/** Numeric points of a series as chart columns; strings are not charted, nulls stay gaps. */
export function columns(series: MetricSeries, x: 'time' | 'step' | 'seconds', origin = 0): { xs: number[]; ys: (number | null)[] } {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (const p of series.points) {
    if (typeof p.value === 'string') continue;
    const at = x === 'step' ? p.step : x === 'seconds' ? (p.timestamp - origin) / 1000 : p.timestamp / 1000;
    if (at === undefined) continue;
    // uPlot.join needs ascending x; equal x keeps the first value.
    if (xs.length > 0 && at <= xs[xs.length - 1]!) continue;
    xs.push(at);
    ys.push(p.value === null || Number.isFinite(p.value) ? p.value : null);
  }
  return { xs, ys };
}

export const hasSteps = (series: MetricSeries) => series.points.length > 0 && series.points.every((p) => p.step !== undefined);
const numeric = (series: MetricSeries) => series.valueType !== 'string' && series.points.some((p) => typeof p.value === 'number');

export function MetricCharts({ series, kind }: { series: MetricSeries[]; kind: 'training' | 'system' }) {
  const groups = useMemo(() => {
    const byName = new Map<string, MetricSeries[]>();
    for (const s of series) if (s.kind === kind && numeric(s)) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    return [...byName.entries()].map(([name, list]) => {
      const x: 'step' | 'time' = kind === 'training' && list.every(hasSteps) ? 'step' : 'time';
      const lines: Line[] = list.map((s) => ({ label: s.node ?? s.name, ...columns(s, x) }));
      return { name, x, unit: list[0]?.unit, lines };
    });
  }, [series, kind]);
  if (groups.length === 0) return <p class="muted">No {kind} metrics.</p>;
  return (
    <div class="charts">
      {groups.map((g) => (
        <div class="chart-cell" key={g.name} data-metric={g.name}>
          <Chart title={g.name} lines={g.lines} xKind={g.x} unit={g.unit} />
        </div>
      ))}
    </div>
  );
}
