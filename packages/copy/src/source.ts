// What a copy reads from the source, through core's query API only (never an adapter).
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareNatural, DEFAULT_READ_AHEAD_BYTES, fileSlug, logRecordJsonLine, seriesLength, type ArtifactInfo, type MetricDescriptor, type MetricSeries, type Run, type Runlens, type Warning } from '@runlens/core';

export interface SourceRun {
  /** The ref as the user typed it (what every query uses). */
  readonly ref: string;
  readonly run: Run;
  /** The run's identity (`runlens.source.ref`): the same whatever text its ref was typed as. */
  readonly identity: string;
}

/** The run and its identity: all a copy needs to find an earlier copy (and stop if it is complete). */
export async function describeSource(runlens: Runlens, ref: string, signal?: AbortSignal): Promise<SourceRun> {
  const run = await runlens.describe(ref, { ...(signal ? { signal } : {}) });
  return { ref, run, identity: await runlens.identity(run) };
}

export interface SourceParts {
  /** Every series the run has, without points (the points are read group by group: `readSeriesGroups`). */
  readonly descriptors: readonly MetricDescriptor[];
  readonly artifacts: readonly ArtifactInfo[];
}

export async function readSourceParts(runlens: Runlens, source: SourceRun, signal?: AbortSignal): Promise<SourceParts> {
  const call = signal ? { signal } : {};
  // The run's own capabilities: a job without outputs has no artifacts though its provider has them.
  const caps = await runlens.runCapabilities(source.run, call);
  const descriptors = caps.systemMetrics.available || caps.trainingMetrics.available ? await runlens.metricDescriptors(source.ref, call) : [];
  const artifacts = caps.artifacts.available ? await runlens.artifacts(source.ref, call) : [];
  return { descriptors, artifacts };
}

/** A run with at most this many series is read in one metrics query (a provider batches its reads). */
export const SERIES_READ_AT_ONCE = 8;
/**
 * Points held at once when a run has more series: the largest series read so far sizes the next
 * group. About what one CloudWatch GetMetricData answer holds (100,800 datapoints), so a provider
 * that batches its reads makes no more calls than it would for the whole run.
 */
export const POINTS_HELD_AT_ONCE = 100_000;

/** Which series a descriptor is (name, node, kind and provider name). */
export function seriesId(d: MetricDescriptor): string {
  return `${d.kind}\u0000${d.name}\u0000${d.node ?? ''}\u0000${d.providerName}`;
}

/**
 * The series with their points, a group at a time, so that a run with a million points is never held
 * whole: a small run in one query; a bigger one a name at a time first, then in groups of names whose
 * series should hold about `pointsAtOnce` points (judged by the largest series so far). Each series
 * comes once, in some group; the warnings of every query come once.
 */
export async function* readSeriesGroups(runlens: Runlens, ref: string, descriptors: readonly MetricDescriptor[], options: { signal?: AbortSignal; pointsAtOnce?: number } = {}): AsyncGenerator<{ series: MetricSeries[]; warnings: Warning[] }> {
  if (descriptors.length === 0) return;
  const call = options.signal ? { signal: options.signal } : {};
  const said = new Set<string>();
  const fresh = (warnings: readonly Warning[]) => warnings.filter((w) => !said.has(w.message) && said.add(w.message));
  if (descriptors.length <= SERIES_READ_AT_ONCE) {
    const all = await runlens.metrics(ref, call);
    yield { series: [...all.series], warnings: fresh(all.warnings) };
    return;
  }
  const budget = options.pointsAtOnce ?? POINTS_HELD_AT_ONCE;
  const byName = new Map<string, Set<string>>();
  for (const d of descriptors) {
    let ids = byName.get(d.name);
    if (!ids) byName.set(d.name, (ids = new Set()));
    ids.add(seriesId(d));
  }
  const names = [...byName.keys()];
  const seen = new Set<string>();
  let largest = 0;
  for (let i = 0; i < names.length; ) {
    const group = [names[i++]!];
    let count = byName.get(group[0]!)!.size;
    while (largest > 0 && i < names.length && (count + byName.get(names[i]!)!.size) * largest <= budget) {
      count += byName.get(names[i]!)!.size;
      group.push(names[i++]!);
    }
    // Names are globs to the query API (`*` only): one with a `*` may select more; only this group's series are kept.
    let result: Awaited<ReturnType<Runlens['metrics']>> | undefined = await runlens.metrics(ref, { ...call, names: group });
    const wanted = new Set(group.flatMap((n) => [...byName.get(n)!]));
    const series = result.series.filter((s) => wanted.has(seriesId(s)) && !seen.has(seriesId(s)));
    const warnings = fresh(result.warnings.filter((w) => w.type !== 'not-found'));
    result = undefined;
    for (const s of series) {
      seen.add(seriesId(s));
      largest = Math.max(largest, seriesLength(s));
    }
    yield { series, warnings };
    // Written: let this group's points go before the next group is read.
    series.length = 0;
  }
}

export interface NodeLog {
  readonly node: string;
  readonly size: number;
  readonly lines: number;
  /** The node's JSON lines: from memory or from its spool file. */
  open(): AsyncIterable<Uint8Array>;
}

/** A node's log is kept in memory up to this many bytes, then spooled to a file (small runs touch no disk). */
export const LOG_BYTES_IN_MEMORY = 1024 * 1024;

/** A run with at most this many nodes has its logs read in one merged pass; a bigger one this many nodes at a time. */
export const NODES_READ_AT_ONCE = 4;

/**
 * Read-ahead per node in a pass: core's default budget (12 MiB) is sized for a merge of 16 CloudWatch
 * streams at the quota's rate, about 0.75 MiB a stream. A pass of 4 nodes asks for as much per node,
 * not for the 16 streams' whole budget: a copy also holds a metric group and an upload at other
 * times, and the 16-node benchmark copy peaked over 200 MB with the default (docs/migration.md).
 */
export const READ_AHEAD_BYTES_PER_NODE = DEFAULT_READ_AHEAD_BYTES / 16;

/**
 * Every node's log lines into one JSON-lines file per node (the archive's log record shape), in a
 * temporary directory the caller removes with `dispose`. Lines stream through; memory stays flat: a
 * run of many nodes is read a few nodes at a time (each pass holds a page per stream it merges), at
 * the cost of one more stream listing per group.
 */
export async function spoolLogs(runlens: Runlens, ref: string, options: { signal?: AbortSignal; tmp?: string; nodes?: number } = {}): Promise<{ logs: NodeLog[]; warnings: readonly Warning[]; dispose(): Promise<void> }> {
  // The directory is made when the first node's log outgrows memory.
  let dir: string | undefined;
  const directory = async () => (dir ??= await mkdtemp(path.join(options.tmp ?? tmpdir(), 'runlens-copy-logs-')));
  const dispose = async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  type Writer = { name: string; held: string[]; heldBytes: number; stream?: WriteStream; file?: string; lines: number; failure?: Error };
  const writers = new Map<string, Writer>();
  const names = new Set<string>();
  const call = options.signal ? { signal: options.signal } : {};
  const logs: NodeLog[] = [];
  const warnings: Warning[] = [];
  const said = new Set<string>();
  try {
    let groups: (readonly string[] | undefined)[] = [undefined];
    if ((options.nodes ?? 0) > NODES_READ_AT_ONCE) {
      const nodes = [...new Set((await runlens.logStreams(ref, call)).map((s) => s.node))].sort(compareNatural);
      groups = [];
      for (let i = 0; i < nodes.length; i += NODES_READ_AT_ONCE) groups.push(nodes.slice(i, i + NODES_READ_AT_ONCE));
    }
    const jsonLine = logRecordJsonLine();
    // A run that does not say how many nodes it has keeps core's default.
    const perPass = options.nodes ? Math.min(options.nodes, NODES_READ_AT_ONCE) : undefined;
    const budget = perPass ? { readAheadBytes: READ_AHEAD_BYTES_PER_NODE * perPass } : {};
    for (const group of groups) {
      const reader = await runlens.logs(ref, { ...call, ...budget, ...(group ? { nodes: group } : {}) });
      for await (const record of reader) {
        let writer = writers.get(record.node);
        if (!writer) {
          let name = `${fileSlug(record.node)}.jsonl`;
          for (let i = 2; names.has(name); i++) name = `${fileSlug(record.node)}-${i}.jsonl`;
          names.add(name);
          writer = { name, held: [], heldBytes: 0, lines: 0 };
          writers.set(record.node, writer);
        }
        if (writer.failure) throw writer.failure;
        writer.lines++;
        const line = jsonLine(record);
        if (!writer.stream) {
          writer.held.push(line);
          writer.heldBytes += line.length; // UTF-16 units (at most 3 bytes each in UTF-8)
          if (writer.heldBytes <= LOG_BYTES_IN_MEMORY) continue;
          const entry = writer;
          entry.file = path.join(await directory(), entry.name);
          entry.stream = createWriteStream(entry.file, { encoding: 'utf8' });
          entry.stream.on('error', (e) => (entry.failure ??= e));
          const text = entry.held.join('');
          entry.held = [];
          if (!entry.stream.write(text)) await drained(entry.stream);
          continue;
        }
        if (!writer.stream.write(line)) await drained(writer.stream);
      }
      for (const w of reader.warnings) if (!said.has(w.message) && said.add(w.message)) warnings.push(w);
      // This group's files are complete: closed now, so a many-node run never holds every file open.
      for (const [node, writer] of writers) {
        if (logs.some((l) => l.node === node)) continue;
        const { stream, file, lines } = writer;
        if (!stream || !file) {
          const bytes = Buffer.from(writer.held.join(''), 'utf8');
          writer.held = [];
          logs.push({ node, size: bytes.byteLength, lines, open: () => once_(bytes) });
          continue;
        }
        stream.end();
        await Promise.race([once(stream, 'finish'), once(stream, 'close')]);
        if (writer.failure) throw writer.failure;
        logs.push({ node, size: (await stat(file)).size, lines, open: () => createReadStream(file) });
      }
    }
    return { logs, warnings, dispose };
  } catch (e) {
    for (const writer of writers.values()) writer.stream?.destroy();
    await dispose();
    throw e;
  }
}

/** Resolves when the stream drains or closes, leaving no listener behind (a spool waits thousands of times). */
function drained(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

async function* once_(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
