// One run: status and timeline, failure with its log evidence, nodes, hyperparameters, artifacts,
// training and system metric charts, and the log viewer (live while the run is going).
import { useEffect, useState } from 'preact/hooks';
import { api, type Run } from '../api.js';
import { ErrorBox, Status, useApi } from '../components/common.js';
import { LogPanel } from '../components/Logs.js';
import { chartPixels } from '../components/CurveChart.js';
import { MetricCharts } from '../components/Metrics.js';
import { bytes, duration, runDuration, when } from '../format.js';
import { hrefs } from '../router.js';

const live = (run: Run | undefined) => run?.status === 'running' || run?.status === 'pending';

export function RunPage({ runRef }: { runRef: string }) {
  const described = useApi((signal) => api.describe(runRef, signal), [runRef]);
  const [run, setRun] = useState<Run>();
  useEffect(() => setRun(described.value), [described.value]);
  // A live run is re-described now and then, and once more when its log follow ends.
  useEffect(() => {
    if (!live(run)) return;
    const timer = setInterval(described.reload, 10_000);
    return () => clearInterval(timer);
  }, [run?.status]);

  if (described.error !== undefined && !run) return <ErrorBox error={described.error} />;
  if (!run) return <p class="muted">loading {runRef}…</p>;
  return (
    <section class="run">
      <h1>
        {run.name} <Status status={run.status} />
      </h1>
      <p class="muted ref">
        {run.ref}
        {run.origin && ` · exported from ${run.origin.ref}`} · <a href={hrefs.compare([run.ref])}>compare with…</a>
      </p>
      <div class="facts">
        <Fact label="provider" value={run.provider} />
        <Fact label="provider status" value={run.providerStatus ?? '—'} />
        <Fact label="created" value={when(run.createdAt)} />
        <Fact label="started" value={when(run.startedAt)} />
        <Fact label="ended" value={when(run.endedAt)} />
        <Fact label="duration" value={duration(runDuration(run))} />
      </div>
      {run.failure && <Failure failure={run.failure} />}
      <Timeline run={run} />
      <div class="two">
        <div>
          <h2>Nodes</h2>
          <table class="kv">
            <thead>
              <tr>
                <th>node</th>
                <th>instance</th>
                <th>status</th>
              </tr>
            </thead>
            <tbody>
              {run.nodes.map((n) => (
                <tr>
                  <td>{n.name}</td>
                  <td>{n.instanceType ?? '—'}</td>
                  <td>{n.status ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>Hyperparameters</h2>
          <KeyValues values={run.hyperparameters} empty="none" />
        </div>
      </div>
      <h2>Logs</h2>
      <LogPanel runRef={run.ref} nodes={run.nodes.map((n) => n.name)} live={live(run)} onEnd={described.reload} />
      <Metrics runRef={run.ref} status={run.status} />
      <Artifacts runRef={run.ref} />
    </section>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div class="fact">
      <div class="muted">{label}</div>
      <div>{value}</div>
    </div>
  );
}

function KeyValues({ values, empty }: { values: Record<string, string>; empty: string }) {
  const keys = Object.keys(values).sort();
  if (keys.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table class="kv">
      <tbody>
        {keys.map((k) => (
          <tr>
            <th>{k}</th>
            <td>{values[k]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Failure({ failure }: { failure: NonNullable<Run['failure']> }) {
  return (
    <div class="failure" role="region" aria-label="failure">
      <div>
        <span class="category">{failure.category}</span>
        {failure.code && <span class="muted"> · {failure.code}</span>}
      </div>
      <p class="reason">{failure.reason}</p>
      {failure.evidence.length > 0 && (
        <>
          <div class="muted">evidence from the logs</div>
          <pre class="evidence">{failure.evidence.join('\n')}</pre>
        </>
      )}
    </div>
  );
}

/** Provider statuses differ by provider; their colour follows what they mean. */
function segmentClass(status: string, index: number): string {
  if (/fail|error/i.test(status)) return 'seg-failed';
  if (/complet|succe|finish/i.test(status)) return 'seg-completed';
  if (/stop|cancel|terminat/i.test(status)) return 'seg-stopped';
  if (/train|running|progress/i.test(status)) return 'seg-running';
  return `seg-${index % 6}`;
}

/** Status transitions on a time axis: one segment per status, from its start to the next one. */
function Timeline({ run }: { run: Run }) {
  const events = (run.timeline ?? []).map((e) => ({ ...e, t: Date.parse(e.at) })).filter((e) => !Number.isNaN(e.t));
  if (events.length === 0) return null;
  const start = events[0]!.t;
  const end = Math.max(run.endedAt ? Date.parse(run.endedAt) : live(run) ? Date.now() : events[events.length - 1]!.t, events[events.length - 1]!.t);
  const span = Math.max(1, end - start);
  return (
    <div class="timeline-box">
      <h2>Timeline</h2>
      <div class="timeline-bar">
        {events.map((e, i) => {
          const next = events[i + 1]?.t ?? end;
          // A terminal status has no length of its own: give it a visible sliver at the end.
          const width = Math.max(i === events.length - 1 ? 1.5 : 0.5, ((next - e.t) / span) * 100);
          return <div class={`seg ${segmentClass(e.status, i)}`} style={{ left: `${Math.min(((e.t - start) / span) * 100, 100 - width)}%`, width: `${width}%` }} title={`${e.status} ${when(e.at)}`} />;
        })}
      </div>
      <ol class="timeline">
        {events.map((e) => (
          <li>
            <span class="nowrap">{when(e.at)}</span> <strong>{e.status}</strong> {e.message && <span class="muted">{e.message}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

function Metrics({ runRef, status }: { runRef: string; status: string }) {
  // Downsampled on the server to about a chart's width (two charts side by side); zooming in reads
  // the window again. Reloaded when the status changes.
  const [points] = useState(() => chartPixels(window.innerWidth / 2));
  const metrics = useApi((signal) => api.metrics(runRef, { points }, signal), [runRef, status]);
  return (
    <>
      <h2>Training metrics</h2>
      {metrics.error !== undefined && <ErrorBox error={metrics.error} />}
      {metrics.value?.warnings.map((w) => (
        <div class="warning">{w.message}</div>
      ))}
      {metrics.value ? <MetricCharts runRef={runRef} series={metrics.value.series} kind="training" points={points} /> : metrics.loading && <p class="muted">loading…</p>}
      <h2>System metrics</h2>
      {metrics.value && <MetricCharts runRef={runRef} series={metrics.value.series} kind="system" points={points} />}
    </>
  );
}

function Artifacts({ runRef }: { runRef: string }) {
  const artifacts = useApi((signal) => api.artifacts(runRef, signal), [runRef]);
  return (
    <>
      <h2>Artifacts</h2>
      {artifacts.error !== undefined && <ErrorBox error={artifacts.error} />}
      {artifacts.value && artifacts.value.artifacts.length === 0 && <p class="muted">none</p>}
      {artifacts.value && artifacts.value.artifacts.length > 0 && (
        <table class="kv">
          <tbody>
            {artifacts.value.artifacts.map((a) => (
              <tr>
                <td>
                  <a href={api.artifactUrl(runRef, a.path)} download>
                    {a.path}
                  </a>
                </td>
                <td class="num">{bytes(a.size)}</td>
                <td class="muted">{when(a.modifiedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
