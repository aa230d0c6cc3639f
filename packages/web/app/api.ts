// The web view's only door to runlens: the HTTP API of `runlens serve` (packages/server). Shapes are
// the CLI's --json shapes; errors are `{ error: { code, message } }`.

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'stopped';

export interface RunSummary {
  ref: string;
  provider: string;
  id: string;
  name: string;
  status: RunStatus;
  providerStatus?: string;
  createdAt?: string;
  endedAt?: string;
  /** A failed run's category, when the listing has it without describing the run (see docs/server.md). */
  failure?: { category: string; reason?: string };
}

/** The failure category a listing gave for a run, if any. */
export const listedCategory = (r: RunSummary): string | undefined => r.failure?.category;

export interface Run extends Omit<RunSummary, 'failure'> {
  startedAt?: string;
  nodes: { name: string; instanceType?: string; status?: string }[];
  failure?: { category: string; reason: string; evidence: string[]; code?: string };
  hyperparameters: Record<string, string>;
  tags?: Record<string, string>;
  finalMetrics?: Record<string, number>;
  timeline?: { at: string; status: string; message?: string }[];
  origin?: { provider: string; ref: string };
}

export interface Warning {
  type: string;
  message: string;
}

export interface LogLine {
  timestamp: number;
  node: string;
  message: string;
  stream?: string;
}

/**
 * A metric series as the API's `format=columns` sends it: point i is (timestamps[i], steps?.[i],
 * values[i]). Parsed straight into chart columns, with no object per point.
 */
export interface MetricSeries {
  name: string;
  node?: string;
  kind: 'system' | 'training';
  unit?: string;
  providerName: string;
  valueType?: 'number' | 'string';
  /** Epoch ms. */
  timestamps: number[];
  /** Absent when no point has a step; null where one has none. */
  steps?: (number | null)[];
  /** null: a missing sample (a gap). */
  values: (number | string | null)[];
}

export interface Artifact {
  path: string;
  size?: number;
  modifiedAt?: string;
}

export interface Comparison {
  metrics: string[];
  runs: { ref: string; provider: string; name: string; status: RunStatus; durationMs?: number; metrics: Record<string, { series: string; final: number | null; best: number | null; bestStep?: number; points: number } | null> }[];
  warnings: Warning[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'runlens.token';
/** A bearer token, needed only when the server was started with one (non-loopback binds). */
export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token.get();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

/** A query string from a record; arrays repeat the parameter, undefined and '' are left out. */
export function query(params: Record<string, string | number | boolean | readonly string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const v of value) q.append(key, v);
    else q.append(key, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** `/api/runs/<ref>` with the ref as one URL-encoded path segment. */
export const runPath = (ref: string, rest = '') => `/api/runs/${encodeURIComponent(ref)}${rest}`;

async function failure(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(response.status, body.error?.code ?? 'Internal', body.error?.message ?? response.statusText);
  } catch {
    return new ApiError(response.status, 'Internal', `${response.status} ${response.statusText}`);
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: headers({ Accept: 'application/json' }), signal });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export const api = {
  runs: (filter: { provider?: string[]; status?: string[]; limit?: number } = {}, signal?: AbortSignal) => getJson<{ runs: RunSummary[]; warnings: Warning[] }>(`/api/runs${query(filter)}`, signal),
  describe: (ref: string, signal?: AbortSignal) => getJson<Run>(runPath(ref), signal),
  metrics: (ref: string, q: { metric?: string[]; node?: string[]; kind?: 'system' | 'training'; points?: number; since?: string; until?: string } = {}, signal?: AbortSignal) =>
    getJson<{ series: MetricSeries[]; warnings: Warning[] }>(runPath(ref, `/metrics${query({ ...q, format: 'columns' })}`), signal),
  artifacts: (ref: string, signal?: AbortSignal) => getJson<{ artifacts: Artifact[] }>(runPath(ref, '/artifacts'), signal),
  artifactUrl: (ref: string, path: string) => runPath(ref, `/artifact${query({ path })}`),
  compare: (refs: string[], metrics: string[], signal?: AbortSignal) => getJson<Comparison>(`/api/compare${query({ ref: refs, metric: metrics })}`, signal),
};

export interface LogFilter {
  node?: string[];
  grep?: string;
  since?: string;
}

export interface LogSink {
  lines(batch: LogLine[]): void;
  warning?(warning: Warning): void;
  /** The stream ended: the whole log was read, or (following) the run ended. */
  end(): void;
  error(error: ApiError): void;
}

/**
 * Reads a run's logs once, as NDJSON, handing lines over in batches as they arrive (never the
 * whole body as one string). Returns a function that stops reading.
 */
export function readLogs(ref: string, filter: LogFilter, sink: LogSink): () => void {
  const controller = new AbortController();
  (async () => {
    const response = await fetch(runPath(ref, `/logs${query({ ...filter })}`), { headers: headers({ Accept: 'application/x-ndjson' }), signal: controller.signal });
    if (!response.ok || !response.body) throw await failure(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = rest + value;
      const last = text.lastIndexOf('\n');
      if (last < 0) {
        rest = text;
        continue;
      }
      rest = text.slice(last + 1);
      const batch: LogLine[] = [];
      for (const line of text.slice(0, last).split('\n')) {
        if (line === '') continue; // heartbeat
        const parsed = JSON.parse(line) as LogLine | { error: { code: string; message: string } };
        if ('error' in parsed) throw new ApiError(0, parsed.error.code, parsed.error.message);
        batch.push(parsed);
      }
      if (batch.length > 0) sink.lines(batch);
    }
    sink.end();
  })().catch((error: unknown) => {
    if (controller.signal.aborted) return;
    sink.error(error instanceof ApiError ? error : new ApiError(0, 'Interrupted', String(error)));
  });
  return () => controller.abort();
}

/**
 * Follows a run's logs live over Server-Sent Events: `follow=true`, each event's id is the resume
 * cursor, so EventSource's own reconnect (Last-Event-ID) resumes with no line lost or repeated. The
 * server sends `end` when the run is over. With a token (EventSource cannot send headers) the same
 * protocol is read with fetch, resuming from the last id by hand.
 */
export function followLogs(ref: string, filter: LogFilter, sink: LogSink): () => void {
  const url = runPath(ref, `/logs${query({ ...filter, follow: 'true' })}`);
  if (token.get()) return followWithFetch(url, sink);
  const source = new EventSource(url);
  let batch: LogLine[] = [];
  let scheduled = false;
  // Lines arrive one event each; hand them over once per frame.
  const flush = () => {
    scheduled = false;
    if (batch.length === 0) return;
    const out = batch;
    batch = [];
    sink.lines(out);
  };
  source.onmessage = (event) => {
    batch.push(JSON.parse(event.data as string) as LogLine);
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(flush);
    }
  };
  source.addEventListener('warning', (event) => sink.warning?.(JSON.parse((event as MessageEvent).data as string) as Warning));
  source.addEventListener('end', () => {
    source.close();
    flush();
    sink.end();
  });
  source.addEventListener('error', (event) => {
    const data = (event as MessageEvent).data as string | undefined;
    if (data) {
      // An error event from the server (in-band), not a dropped connection.
      source.close();
      flush();
      const body = JSON.parse(data) as { error: { code: string; message: string } };
      sink.error(new ApiError(0, body.error.code, body.error.message));
    }
    // Otherwise EventSource reconnects by itself with Last-Event-ID.
  });
  return () => source.close();
}

function followWithFetch(url: string, sink: LogSink): () => void {
  const controller = new AbortController();
  let lastId: string | undefined;
  const once = async (): Promise<boolean> => {
    const response = await fetch(url, { headers: headers({ Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) }), signal: controller.signal });
    if (!response.ok || !response.body) throw await failure(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event: { event?: string; id?: string; data?: string } = {};
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value;
      const batch: LogLine[] = [];
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (event.data !== undefined) {
            if (event.id !== undefined) lastId = event.id;
            const kind = event.event ?? 'message';
            if (kind === 'message') batch.push(JSON.parse(event.data) as LogLine);
            else if (kind === 'warning') sink.warning?.(JSON.parse(event.data) as Warning);
            else if (kind === 'end') {
              if (batch.length) sink.lines(batch);
              return true;
            } else if (kind === 'error') {
              const body = JSON.parse(event.data) as { error: { code: string; message: string } };
              throw new ApiError(0, body.error.code, body.error.message);
            }
          }
          event = {};
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon);
          const v = line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') event.data = event.data === undefined ? v : `${event.data}\n${v}`;
          else if (field === 'id') event.id = v;
          else if (field === 'event') event.event = v;
        }
      }
      if (batch.length) sink.lines(batch);
    }
  };
  (async () => {
    // A dropped connection resumes from the last id, as EventSource would.
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        if (await once()) return sink.end();
      } catch (error) {
        if (error instanceof ApiError) throw error;
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new ApiError(0, 'Interrupted', 'the log stream kept dropping');
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) sink.error(error instanceof ApiError ? error : new ApiError(0, 'Interrupted', String(error)));
  });
  return () => controller.abort();
}
