import asciichart from 'asciichart';
import type { Colors } from './color.js';

export interface PlotLine {
  readonly label: string;
  /** One value per x position (all lines the same length); null is a gap. */
  readonly values: readonly (number | null)[];
}

export interface PlotOptions {
  /** Terminal width in columns; the chart never exceeds it. */
  readonly columns: number;
  /** Chart height in rows (default 10). */
  readonly height?: number;
  readonly colors: Colors;
}

const LINE_SYMBOLS = ['┼', '┤', '╶', '╴', '─', '╰', '╭', '╮', '╯', '│'];
/** Without colour, lines after the first are drawn with markers so they stay distinguishable. */
const MARKERS = ['*', '+', 'o', 'x', '#', '%', '@'];
const PAINTS = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'] as const;

function finiteValues(lines: readonly PlotLine[]): number[] {
  return lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v)));
}

/** Keeps at most `width` positions: the last value of each bucket (a bucket of only gaps stays a gap). */
export function fitWidth(values: readonly (number | null)[], width: number): (number | null)[] {
  const n = values.length;
  if (n <= width || width <= 0) return [...values];
  const out: (number | null)[] = [];
  for (let c = 0; c < width; c++) {
    const from = Math.floor((c * n) / width);
    const to = Math.floor(((c + 1) * n) / width);
    let pick: number | null = null;
    for (let i = from; i < to; i++) if (values[i] !== null && values[i] !== undefined) pick = values[i]!;
    out.push(pick);
  }
  return out;
}

/**
 * Puts curves with their own x values (steps, seconds) on one shared grid of at most `maxColumns`
 * positions. Between a curve's first and last point the previous value holds (sparser sampling is
 * not a gap); outside that range the curve has no value.
 */
export function alignCurves(curves: readonly (readonly { x: number; value: number }[])[], maxColumns: number): { values: (number | null)[][]; xMin: number; xMax: number } {
  const xs = curves.flatMap((c) => c.map((p) => p.x));
  if (xs.length === 0) return { values: curves.map(() => []), xMin: 0, xMax: 0 };
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const distinct = new Set(xs).size;
  const columns = xMax === xMin ? 1 : Math.max(2, Math.min(maxColumns, distinct));
  const column = (x: number) => (xMax === xMin ? 0 : Math.round(((x - xMin) / (xMax - xMin)) * (columns - 1)));
  const values = curves.map((points) => {
    const row: (number | null)[] = new Array(columns).fill(null);
    let first = Infinity;
    let last = -Infinity;
    for (const p of points) {
      const c = column(p.x);
      row[c] = p.value;
      first = Math.min(first, c);
      last = Math.max(last, c);
    }
    for (let c = first + 1; c <= last && c < columns; c++) if (row[c] === null) row[c] = row[c - 1]!;
    return row;
  });
  return { values, xMin, xMax };
}

function tick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/**
 * One chart of one or more lines on a shared y scale, drawn by asciichart. asciichart cannot draw
 * gaps, so each line is drawn alone with its gaps bridged, the bridged columns are blanked, and the
 * lines are laid over each other. Returns the chart's lines, with a legend when there are several.
 */
export function plotLines(lines: readonly PlotLine[], options: PlotOptions): string[] {
  const c = options.colors;
  const all = finiteValues(lines);
  if (all.length === 0) return ['(no numeric values to plot)'];
  const min = Math.min(...all);
  const max = Math.max(...all);
  const range = Math.abs(max - min);
  const height = options.height ?? 10;
  // The same arithmetic asciichart uses, to label rows and to place the axis ourselves.
  const ratio = range !== 0 ? height / range : 1;
  const min2 = Math.round(min * ratio);
  const max2 = Math.round(max * ratio);
  const rows = Math.abs(max2 - min2);
  const labelAt = (row: number) => tick(rows > 0 ? max - (row * range) / rows : min);
  let labelWidth = 2;
  for (let r = 0; r <= rows; r++) labelWidth = Math.max(labelWidth, labelAt(r).length + 1);

  const dataWidth = Math.max(8, options.columns - labelWidth - 2);
  const fitted = lines.map((l) => fitWidth(l.values, dataWidth));
  const width = Math.max(...fitted.map((v) => v.length));

  const grid: string[][] = Array.from({ length: rows + 1 }, () => new Array<string>(width).fill(' '));
  // The row of a scaled value y is max2 - y: zero (when in range) gets the crossing tick.
  const axis: string[] = Array.from({ length: rows + 1 }, (_, r) => (r === max2 && min2 <= 0 ? LINE_SYMBOLS[0]! : LINE_SYMBOLS[1]!));
  const legend: string[] = [];

  fitted.forEach((values, i) => {
    const paint = c.isColorSupported ? c[PAINTS[i % PAINTS.length]!] : (s: string) => s;
    const marker = !c.isColorSupported && i > 0 ? MARKERS[(i - 1) % MARKERS.length]! : undefined;
    const symbols = marker ? [LINE_SYMBOLS[0]!, LINE_SYMBOLS[1]!, marker, marker, marker, marker, marker, marker, marker, marker] : LINE_SYMBOLS;
    legend.push(`${paint(marker ? `${marker}${marker}` : '──')} ${lines[i]!.label}`);
    const firstValue = values.findIndex((v) => v !== null);
    if (firstValue < 0) return;
    // Bridge the gaps (asciichart turns any NaN into a blank chart), remember where they were.
    const bridged: number[] = [];
    let previous = values[firstValue]!;
    for (const v of values) {
      if (v !== null) previous = v;
      bridged.push(previous);
    }
    const text = asciichart.plot([bridged], { min, max, height, offset: 2, symbols, format: (_x, row) => labelAt(row).padStart(labelWidth) });
    text.split('\n').forEach((line, r) => {
      if (r > rows) return;
      const cells = [...line].slice(labelWidth + 1);
      for (let k = 0; k < width; k++) {
        // Column k draws the step from value k to value k+1: nothing to draw if value k is a gap.
        const cell = cells[k];
        if (cell === undefined || cell === ' ' || values[k] === null || values[k] === undefined) continue;
        grid[r]![k] = paint(cell);
      }
    });
    if (firstValue === 0) {
      const row = max2 - Math.round(values[0]! * ratio);
      if (axis[row] !== undefined) axis[row] = paint(LINE_SYMBOLS[0]!);
    }
  });

  const chart = grid.map((cells, r) => `${labelAt(r).padStart(labelWidth)}${axis[r]}${cells.join('')}`.replace(/\s+$/, ''));
  return lines.length > 1 ? [...chart, ...legend.map((l) => `${' '.repeat(labelWidth + 1)}${l}`)] : chart;
}
