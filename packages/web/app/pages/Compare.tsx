// Compare runs from any providers: pick runs, pick metrics, overlay them on one chart by step or by
// time since each run's first point, with the summary (final, best) from /api/compare and a table
// of the hyperparameters that differ. Series arrive as columns, downsampled by the server (LTTB) to
// about the chart's width in pixels; a zoomed-in window is read again at that resolution, which
// is every point once the window holds fewer than that.
import { useMemo, useState } from 'preact/hooks';
import { api, type MetricSeries, type Run, type RunSummary } from '../api.js';
import { chartPixels, CurveChart, type Curve } from '../components/CurveChart.js';
import { ErrorBox, Status, useApi } from '../components/common.js';
import { duration, number } from '../format.js';
import { hrefs, navigate } from '../router.js';
import { columns, hasSteps, type XKind } from '../series.js';

/** Core's rule (query/compare.ts): the exact name, else the one series whose name ends in `:name`, `/name`… */
export function matchSeries(series: readonly MetricSeries[], name: string): MetricSeries | undefined {
  const training = series.filter((s) => s.kind === 'training' && s.valueType !== 'string');
  const exact = training.find((s) => s.name === name);
  if (exact) return exact;
  const suffix = new RegExp(`[:/._ -]${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i');
  const matches = training.filter((s) => suffix.test(s.name));
  return matches.length === 1 ? matches[0] : undefined;
}

interface Loaded {
  run: Run;
  series: MetricSeries[];
}


export function ComparePage({ params }: { params: URLSearchParams }) {
  const refs = params.getAll('ref');
  const metrics = params.getAll('metric');
  const x = params.get('x') === 'time' ? 'time' : 'step';
  // ?points=all draws every point; ?points=N asks for N per series.
  const [pixels] = useState(() => chartPixels());
  const points = params.get('points') === 'all' ? undefined : Math.max(3, Number(params.get('points')) || pixels);
  const set = (next: { refs?: string[]; metrics?: string[]; x?: string }) => {
    const q = new URLSearchParams();
    for (const r of next.refs ?? refs) q.append('ref', r);
    for (const m of next.metrics ?? metrics) q.append('metric', m);
    if ((next.x ?? x) === 'time') q.set('x', 'time');
    if (params.get('points')) q.set('points', params.get('points')!);
    navigate(`/compare?${q}`, true);
  };
  const [picking, setPicking] = useState(refs.length < 2);
  // The server's work goes to the chart first: the run list only when the picker is open, the
  // summary (which reads every chosen series again) once the series are in.
  const runs = useApi((signal) => (picking ? api.runs({}, signal) : Promise.resolve(undefined)), [picking]);
  const key = refs.join('\n');
  const loaded = useApi(
    (signal) =>
      Promise.all(
        refs.map(async (ref): Promise<Loaded> => {
          const [run, m] = await Promise.all([api.describe(ref, signal), api.metrics(ref, { kind: 'training', points }, signal).catch(() => ({ series: [] as MetricSeries[] }))]);
          return { run, series: m.series };
        }),
      ),
    [key, points],
  );
  const available = useMemo(() => {
    const names = new Set<string>();
    for (const l of loaded.value ?? []) for (const s of l.series) if (s.kind === 'training' && s.valueType !== 'string') names.add(s.name);
    return [...names].sort();
  }, [loaded.value]);
  const chosen = metrics.length > 0 ? metrics : available.includes('loss') ? ['loss'] : available.slice(0, 1);
  const summary = useApi((signal) => (refs.length >= 2 && chosen.length > 0 && loaded.value ? api.compare(refs, chosen, signal) : Promise.resolve(undefined)), [key, chosen.join('\n'), loaded.value !== undefined]);

  const curves = useMemo(() => {
    const out: Curve[] = [];
    for (const l of loaded.value ?? []) {
      for (const metric of chosen) {
        const s = matchSeries(l.series, metric);
        if (!s) continue;
        const lineX: XKind = x === 'step' && hasSteps(s) ? 'step' : 'seconds';
        const origin = s.timestamps[0] ?? 0;
        out.push({ label: `${l.run.name} (${l.run.provider}) · ${s.name}`, ref: l.run.ref, series: s, x: lineX, origin, ...columns(s, lineX, origin) });
      }
    }
    return out;
  }, [loaded.value, chosen.join('\n'), x]);
  const stepless = curves.some((c) => x === 'step' && c.x !== 'step');
  const toggleRun = (ref: string) => set({ refs: refs.includes(ref) ? refs.filter((r) => r !== ref) : [...refs, ref] });
  const toggleMetric = (m: string) => set({ metrics: chosen.includes(m) ? chosen.filter((c) => c !== m) : [...chosen, m] });
  return (
    <section class="compare">
      <h1>Compare runs</h1>
      <details open={picking} onToggle={(e) => setPicking(e.currentTarget.open)}>
        <summary>Runs ({refs.length} chosen)</summary>
        {runs.error !== undefined && <ErrorBox error={runs.error} />}
        <div class="pick">
          {/* Closed, it renders no chips: a server with 1,000s of runs would cost the chart their DOM. */}
          {(picking ? (runs.value?.runs ?? []) : []).map((r: RunSummary) => (
            <label class="chip" key={r.ref}>
              <input type="checkbox" checked={refs.includes(r.ref)} onChange={() => toggleRun(r.ref)} aria-label={`compare ${r.ref}`} /> <span class="muted">{r.provider}</span> {r.name} <Status status={r.status} />
            </label>
          ))}
        </div>
      </details>
      {refs.length < 2 && <p class="muted">Pick two or more runs, from any providers.</p>}
      {loaded.error !== undefined && <ErrorBox error={loaded.error} />}
      {refs.length >= 2 && loaded.value && (
        <>
          <div class="toolbar">
            <span class="muted">metrics:</span>
            {available.map((m) => (
              <label class="chip">
                <input type="checkbox" checked={chosen.includes(m)} onChange={() => toggleMetric(m)} aria-label={`metric ${m}`} /> {m}
              </label>
            ))}
            {metrics
              .filter((m) => !available.includes(m))
              .map((m) => (
                <label class="chip">
                  <input type="checkbox" checked onChange={() => toggleMetric(m)} /> {m}
                </label>
              ))}
            <span class="muted">x:</span>
            <label class="chip">
              <input type="radio" name="x" checked={x === 'step'} onChange={() => set({ x: 'step' })} /> step
            </label>
            <label class="chip">
              <input type="radio" name="x" checked={x === 'time'} onChange={() => set({ x: 'time' })} /> relative time
            </label>
          </div>
          {stepless && <div class="warning">Some series have no steps: they are drawn by seconds since their first point.</div>}
          {curves.length > 0 ? <CurveChart title={chosen.join(', ')} curves={curves} points={points} xKind={x === 'step' && !stepless ? 'step' : 'seconds'} height={340} /> : <p class="muted">None of the chosen runs has these metrics.</p>}
          {summary.value && <Summary comparison={summary.value} />}
          <Hyperparameters runs={loaded.value.map((l) => l.run)} />
        </>
      )}
    </section>
  );
}

function Summary({ comparison }: { comparison: NonNullable<Awaited<ReturnType<typeof api.compare>>> }) {
  return (
    <>
      <h2>Summary</h2>
      <table class="kv compare-summary">
        <thead>
          <tr>
            <th>run</th>
            <th>provider</th>
            <th>status</th>
            <th>duration</th>
            {comparison.metrics.map((m) => (
              <th>
                {m} final / best
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {comparison.runs.map((r) => (
            <tr>
              <td>
                <a href={hrefs.run(r.ref)}>{r.name}</a>
              </td>
              <td>{r.provider}</td>
              <td>
                <Status status={r.status} />
              </td>
              <td>{duration(r.durationMs)}</td>
              {comparison.metrics.map((m) => {
                const s = r.metrics[m];
                return <td class="num">{s ? `${number(s.final)} / ${number(s.best)}${s.bestStep !== undefined ? ` @${s.bestStep}` : ''}` : '—'}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {comparison.warnings.map((w) => (
        <div class="warning">{w.message}</div>
      ))}
    </>
  );
}

function Hyperparameters({ runs }: { runs: Run[] }) {
  const [all, setAll] = useState(false);
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.hyperparameters)))].sort();
  const differs = (k: string) => new Set(runs.map((r) => r.hyperparameters[k])).size > 1;
  const shown = all ? keys : keys.filter(differs);
  return (
    <>
      <h2>Hyperparameters</h2>
      <label class="chip">
        <input type="checkbox" checked={all} onChange={() => setAll(!all)} /> show equal ones too
      </label>
      {shown.length === 0 ? (
        <p class="muted">{keys.length === 0 ? 'No hyperparameters.' : 'All hyperparameters are equal.'}</p>
      ) : (
        <table class="kv hyper-diff">
          <thead>
            <tr>
              <th>hyperparameter</th>
              {runs.map((r) => (
                <th>
                  {r.name} <span class="muted">({r.provider})</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((k) => (
              <tr class={differs(k) ? 'differs' : ''}>
                <th>{k}</th>
                {runs.map((r) => (
                  <td>{r.hyperparameters[k] ?? <span class="muted">—</span>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

