// What a copy reads from the source, through core's query API only (never an adapter).
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileSlug, logRecordJson, type ArtifactInfo, type MetricSeries, type Run, type Runlens, type Warning } from '@runlens/core';

export interface SourceRun {
  /** The ref as the user typed it (what every query uses). */
  readonly ref: string;
  readonly run: Run;
  /** The run's identity (`runlens.source.ref`): the same whatever text its ref was typed as. */
  readonly identity: string;
  /** Every series with its points (one read: a provider batches its metric queries). Dropped once written. */
  series: readonly MetricSeries[];
  readonly seriesWarnings: readonly Warning[];
  readonly artifacts: readonly ArtifactInfo[];
}

export async function readSource(runlens: Runlens, ref: string, signal?: AbortSignal): Promise<SourceRun> {
  const run = await runlens.describe(ref, { ...(signal ? { signal } : {}) });
  const caps = runlens.capabilities(run.provider);
  const identity = await runlens.identity(run);
  // All series in one query: per series, each query would describe the run again and the provider
  // could not batch (22 series of a SageMaker job: 11 s one by one, one GetMetricData call together).
  const metrics = caps.systemMetrics || caps.trainingMetrics ? await runlens.metrics(ref, { ...(signal ? { signal } : {}) }) : { series: [], warnings: [] };
  const artifacts = caps.artifacts ? await runlens.artifacts(ref, { ...(signal ? { signal } : {}) }) : [];
  return { ref, run, identity, series: metrics.series, seriesWarnings: metrics.warnings, artifacts };
}

export interface NodeLog {
  readonly node: string;
  readonly file: string;
  readonly size: number;
  readonly lines: number;
}

/**
 * Every node's log lines into one JSON-lines file per node (the archive's log record shape), in a
 * temporary directory the caller removes with `dispose`. Lines stream through; memory stays flat.
 */
export async function spoolLogs(runlens: Runlens, ref: string, options: { signal?: AbortSignal; tmp?: string } = {}): Promise<{ logs: NodeLog[]; warnings: readonly Warning[]; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(options.tmp ?? tmpdir(), 'runlens-copy-logs-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const writers = new Map<string, { stream: WriteStream; file: string; lines: number; failure?: Error }>();
  const names = new Set<string>();
  try {
    const reader = await runlens.logs(ref, { ...(options.signal ? { signal: options.signal } : {}) });
    for await (const record of reader) {
      let writer = writers.get(record.node);
      if (!writer) {
        let name = `${fileSlug(record.node)}.jsonl`;
        for (let i = 2; names.has(name); i++) name = `${fileSlug(record.node)}-${i}.jsonl`;
        names.add(name);
        const file = path.join(dir, name);
        const stream = createWriteStream(file, { encoding: 'utf8' });
        const entry: { stream: WriteStream; file: string; lines: number; failure?: Error } = { stream, file, lines: 0 };
        stream.on('error', (e) => (entry.failure ??= e));
        writer = entry;
        writers.set(record.node, writer);
      }
      if (writer.failure) throw writer.failure;
      writer.lines++;
      if (!writer.stream.write(`${JSON.stringify(logRecordJson(record))}\n`)) await Promise.race([once(writer.stream, 'drain'), once(writer.stream, 'close')]);
    }
    const logs: NodeLog[] = [];
    for (const [node, writer] of writers) {
      writer.stream.end();
      await Promise.race([once(writer.stream, 'finish'), once(writer.stream, 'close')]);
      if (writer.failure) throw writer.failure;
      logs.push({ node, file: writer.file, size: (await stat(writer.file)).size, lines: writer.lines });
    }
    return { logs, warnings: reader.warnings, dispose };
  } catch (e) {
    for (const writer of writers.values()) writer.stream.destroy();
    await dispose();
    throw e;
  }
}

export function fileStream(file: string): AsyncIterable<Uint8Array> {
  return createReadStream(file);
}
