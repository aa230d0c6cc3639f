// uPlot in a Preact component: canvas drawing that stays fast with hundreds of thousands of points.
// Lines with different x values are aligned by `align` (a linear merge), which leaves `undefined`
// where a line has no point (drawn across) and keeps the line's own nulls (gaps stay gaps).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { align, type Line, type XKind } from '../series.js';

export type { Line } from '../series.js';

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#4b5563', '#7c3aed'];

/** The x range the user zoomed to, or undefined when the whole x range is shown. */
export type Zoom = { min: number; max: number } | undefined;

export interface ChartProps {
  title: string;
  lines: Line[];
  /** x is epoch seconds (a time axis) or a number such as a step. */
  xKind: XKind;
  unit?: string;
  height?: number;
  /** Told when the user zooms in (drag) or back out (double-click). */
  onZoom?: (zoom: Zoom) => void;
}

const pointCount = (lines: Line[]) => lines.reduce((n, l) => n + l.xs.length, 0);

/** For tests and benchmarks: the points the plot holds, and those of them inside the x range shown. */
function counted(u: uPlot, el: HTMLElement): void {
  const xs = u.data[0];
  const { min = -Infinity, max = Infinity } = u.scales.x ?? {};
  let all = 0;
  let inView = 0;
  for (let s = 1; s < u.data.length; s++) {
    const ys = u.data[s]!;
    for (let i = 0; i < ys.length; i++) {
      if (ys[i] == null) continue;
      all++;
      if (xs[i]! >= min! && xs[i]! <= max!) inView++;
    }
  }
  el.setAttribute('data-drawn', String(all));
  el.setAttribute('data-in-view', String(inView));
}

export function Chart({ title, lines, xKind, unit, height = 220, onZoom }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoomed = useRef<Zoom>(undefined);
  const built = useRef<Line[] | null>(null);
  const zoomHandler = useRef(onZoom);
  zoomHandler.current = onZoom;
  // The plot is rebuilt when what it shows changes (other lines, other axes); new data for the same
  // lines (a zoomed window read at full resolution) is swapped in, keeping the zoom.
  const shape = JSON.stringify([title, xKind, unit, height, lines.map((l) => l.label)]);
  useEffect(() => {
    const el = box.current;
    if (!el || lines.length === 0) return;
    const width = Math.max(320, el.clientWidth || 600);
    if (zoomed.current) {
      // A new plot shows everything.
      zoomed.current = undefined;
      zoomHandler.current?.(undefined);
    }
    const u = new uPlot(
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
        hooks: {
          draw: [(p) => counted(p, el)],
          setScale: [
            (p, key) => {
              if (key !== 'x') return;
              const xs = p.data[0];
              const { min, max } = p.scales.x ?? {};
              if (min == null || max == null || xs.length === 0) return;
              const zoom: Zoom = min <= xs[0]! && max >= xs[xs.length - 1]! ? undefined : { min, max };
              if (zoom?.min === zoomed.current?.min && zoom?.max === zoomed.current?.max) return;
              zoomed.current = zoom;
              el.setAttribute('data-zoomed', zoom ? `${zoom.min},${zoom.max}` : '');
              zoomHandler.current?.(zoom);
            },
          ],
        },
      },
      align(lines) as uPlot.AlignedData,
      el,
    );
    plot.current = u;
    built.current = lines;
    const resize = new ResizeObserver(() => {
      const w = Math.max(320, el.clientWidth);
      if (Math.abs(w - u.width) > 4) u.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);
  useEffect(() => {
    const u = plot.current;
    if (built.current === lines || !u) return;
    built.current = lines;
    const z = zoomed.current;
    u.setData(align(lines) as uPlot.AlignedData, z === undefined);
    if (z) u.setScale('x', z);
  }, [lines]);
  return <div class="chart" ref={box} data-series={lines.length} data-points={pointCount(lines)}/>;
}
