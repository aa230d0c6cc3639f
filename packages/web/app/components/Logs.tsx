// The run page's log panel: node filter, grep and since go to the server (core filters while it
// merges); lines land in a LogStore and the virtualized viewer shows the ones in view. Live follow
// uses Server-Sent Events until the server says the run has ended.
import { useEffect, useRef, useState } from 'preact/hooks';
import { followLogs, readLogs, type ApiError, type LogFilter, type Warning } from '../api.js';
import { LogStore } from '../logstore.js';
import { ErrorBox } from './common.js';
import { LogViewer } from './LogViewer.js';

type State = 'reading' | 'following' | 'done' | 'ended' | 'stopped' | 'error';

export function LogPanel({ runRef, nodes, live, onEnd }: { runRef: string; nodes: string[]; live: boolean; onEnd?: () => void }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const [grep, setGrep] = useState('');
  const [since, setSince] = useState('');
  const [follow, setFollow] = useState(live);
  // The applied filter: typing does not restart the read, Apply (or Enter) does.
  const [filter, setFilter] = useState<LogFilter & { follow: boolean }>({ follow: live });
  const [store, setStore] = useState(() => new LogStore());
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<State>('reading');
  const [error, setError] = useState<ApiError>();
  const [warnings, setWarnings] = useState<Warning[]>([]);
  const frame = useRef(0);
  const endRef = useRef(onEnd);
  endRef.current = onEnd;

  useEffect(() => setFollow(live), [live]);

  useEffect(() => {
    const fresh = new LogStore();
    setStore(fresh);
    setVersion(0);
    setError(undefined);
    setWarnings([]);
    setState(filter.follow ? 'following' : 'reading');
    const sink = {
      lines(batch: Parameters<LogStore['append']>[0]) {
        fresh.append(batch);
        cancelAnimationFrame(frame.current);
        frame.current = requestAnimationFrame(() => setVersion(fresh.version));
      },
      warning: (w: Warning) => setWarnings((ws) => [...ws, w]),
      end() {
        setVersion(fresh.version);
        setState(filter.follow ? 'ended' : 'done');
        if (filter.follow) endRef.current?.();
      },
      error(e: ApiError) {
        setVersion(fresh.version);
        setError(e);
        setState('error');
      },
    };
    const { follow: following, ...rest } = filter;
    const stop = following ? followLogs(runRef, rest, sink) : readLogs(runRef, rest, sink);
    return () => {
      cancelAnimationFrame(frame.current);
      stop();
    };
  }, [runRef, filter]);

  const apply = (followNow = follow) => setFilter({ node: chosen.length ? chosen : undefined, grep: grep || undefined, since: since || undefined, follow: followNow });
  const toggleNode = (node: string) => setChosen((c) => (c.includes(node) ? c.filter((n) => n !== node) : [...c, node]));
  const label: Record<State, string> = {
    reading: 'reading…',
    following: 'following live…',
    done: 'all lines read',
    ended: 'run ended: follow finished',
    stopped: 'stopped',
    error: 'failed',
  };
  return (
    <div class="logs">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        {nodes.length > 1 && (
          <span class="nodes" role="group" aria-label="nodes">
            {nodes.map((n) => (
              <label class="chip">
                <input type="checkbox" checked={chosen.includes(n)} onChange={() => toggleNode(n)} /> {n}
              </label>
            ))}
          </span>
        )}
        <input type="search" placeholder="grep (regular expression)" value={grep} onInput={(e) => setGrep(e.currentTarget.value)} aria-label="grep" />
        <input type="text" placeholder="since (30m, 2h, ISO time)" value={since} onInput={(e) => setSince(e.currentTarget.value)} aria-label="since" size={18} />
        <label class="chip">
          <input
            type="checkbox"
            checked={follow}
            aria-label="follow live"
            onChange={(e) => {
              setFollow(e.currentTarget.checked);
              apply(e.currentTarget.checked);
            }}
          />{' '}
          follow live
        </label>
        <button type="submit">Apply</button>
        <span class="muted log-state" data-state={state}>
          {store.length.toLocaleString('en-US')} lines · {label[state]}
        </span>
      </form>
      {warnings.map((w) => (
        <div class="warning">{w.message}</div>
      ))}
      {error && <ErrorBox error={error} />}
      <LogViewer store={store} version={version} stick={filter.follow || state === 'reading'} highlight={filter.grep} />
    </div>
  );
}
