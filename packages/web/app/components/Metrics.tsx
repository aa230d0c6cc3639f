// A run's metric charts: one chart per training metric (by step when every point has one) and one
// per system metric with a line per node. Series are downsampled on the server (LTTB, gaps kept) to
// about a chart's width; zooming in reads the window again (CurveChart).
import { useMemo } from 'preact/hooks';
import type { MetricSeries } from '../api.js';
import { columns, hasSteps, numeric } from '../series.js';
import { CurveChart, type Curve } from './CurveChart.js';

export function MetricCharts({ runRef, series, kind, points }: { runRef: string; series: MetricSeries[]; kind: 'training' | 'system'; points: number | undefined }) {
  const groups = useMemo(() => {
    const byName = new Map<string, MetricSeries[]>();
    for (const s of series) if (s.kind === kind && numeric(s)) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    return [...byName.entries()].map(([name, list]) => {
      const x: 'step' | 'time' = kind === 'training' && list.every(hasSteps) ? 'step' : 'time';
      const curves: Curve[] = list.map((s) => ({ label: s.node ?? s.name, ref: runRef, series: s, x, origin: 0, ...columns(s, x) }));
      return { name, x, unit: list[0]?.unit, curves };
    });
  }, [runRef, series, kind]);
  if (groups.length === 0) return <p class="muted">No {kind} metrics.</p>;
  return (
    <div class="charts">
      {groups.map((g) => (
        <div class="chart-cell" key={g.name} data-metric={g.name}>
          <CurveChart title={g.name} curves={g.curves} points={points} xKind={g.x} unit={g.unit} />
        </div>
      ))}
    </div>
  );
}
