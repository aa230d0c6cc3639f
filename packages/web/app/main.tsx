// The runlens web view: runs table, run page and compare page over the HTTP API of `runlens serve`.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { token } from './api.js';
import { ComparePage } from './pages/Compare.js';
import { RunPage } from './pages/Run.js';
import { RunsPage } from './pages/Runs.js';
import { hrefs, interceptLinks, useLocation } from './router.js';

function App() {
  const { path, params } = useLocation();
  let page;
  if (path === '/' || path === '/runs') page = <RunsPage params={params} />;
  else if (path === '/run' && params.get('ref')) page = <RunPage key={params.get('ref')} runRef={params.get('ref')!} />;
  else if (path === '/compare') page = <ComparePage params={params} />;
  else page = <p>Nothing here. <a href="/">Back to the runs.</a></p>;
  return (
    <>
      <header>
        <a class="brand" href={hrefs.runs()}>
          runlens
        </a>
        <nav>
          <a href={hrefs.runs()} class={path === '/' ? 'active' : ''}>
            Runs
          </a>
          <a href={hrefs.compare([])} class={path === '/compare' ? 'active' : ''}>
            Compare
          </a>
        </nav>
        <TokenBox />
      </header>
      <main>{page}</main>
    </>
  );
}

/** Only for servers started with a token: the API then wants `Authorization: Bearer …`. */
function TokenBox() {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button class="link" onClick={() => setOpen(true)} title="set the bearer token the server was started with">
        {token.get() ? 'token set' : 'token'}
      </button>
    );
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const input = (e.currentTarget.elements.namedItem('token') as HTMLInputElement).value;
        token.set(input);
        location.reload();
      }}
    >
      <input name="token" type="password" placeholder="bearer token" autoComplete="off" />
    </form>
  );
}

interceptLinks();
render(<App />, document.getElementById('app')!);
