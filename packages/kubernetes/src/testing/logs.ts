/**
 * Container logs and `GET /api/v1/namespaces/{ns}/pods/{pod}/log`, with the kubelet's semantics
 * (k8s.io/kubernetes pkg/kubelet/kuberuntime/logs/logs.go): tail first, then `since`; `limitBytes`
 * may cut the last line; timestamps in RFC3339 with nine fraction digits; `follow` streams until the
 * container stops. The apiserver forwards `sinceTime` to the kubelet formatted as RFC3339 (whole
 * seconds: pkg/registry/core/pod/strategy.go LogLocation), which is where sub-second precision is lost.
 */
import { EventEmitter } from 'node:events';

import { sendStatus } from './http.js';

import type { Exchange } from './http.js';
import type { KubeObject } from './resources.js';

export interface LogLine {
  /** Epoch nanoseconds. */
  readonly timeNs: bigint;
  /** Without the trailing newline. */
  readonly text: string;
}

/** One run of a container: restarts add runs, and `previous=true` reads the one before the last. */
export interface ContainerRun {
  readonly lines: LogLine[];
  /** Epoch ns when this run stopped; undefined while it runs. */
  endedNs?: bigint;
}

export class LogStore {
  private readonly pods = new Map<string, Map<string, ContainerRun[]>>();
  readonly appended = new EventEmitter();

  constructor() {
    this.appended.setMaxListeners(0);
  }

  runs(namespace: string, pod: string, container: string): ContainerRun[] {
    const key = `${namespace}/${pod}`;
    let containers = this.pods.get(key);
    if (containers === undefined) {
      containers = new Map();
      this.pods.set(key, containers);
    }
    let runs = containers.get(container);
    if (runs === undefined) {
      runs = [];
      containers.set(container, runs);
    }
    return runs;
  }

  /** The current run, started if there is none yet. */
  current(namespace: string, pod: string, container: string): ContainerRun {
    const runs = this.runs(namespace, pod, container);
    if (runs.length === 0) runs.push({ lines: [] });
    return runs.at(-1)!;
  }

  append(namespace: string, pod: string, container: string, lines: readonly LogLine[]): void {
    const run = this.current(namespace, pod, container);
    let sorted = true;
    for (const line of lines) {
      const last = run.lines.at(-1);
      if (last !== undefined && line.timeNs < last.timeNs) sorted = false;
      if (line.text.includes('\n')) for (const part of line.text.split('\n')) run.lines.push({ timeNs: line.timeNs, text: part });
      else run.lines.push(line);
    }
    if (!sorted) run.lines.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
    this.appended.emit('append');
  }

  /** Ends the current run at `atNs` and starts a new one (a container restart). */
  restart(namespace: string, pod: string, container: string, atNs: bigint): void {
    this.stop(namespace, pod, container, atNs);
    this.runs(namespace, pod, container).push({ lines: [] });
    this.appended.emit('append');
  }

  /** Ends the current run at `atNs`: a stopped container writes nothing after that. */
  stop(namespace: string, pod: string, container: string, atNs: bigint): void {
    const run = this.current(namespace, pod, container);
    run.endedNs = atNs;
    const kept = run.lines.filter((line) => line.timeNs <= atNs);
    run.lines.splice(0, run.lines.length, ...kept);
    this.appended.emit('append');
  }

  forget(namespace: string, pod: string): void {
    this.pods.delete(`${namespace}/${pod}`);
  }
}

export interface FollowSettings {
  /** How long a follow stream may stay silent before it is dropped (kubelet's streaming-connection-idle-timeout). */
  readonly idleTimeoutMs: number;
  /** `end`: a clean end of the chunked body; `reset`: the socket is destroyed mid-stream. */
  readonly drop: 'end' | 'reset';
  /** How often a follow stream re-checks the clock for lines that became due. */
  readonly pollMs: number;
}

interface LogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceNs: bigint | undefined;
  tailLines: number | undefined;
  limitBytes: number | undefined;
}

export function serveLog(
  exchange: Exchange,
  pod: KubeObject,
  logs: LogStore,
  clock: () => number,
  follow: FollowSettings,
): void {
  const options = parseLogOptions(exchange, pod, clock);
  if (options === undefined) return;
  const namespace = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  const spec = (pod['spec'] ?? {}) as { nodeName?: string };
  if (spec.nodeName === undefined || spec.nodeName === '') {
    // LogLocation returns no location for a pod not yet bound to a node: an empty 200.
    exchange.record.status = 200;
    exchange.res.writeHead(200, { 'content-type': 'text/plain' });
    exchange.res.end();
    return;
  }
  const runs = logs.runs(namespace, name, options.container);
  const waiting = waitingReason(pod, options.container);
  if (options.previous) {
    if (runs.length < 2) {
      sendStatus(exchange, 400, 'BadRequest', `previous terminated container "${options.container}" in pod "${name}" not found`);
      return;
    }
  } else if (runs.length === 0 && waiting !== undefined) {
    sendStatus(exchange, 400, 'BadRequest', `container "${options.container}" in pod "${name}" is waiting to start: ${waiting}`);
    return;
  }
  const run = options.previous ? runs.at(-2)! : (runs.at(-1) ?? { lines: [] });
  streamRun(exchange, run, options, logs, clock, follow);
}

function streamRun(exchange: Exchange, run: ContainerRun, options: LogOptions, logs: LogStore, clock: () => number, follow: FollowSettings): void {
  const { res, record } = exchange;
  const nowNs = (): bigint => BigInt(clock()) * 1_000_000n;
  let remaining = options.limitBytes ?? Number.POSITIVE_INFINITY;
  record.status = 200;
  res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
  if (options.follow) res.flushHeaders(); // a follow client sees the 200 before any line is due

  const visibleCount = (): number => {
    const now = nowNs();
    let count = 0;
    while (count < run.lines.length && run.lines[count]!.timeNs <= now) count += 1;
    return count;
  };
  let cursor = visibleCount();
  let first = options.tailLines === undefined ? 0 : Math.max(0, cursor - options.tailLines);

  /** Writes lines [from, to); false once limitBytes is spent. */
  const write = (from: number, to: number): boolean => {
    const chunks: Buffer[] = [];
    for (let index = from; index < to && remaining > 0; index += 1) {
      const line = run.lines[index]!;
      if (options.sinceNs !== undefined && line.timeNs < options.sinceNs) continue;
      // Bytes, not characters: limitBytes may cut inside a UTF-8 sequence, as the kubelet's writer does.
      const bytes = Buffer.from(`${options.timestamps ? `${formatTimestamp(line.timeNs)} ` : ''}${line.text}\n`, 'utf8');
      const kept = bytes.byteLength > remaining ? bytes.subarray(0, remaining) : bytes;
      remaining -= kept.byteLength;
      chunks.push(kept);
    }
    if (chunks.length > 0) {
      const body = Buffer.concat(chunks);
      record.bytesSent += body.byteLength;
      res.write(body);
    }
    return remaining > 0;
  };

  const more = write(first, cursor);
  const ended = (): boolean => run.endedNs !== undefined && run.endedNs <= nowNs();
  if (!options.follow || !more || (ended() && cursor === run.lines.length)) {
    res.end();
    return;
  }

  let idle: NodeJS.Timeout | undefined;
  const armIdle = (): void => {
    if (idle !== undefined) clearTimeout(idle);
    idle = setTimeout(() => {
      // The kubelet's idle timeout: the stream just stops; the client must reconnect and resume.
      stop();
      if (follow.drop === 'reset') res.destroy();
      else res.end();
    }, follow.idleTimeoutMs);
    idle.unref();
  };
  const check = (): void => {
    const visible = visibleCount();
    if (visible > cursor) {
      first = cursor;
      cursor = visible;
      armIdle();
      if (!write(first, cursor)) {
        stop();
        res.end();
        return;
      }
    }
    if (ended() && cursor === run.lines.length) {
      stop();
      res.end();
    }
  };
  const poll = setInterval(check, follow.pollMs);
  poll.unref();
  logs.appended.on('append', check);
  const stop = (): void => {
    clearInterval(poll);
    if (idle !== undefined) clearTimeout(idle);
    logs.appended.off('append', check);
  };
  res.on('close', stop);
  armIdle();
}

function parseLogOptions(exchange: Exchange, pod: KubeObject, clock: () => number): LogOptions | undefined {
  const query = exchange.url.searchParams;
  const name = pod.metadata.name;
  const bool = (key: string): boolean | undefined => {
    const value = query.get(key);
    if (value === null) return false;
    if (value === 'true' || value === '1' || value === '') return true;
    if (value === 'false' || value === '0') return false;
    return undefined;
  };
  const integer = (key: string): number | undefined | null => {
    const value = query.get(key);
    if (value === null) return undefined;
    return /^-?\d+$/.test(value) ? Number(value) : null;
  };
  for (const key of ['follow', 'previous', 'timestamps']) {
    if (bool(key) === undefined) {
      sendStatus(exchange, 400, 'BadRequest', `invalid value for ${key}: strconv.ParseBool: parsing "${query.get(key)}": invalid syntax`);
      return undefined;
    }
  }
  const sinceSeconds = integer('sinceSeconds');
  const tailLines = integer('tailLines');
  const limitBytes = integer('limitBytes');
  if (sinceSeconds === null || tailLines === null || limitBytes === null) {
    const key = sinceSeconds === null ? 'sinceSeconds' : tailLines === null ? 'tailLines' : 'limitBytes';
    sendStatus(exchange, 400, 'BadRequest', `invalid value for ${key}: strconv.ParseInt: parsing "${query.get(key)}": invalid syntax`);
    return undefined;
  }
  const sinceTimeText = query.get('sinceTime');
  let sinceTimeMs: number | undefined;
  if (sinceTimeText !== null) {
    sinceTimeMs = parseRfc3339(sinceTimeText);
    if (sinceTimeMs === undefined) {
      sendStatus(exchange, 400, 'BadRequest', `invalid value for sinceTime: parsing time "${sinceTimeText}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
      return undefined;
    }
  }
  const invalid: string[] = [];
  if (sinceSeconds !== undefined && sinceTimeMs !== undefined) invalid.push('[]: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (sinceSeconds !== undefined && sinceSeconds < 1) invalid.push(`sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`);
  if (tailLines !== undefined && tailLines < 0) invalid.push(`tailLines: Invalid value: ${tailLines}: must be greater than or equal to 0`);
  if (limitBytes !== undefined && limitBytes < 1) invalid.push(`limitBytes: Invalid value: ${limitBytes}: must be greater than 0`);
  if (invalid.length > 0) {
    sendStatus(exchange, 422, 'Invalid', `PodLogOptions "${name}" is invalid: ${invalid.join(', ')}`, { name, kind: 'PodLogOptions' });
    return undefined;
  }
  const container = chooseContainer(exchange, pod, query.get('container') ?? '');
  if (container === undefined) return undefined;
  const nowMs = clock();
  // The kubelet keeps the later of the two bounds; sinceTime reaches it in whole seconds.
  let sinceNs: bigint | undefined;
  if (sinceSeconds !== undefined) sinceNs = BigInt(nowMs - sinceSeconds * 1000) * 1_000_000n;
  if (sinceTimeMs !== undefined) sinceNs = BigInt(Math.floor(sinceTimeMs / 1000)) * 1_000_000_000n;
  return {
    container,
    follow: bool('follow') === true,
    previous: bool('previous') === true,
    timestamps: bool('timestamps') === true,
    sinceNs,
    tailLines,
    limitBytes,
  };
}

/** LogLocation's container choice and its error messages. */
function chooseContainer(exchange: Exchange, pod: KubeObject, requested: string): string | undefined {
  const spec = (pod['spec'] ?? {}) as { containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }> };
  const containers = (spec.containers ?? []).map((container) => container.name);
  const initContainers = (spec.initContainers ?? []).map((container) => container.name);
  const name = pod.metadata.name;
  if (requested !== '') {
    if (containers.includes(requested) || initContainers.includes(requested)) return requested;
    sendStatus(exchange, 400, 'BadRequest', `container ${requested} is not valid for pod ${name}`);
    return undefined;
  }
  if (containers.length === 1) return containers[0]!;
  let message = `a container name must be specified for pod ${name}`;
  if (containers.length > 1) {
    message += `, choose one of: [${containers.join(' ')}]`;
    if (initContainers.length > 0) message += ` or one of the init containers: [${initContainers.join(' ')}]`;
  }
  sendStatus(exchange, 400, 'BadRequest', message);
  return undefined;
}

function waitingReason(pod: KubeObject, container: string): string | undefined {
  const status = (pod['status'] ?? {}) as { containerStatuses?: Array<{ name: string; state?: { waiting?: { reason?: string } } }> };
  const entry = (status.containerStatuses ?? []).find((candidate) => candidate.name === container);
  if (entry === undefined) return 'ContainerCreating';
  return entry.state?.waiting === undefined ? undefined : (entry.state.waiting.reason ?? 'ContainerCreating');
}

/** RFC3339 with optional fraction (Go's time.Parse(time.RFC3339) accepts one); ms, or undefined. */
export function parseRfc3339(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** The kubelet's RFC3339NanoFixed: always nine fraction digits. */
export function formatTimestamp(timeNs: bigint): string {
  const seconds = timeNs / 1_000_000_000n;
  const fraction = (timeNs % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}
