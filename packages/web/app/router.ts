// A tiny history router: three pages, addressed by path and query string (refs travel in the query,
// never as path segments, so no proxy or server ever has to keep an encoded slash intact).
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  params: URLSearchParams;
}

const current = (): Location => ({ path: window.location.pathname, params: new URLSearchParams(window.location.search) });
const listeners = new Set<() => void>();

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  for (const listener of listeners) listener();
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return location;
}

/** Plain left clicks on same-origin links stay in the app. */
export function interceptLinks(): void {
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

export const hrefs = {
  runs: () => '/',
  run: (ref: string) => `/run?ref=${encodeURIComponent(ref)}`,
  compare: (refs: readonly string[], metrics: readonly string[] = []) => {
    const q = new URLSearchParams();
    for (const r of refs) q.append('ref', r);
    for (const m of metrics) q.append('metric', m);
    const text = q.toString();
    return `/compare${text ? `?${text}` : ''}`;
  },
};
