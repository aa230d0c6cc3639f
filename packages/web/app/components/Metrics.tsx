// A run's metric charts: one chart per training metric (by step when every point has one) and one
// per system metric with a line per node. Series are downsampled on the server (LTTB, gaps kept).
import { useMemo } from 'preact/hooks';
import type { MetricSeries } from '../api.js';
import { columns, hasSteps, numeric, type Line } from '../series.js';
import { Chart } from './Chart.js';

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
