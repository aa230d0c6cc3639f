// The runs table: every configured provider's runs, newest first, filterable; failed runs show their
// failure category (from the listing when it carries one, else from each failed run's description,
// a few at a time).
import type { RefObject } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, listedCategory, type RunSummary } from '../api.js';
import { ErrorBox, Status, useApi } from '../components/common.js';
import { duration, runDuration, when } from '../format.js';
import { hrefs, navigate } from '../router.js';

const categories = new Map<string, string>();

/** Failure categories of failed runs, fetched lazily with at most 3 describes in flight. */
function useFailureCategories(runs: RunSummary[]): Map<string, string> {
  const [, setTick] = useState(0);
  // Before the first render of these runs, so listed categories never show as pending.
  useMemo(() => {
    for (const r of runs) {
      const listed = listedCategory(r);
      if (listed) categories.set(r.ref, listed);
    }
  }, [runs]);
  useEffect(() => {
    const todo = runs.filter((r) => r.status === 'failed' && !categories.has(r.ref));
    if (todo.length === 0) return;
    const controller = new AbortController();
    let next = 0;
    // One re-render per 300 ms however many descriptions arrive (a table of 1,000 rows is not free).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        setTick((t) => t + 1);
      }, 300);
    };
    const worker = async () => {
      while (next < todo.length && !controller.signal.aborted) {
        const run = todo[next++]!;
        try {
          const described = await api.describe(run.ref, controller.signal);
          categories.set(run.ref, described.failure?.category ?? '—');
        } catch {
          if (!controller.signal.aborted) categories.set(run.ref, '?');
        }
        changed();
      }
    };
    void Promise.all([worker(), worker(), worker()]);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [runs]);
  return categories;
}

/** Every row has this height (one line, cut with an ellipsis), so the rows in view are arithmetic. */
const ROW_HEIGHT = 31;
const OVERSCAN = 20;

/**
 * The rows of a long table that are in the window's view (plus some): the table scrolls with the
 * page, but only those rows are in the DOM, with spacer rows keeping the scroll height.
 */
function useRowWindow(count: number): { first: number; last: number; table: RefObject<HTMLTableElement | null> } {
  const table = useRef<HTMLTableElement>(null);
  const [range, setRange] = useState({ first: 0, last: Math.min(count, 60) });
  useEffect(() => {
    let frame = 0;
    const update = () => {
      const body = table.current?.tBodies[0];
      const top = body ? body.getBoundingClientRect().top : 0;
      const first = Math.max(0, Math.min(count, Math.floor(-top / ROW_HEIGHT) - OVERSCAN));
      const last = Math.min(count, first + Math.ceil(window.innerHeight / ROW_HEIGHT) + 2 * OVERSCAN);
      setRange((r) => (r.first === first && r.last === last ? r : { first, last }));
    };
    const schedule = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(update);
    };
    update();
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
    };
  }, [count]);
  return { first: Math.min(range.first, count), last: Math.min(range.last, count), table };
}

export function RunsPage({ params }: { params: URLSearchParams }) {
  const runs = useApi((signal) => api.runs({}, signal), []);
  const [text, setText] = useState(params.get('q') ?? '');
  const [provider, setProvider] = useState(params.get('provider') ?? '');
  const [status, setStatus] = useState(params.get('status') ?? '');
  const [selected, setSelected] = useState<string[]>([]);
  const all = runs.value?.runs ?? [];
  const failures = useFailureCategories(all);
  const providers = useMemo(() => [...new Set(all.map((r) => r.provider))].sort(), [all]);
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return all.filter((r) => (!provider || r.provider === provider) && (!status || r.status === status) && (!needle || r.name.toLowerCase().includes(needle) || r.ref.toLowerCase().includes(needle) || (failures.get(r.ref) ?? '').includes(needle)));
  }, [all, text, provider, status, failures.size]);

  // Filters live in the URL, so a filtered table can be shared and survives reload.
  useEffect(() => {
    const q = new URLSearchParams();
    if (text) q.set('q', text);
    if (provider) q.set('provider', provider);
    if (status) q.set('status', status);
    const search = q.toString();
    if (search !== window.location.search.slice(1)) history.replaceState(null, '', `/${search ? `?${search}` : ''}`);
  }, [text, provider, status]);

  const { first, last, table } = useRowWindow(shown.length);
  const toggle = (ref: string) => setSelected((s) => (s.includes(ref) ? s.filter((r) => r !== ref) : [...s, ref]));
  return (
    <section>
      <h1>Runs</h1>
      <div class="toolbar">
        <input type="search" placeholder="filter by name, ref or failure" value={text} onInput={(e) => setText(e.currentTarget.value)} aria-label="filter runs" />
        <select value={provider} onChange={(e) => setProvider(e.currentTarget.value)} aria-label="provider">
          <option value="">all providers</option>
          {providers.map((p) => (
            <option value={p}>{p}</option>
          ))}
        </select>
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)} aria-label="status">
          <option value="">any status</option>
          {['running', 'pending', 'completed', 'failed', 'stopped'].map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        <button disabled={selected.length < 2} onClick={() => navigate(hrefs.compare(selected))}>
          Compare {selected.length > 0 ? `(${selected.length})` : ''}
        </button>
        <button class="secondary" onClick={runs.reload}>
          Refresh
        </button>
        <span class="muted">{runs.loading ? 'loading…' : `${shown.length} of ${all.length} runs`}</span>
      </div>
      {runs.error !== undefined && <ErrorBox error={runs.error} />}
      {runs.value?.warnings.map((w) => (
        <div class="warning">{w.message}</div>
      ))}
      <table class="runs" ref={table} data-runs={shown.length}>
        <colgroup>
          <col class="c-check" />
          <col class="c-status" />
          <col class="c-provider" />
          <col />
          <col class="c-created" />
          <col class="c-duration" />
          <col class="c-failure" />
        </colgroup>
        <thead>
          <tr>
            <th />
            <th>status</th>
            <th>provider</th>
            <th>name</th>
            <th>created</th>
            <th>duration</th>
            <th>failure</th>
          </tr>
        </thead>
        <tbody>
          {first > 0 && <tr class="spacer" style={{ height: `${first * ROW_HEIGHT}px` }} />}
          {shown.slice(first, last).map((r) => (
            <tr key={r.ref} data-ref={r.ref}>
              <td>
                <input type="checkbox" checked={selected.includes(r.ref)} onChange={() => toggle(r.ref)} aria-label={`select ${r.name}`} />
              </td>
              <td>
                <Status status={r.status} />
              </td>
              <td>{r.provider}</td>
              <td>
                <a href={hrefs.run(r.ref)} title={r.ref}>
                  {r.name}
                </a>
              </td>
              <td class="nowrap">{when(r.createdAt)}</td>
              <td class="nowrap">{duration(runDuration(r))}</td>
              <td>{r.status === 'failed' ? <span class="category">{failures.get(r.ref) ?? '…'}</span> : ''}</td>
            </tr>
          ))}
          {last < shown.length && <tr class="spacer" style={{ height: `${(shown.length - last) * ROW_HEIGHT}px` }} />}
        </tbody>
      </table>
    </section>
  );
}
