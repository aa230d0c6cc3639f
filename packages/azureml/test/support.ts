import { createRunlens, type FollowPolicy, type LogRecord, type RetryPolicy, type Runlens } from '@runlens/core';
import { localProvider } from '@runlens/local';
import { azuremlProvider } from '../src/index.js';
import { startAzuremlEmulator, type AzuremlEmulator, type AzuremlEmulatorOptions } from '../src/testing/index.js';

export interface Setup {
  readonly emulator: AzuremlEmulator;
  readonly runlens: Runlens;
  /** A second instance with other settings (or retry policy) against the same emulator. */
  with(settings: Record<string, unknown>, env?: Record<string, string>, retry?: Partial<RetryPolicy>, follow?: FollowPolicy): Runlens;
  close(): Promise<void>;
}

/** Core's follow policy for tests (RunlensOptions.follow; the adapter sets none). */
export const FAST: FollowPolicy = { statusPollMs: 30, streamDiscoveryMs: 30, pollMs: { min: 30, max: 60 } };

/** Core's default time budget per request, with back-off delays shortened for the tests. */
export async function setup(options: AzuremlEmulatorOptions = {}, settings: Record<string, unknown> = {}): Promise<Setup> {
  const emulator = await startAzuremlEmulator(options);
  const made: Runlens[] = [];
  const make = (extra: Record<string, unknown>, env: Record<string, string> = {}, retry: Partial<RetryPolicy> = {}, follow: FollowPolicy = FAST) => {
    const runlens = createRunlens({ providers: [azuremlProvider, localProvider], env: { ...emulator.env, ...env }, settings: { azureml: { ...settings, ...extra } }, follow, retry: { baseDelayMs: 2, maxDelayMs: 20, ...retry } });
    made.push(runlens);
    return runlens;
  };
  const runlens = make({});
  return {
    emulator,
    runlens,
    with: make,
    async close() {
      await Promise.all(made.map((r) => r.close()));
      await emulator.close();
    },
  };
}

export async function collect<T>(iterable: AsyncIterable<T>, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

export const strip = (records: readonly LogRecord[]) => records.map(({ timestamp, node, message }) => ({ timestamp, node, message }));

/**
 * The timeline an independent reading of whole files gives: lines split at '\n', a leading ISO
 * timestamp taken (and dropped from the message), other lines inheriting the previous line's time,
 * merged by time with ties in node order then file order.
 */
export function referenceTimeline(files: Record<string, { node: string; text: string }>, start: number): { timestamp: number; node: string; message: string }[] {
  const all: { timestamp: number; node: string; message: string; n: number; i: number }[] = [];
  const nodes = [...new Set(Object.values(files).map((f) => f.node))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const ordered = Object.entries(files).sort(([pa, a], [pb, b]) => nodes.indexOf(a.node) - nodes.indexOf(b.node) || pa.localeCompare(pb, 'en', { numeric: true }));
  ordered.forEach(([, file], n) => {
    let t = start;
    const lines = file.text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    lines.forEach((line, i) => {
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$/s.exec(line);
      if (m) t = Date.parse(m[1]!);
      all.push({ timestamp: t, node: file.node, message: m ? m[2]! : line, n, i });
    });
  });
  all.sort((a, b) => a.timestamp - b.timestamp || a.n - b.n || a.i - b.i);
  return all.map(({ timestamp, node, message }) => ({ timestamp, node, message }));
}
