// A chart of metric series that the server downsampled (LTTB) to about the chart's width: when the
// user zooms in, each series is read again for that window at the same number of points, which is
// every point there once the window holds fewer, and spliced into the overview.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type MetricSeries } from '../api.js';
import { columns, splice, timeWindow, type Line, type XKind } from '../series.js';
import { Chart, type ChartProps, type Zoom } from './Chart.js';

/** One line with what is needed to read its series again for a window. */
export interface Curve extends Line {
  ref: string;
  series: MetricSeries;
  x: XKind;
  /** Epoch ms that x = 0 stands for when x is 'seconds'. */
  origin: number;
}

type Columns = { xs: number[]; ys: (number | null)[] };

/** About a chart's width in device pixels: more points than that cannot be told apart. */
export const chartPixels = (cssWidth = window.innerWidth) => Math.round(Math.min(4000, Math.max(300, cssWidth * Math.min(2, window.devicePixelRatio || 1))));

export function CurveChart({ curves, points, ...chart }: Omit<ChartProps, 'lines' | 'onZoom'> & { curves: Curve[]; points: number | undefined }) {
  const [zoom, setZoom] = useState<Zoom>(undefined);
  const detail = useZoomDetail(curves, zoom, points);
  const lines = useMemo(() => (detail ? curves.map((c, i) => (detail.lines[i] ? { label: c.label, ...splice(c, detail.lines[i], detail.from, detail.to) } : c)) : curves), [curves, detail]);
  return <Chart {...chart} lines={lines} onZoom={setZoom} />;
}

/**
 * The curves' series read again for the zoomed-in window [from, to]. Kept until the next window's
 * arrive; undefined when not zoomed, or when every point is shown already (points undefined). A
 * failed read leaves that curve as it was.
 */
function useZoomDetail(curves: Curve[], zoom: Zoom, points: number | undefined): { from: number; to: number; lines: (Columns | undefined)[] } | undefined {
  const [detail, setDetail] = useState<{ curves: Curve[]; from: number; to: number; lines: (Columns | undefined)[] }>();
  useEffect(() => {
    if (!zoom || points === undefined) return;
    const controller = new AbortController();
    // A drag ends with one zoom; wait a moment anyway so quick successive zooms read once.
    const timer = setTimeout(() => {
      void Promise.all(
        curves.map(async (c) => {
          const window = timeWindow(c.series, c.x, zoom.min, zoom.max, c.origin);
          if (!window) return undefined;
          const iso = (ms: number) => new Date(ms).toISOString();
          try {
            const q = { kind: c.series.kind, metric: [c.series.name], node: c.series.node ? [c.series.node] : undefined, points, since: iso(window.since), until: iso(window.until) };
            const { series } = await api.metrics(c.ref, q, controller.signal);
            const s = series.find((o) => o.name === c.series.name && o.node === c.series.node);
            return s ? columns(s, c.x, c.origin) : undefined;
          } catch {
            return undefined;
          }
        }),
      ).then((lines) => !controller.signal.aborted && setDetail({ curves, from: zoom.min, to: zoom.max, lines }));
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [curves, zoom?.min, zoom?.max, points]);
  return zoom && detail && detail.curves === curves ? detail : undefined;
}
