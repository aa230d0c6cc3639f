// Child process: k-way merge of generated node streams through core's LogReader, reporting records/s and
// peak RSS. Streams are generated page by page, so what is measured is the merge, not the input.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// RUNLENS_BENCH_ROOT: another checkout's build (a baseline), measured by the same script.
const root = process.env.RUNLENS_BENCH_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const core = await import(path.join(root, 'packages/core/dist/index.js'));
const { LogReader } = core;
/** Contract v2 builds export the log-shape readers; v1 builds took the provider and the run instead of a target. */
const v2 = typeof core.fromQuerySource === 'function';

const streams = Number(process.argv[2] ?? 16);
const perStream = Number(process.argv[3] ?? 100_000);
const pageSize = Number(process.argv[4] ?? 1_000);

const run = { ref: 'bench:run', provider: 'bench', id: 'run', name: 'run', status: 'completed', providerStatus: 'Completed', nodes: [], hyperparameters: {}, raw: null };
const source = {
  async listStreams() {
    return Array.from({ length: streams }, (_, i) => ({ id: `s${i}`, node: `algo-${i + 1}` }));
  },
  async readStream(_run, stream, request) {
    const start = request.position ?? 0;
    const end = Math.min(perStream, start + pageSize);
    const n = Number(stream.id.slice(1));
    const records = [];
    for (let i = start; i < end; i++) {
      // Interleaved timestamps with frequent ties across streams.
      records.push({ timestamp: 1_700_000_000_000 + i * 10 + (n % 4), node: stream.node, message: `step ${i} loss=0.${(i * 7919) % 100000} lr=0.001 throughput=1234.5 samples/s` });
    }
    return { records, next: end, caughtUp: end >= perStream };
  },
};
const target = { run, handle: undefined };
const reader = v2
  ? new LogReader({ source: { kind: 'positioned', ...source }, target, describe: async () => target })
  : new LogReader({ provider: { specificationVersion: 'v1', id: 'bench', catalog: {} }, source, run, describe: async () => run });
const started = performance.now();
let count = 0;
let last = 0;
for await (const record of reader) {
  if (record.timestamp < last) throw new Error('merge out of order');
  last = record.timestamp;
  count++;
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ records: count, seconds, recordsPerSecond: Math.round(count / seconds), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
