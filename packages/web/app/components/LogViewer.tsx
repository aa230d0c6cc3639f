// A virtualized log view: only the rows in the viewport (plus a few) are in the DOM, however many
// lines the store holds. Rows have one fixed height, so a line's position is arithmetic; past the
// browser's element-height limit the scrollbar is scaled.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { timeOfDay } from '../format.js';
import type { LogStore } from '../logstore.js';

export const ROW_HEIGHT = 18;
/** Browsers cap element heights around 16-33M px; stay well below. */
const MAX_SCROLL_PX = 8_000_000;
const OVERSCAN = 10;
const NODE_COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];

export interface LogViewerProps {
  store: LogStore;
  /** The store's version when the parent rendered (so new lines re-render). */
  version: number;
  /** Keep the view pinned to the newest line while it is at the bottom. */
  stick: boolean;
  highlight?: string;
  height?: number;
}

export function LogViewer({ store, version, stick, highlight, height: maxHeight = 460 }: LogViewerProps) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const atBottom = useRef(true);
  const frame = useRef(0);

  const total = store.length * ROW_HEIGHT;
  // A short log gets a short box.
  const height = Math.min(maxHeight, Math.max(ROW_HEIGHT * 6, total + 2));
  const spacer = Math.min(total, MAX_SCROLL_PX);
  // Unscaled pixels per scrolled pixel (1 until the log is taller than the cap).
  const ratio = spacer > height ? Math.max(1, (total - height) / (spacer - height)) : 1;
  const virtualTop = scrollTop * ratio;
  const first = Math.max(0, Math.floor(virtualTop / ROW_HEIGHT) - OVERSCAN);
  const count = Math.ceil(height / ROW_HEIGHT) + 2 * OVERSCAN;
  const last = Math.min(store.length, first + count);
  const offset = scrollTop + (first * ROW_HEIGHT - virtualTop);

  const pattern = useMemo(() => {
    if (!highlight) return undefined;
    try {
      return new RegExp(highlight, 'g');
    } catch {
      return undefined;
    }
  }, [highlight]);

  useLayoutEffect(() => {
    const el = viewport.current;
    if (el && stick && atBottom.current && el.scrollHeight > el.clientHeight) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
  }, [version, stick]);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const onScroll = () => {
    const el = viewport.current;
    if (!el) return;
    atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT;
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(el.scrollTop));
  };

  const rows = [];
  for (let i = first; i < last; i++) {
    const node = store.node(i);
    rows.push(
      <div class="log-row" key={i} data-line={i + 1}>
        <span class="log-no">{i + 1}</span>
        <span class="log-time">{timeOfDay(store.timestamp(i))}</span>
        <span class="log-node" style={{ color: NODE_COLORS[store.nodeId(i) % NODE_COLORS.length] }}>
          {node}
        </span>
        <span class="log-msg">{marked(store.messages[i]!, pattern)}</span>
      </div>,
    );
  }
  return (
    <div class="log-viewport" ref={viewport} onScroll={onScroll} style={{ height: `${height}px` }} data-lines={store.length}>
      <div style={{ height: `${spacer}px`, position: 'relative' }}>
        <div class="log-rows" style={{ transform: `translateY(${offset}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}

function marked(message: string, pattern: RegExp | undefined) {
  if (!pattern) return message;
  const parts = [];
  let at = 0;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(message); m && parts.length < 40; m = pattern.exec(message)) {
    if (m[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    if (m.index > at) parts.push(message.slice(at, m.index));
    parts.push(<mark>{m[0]}</mark>);
    at = m.index + m[0].length;
  }
  if (parts.length === 0) return message;
  parts.push(message.slice(at));
  return parts;
}
