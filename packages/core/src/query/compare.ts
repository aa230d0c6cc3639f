import { RunlensError } from '../errors.js';
import type { MetricPoint, MetricSeries } from '../model/metric.js';
import type { RunStatus } from '../model/run.js';
import type { Warning } from '../model/warning.js';
import type { Runlens } from './runlens.js';

export interface CompareOptions {
  /** Training metric names to compare; default: every training metric of the first run. */
  readonly metrics?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface MetricSummary {
  /** The series name matched in this run (may differ from the requested one, e.g. `train:loss` for `loss`). */
  readonly series: string;
  readonly final: number | null;
  readonly best: number | null;
  readonly bestStep?: number;
  readonly points: number;
}

export interface ComparedRun {
  readonly ref: string;
  readonly provider: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly durationMs?: number;
  readonly metrics: Readonly<Record<string, MetricSummary | null>>;
}

export interface Curve {
  readonly metric: string;
  /** `step` when every run's series has steps, else seconds since each run's first point. */
  readonly x: 'step' | 'elapsed-seconds';
  readonly runs: readonly { readonly ref: string; readonly points: readonly { readonly x: number; readonly value: number }[] }[];
}

export interface Comparison {
  readonly metrics: readonly string[];
  readonly runs: readonly ComparedRun[];
  readonly curves: readonly Curve[];
  readonly warnings: readonly Warning[];
}

/** Lower is better for these; higher for anything else. */
const LOWER_IS_BETTER = /loss|error|\berr\b|mse|mae|rmse|perplexity|\bwer\b|\bcer\b/i;

/**
 * Finds a run's series for a requested metric: the exact name, or one whose name ends in it after a
 * separator (`loss` matches `train:loss`, `train/loss`), so runs from different providers line up.
 * Several suffix matches (`train:logloss`, `validation:logloss` for `logloss`) are ambiguous: no
 * match, and the candidates say what to ask for instead.
 */
export function findSeries(series: readonly MetricSeries[], name: string): { readonly match?: MetricSeries; readonly candidates: readonly string[] } {
  const training = series.filter((s) => s.kind === 'training' && s.valueType !== 'string');
  const exact = training.filter((s) => s.name === name);
  if (exact.length > 0) return { match: exact[0], candidates: [exact[0]!.name] };
  const suffix = training.filter((s) => new RegExp(`[:/._ -]${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i').test(s.name));
  const candidates = [...new Set(suffix.map((s) => s.name))];
  return candidates.length === 1 ? { match: suffix[0], candidates } : { candidates };
}

export function matchSeries(series: readonly MetricSeries[], name: string): MetricSeries | undefined {
  return findSeries(series, name).match;
}

function numeric(points: readonly MetricPoint[]): { point: MetricPoint; value: number }[] {
  return points.filter((p): p is MetricPoint & { value: number } => typeof p.value === 'number' && Number.isFinite(p.value)).map((point) => ({ point, value: point.value }));
}

export function summarize(series: MetricSeries, metric: string): MetricSummary {
  const values = numeric(series.points);
  if (values.length === 0) return { series: series.name, final: null, best: null, points: series.points.length };
  const lower = LOWER_IS_BETTER.test(metric) || LOWER_IS_BETTER.test(series.name);
  let best = values[0]!;
  for (const v of values) if (lower ? v.value < best.value : v.value > best.value) best = v;
  return { series: series.name, final: values[values.length - 1]!.value, best: best.value, ...(best.point.step !== undefined ? { bestStep: best.point.step } : {}), points: series.points.length };
}

export async function compareRuns(runlens: Runlens, refs: readonly string[], options: CompareOptions): Promise<Comparison> {
  const warnings: Warning[] = [];
  const loaded: { run: import('../model/run.js').Run; series: readonly MetricSeries[] }[] = [];
  for (const ref of refs) {
    const result = await runlens.metrics(ref, { kind: 'training', signal: options.signal }).catch((e: unknown) => {
      // A provider without training metrics still has a status and a duration worth comparing.
      if (RunlensError.isInstance(e) && e.code === 'Unsupported') {
        warnings.push({ type: 'unsupported', message: e.message });
        return undefined;
      }
      throw e;
    });
    const run = result?.run ?? (await runlens.describe(ref, { signal: options.signal, evidence: false }));
    warnings.push(...(result?.warnings ?? []));
    loaded.push({ run, series: result?.series ?? [] });
  }
  const metrics = options.metrics && options.metrics.length > 0 ? [...options.metrics] : [...new Set((loaded[0]?.series ?? []).filter((s) => s.kind === 'training' && s.valueType !== 'string').map((s) => s.name))];
  const runs: ComparedRun[] = loaded.map(({ run, series }) => {
    const start = run.startedAt ? Date.parse(run.startedAt) : undefined;
    const end = run.endedAt ? Date.parse(run.endedAt) : undefined;
    const summaries: Record<string, MetricSummary | null> = {};
    for (const metric of metrics) {
      const { match, candidates } = findSeries(series, metric);
      summaries[metric] = match ? summarize(match, metric) : null;
      if (!match && candidates.length > 1) warnings.push({ type: 'not-found', message: `metric '${metric}' is ambiguous in ${run.ref}: it matches ${candidates.join(', ')} (name one with --metric)` });
      else if (!match) warnings.push({ type: 'not-found', message: `${run.ref} has no training metric matching '${metric}'` });
    }
    // An archive compares as the provider it came from.
    return { ref: run.ref, provider: run.origin?.provider ?? run.provider, name: run.name, status: run.status, ...(start !== undefined && end !== undefined ? { durationMs: end - start } : {}), metrics: summaries };
  });
  const curves: Curve[] = metrics.map((metric) => {
    const matched = loaded.map(({ run, series }) => ({ ref: run.ref, series: matchSeries(series, metric) }));
    const byStep = matched.every((m) => !m.series || m.series.points.every((p) => p.step !== undefined));
    return {
      metric,
      x: byStep ? 'step' : 'elapsed-seconds',
      runs: matched.map(({ ref, series }) => {
        const values = numeric(series?.points ?? []);
        const origin = values[0]?.point.timestamp ?? 0;
        return { ref, points: values.map(({ point, value }) => ({ x: byStep ? point.step! : (point.timestamp - origin) / 1000, value })) };
      }),
    };
  });
  return { metrics, runs, curves, warnings };
}
