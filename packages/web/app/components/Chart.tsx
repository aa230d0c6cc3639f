// uPlot in a Preact component: canvas drawing that stays fast with hundreds of thousands of points.
// Series with different x values are aligned with uPlot.join, which leaves `undefined` where a series
// has no point (spanned) and keeps the series' own nulls (gaps stay gaps).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#4b5563', '#7c3aed'];

export interface Line {
  label: string;
  xs: number[];
  ys: (number | null)[];
}

export interface ChartProps {
  title: string;
  lines: Line[];
  /** x is epoch seconds (a time axis) or a number such as a step. */
  xKind: 'time' | 'step' | 'seconds';
  unit?: string;
  height?: number;
}

export function Chart({ title, lines, xKind, unit, height = 220 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || lines.length === 0) return;
    const data = uPlot.join(lines.map((l) => [l.xs, l.ys] as uPlot.AlignedData));
    const width = Math.max(320, el.clientWidth || 600);
    const plot = new uPlot(
      {
        title,
        width,
        height,
        scales: { x: { time: xKind === 'time' } },
        // Time ticks carry a date on the first label: give them room so labels never overlap.
        axes: [{ label: xKind === 'step' ? 'step' : xKind === 'seconds' ? 'seconds since start' : undefined, space: xKind === 'time' ? 90 : 50 }, { label: unit, size: 60 }],
        series: [{ label: xKind === 'step' ? 'step' : xKind === 'seconds' ? 'seconds' : 'time' }, ...lines.map((l, i) => ({ label: l.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false, points: { show: false } }))],
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => {
      const w = Math.max(320, el.clientWidth);
      if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [lines, xKind, title, unit, height]);
  return <div class="chart" ref={box} data-series={lines.length} data-points={lines.reduce((n, l) => n + l.xs.length, 0)} />;
}
