// Core's read-ahead against the emulator: 16 streams whose pages (~7,700 events each) together exceed
// the read-ahead budget. While the caller holds the first merged batch, the next page of the stream
// that runs dry first (algo-1, whose timestamps end earliest) is already asked for; the whole read
// then loses, repeats and reorders nothing, with no call more than a read without read-ahead makes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRunlens, type Runlens } from '@runlens/core';
import { sagemakerProvider } from '../src/index.js';
import { largeJobEvent, largeJobSpec, startSagemakerEmulator, type RecordedRequest, type SagemakerEmulator } from '../src/testing/index.js';
import { UNTHROTTLED } from './harness.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const JOB = 'rl-read-ahead';
const NODES = 16;
const LINES = 12_000;
let emulator: SagemakerEmulator;
let runlens: Runlens;
/** Resolvers waiting for a request the emulator has received (driven by requests, bounded by the test's timeout). */
const waiters: (() => void)[] = [];

beforeAll(async () => {
  emulator = await startSagemakerEmulator({ scenarios: false });
  emulator.seedLargeJob(JOB, { nodes: NODES, linesPerNode: LINES });
  const requests = emulator.requests;
  const push = requests.push.bind(requests);
  requests.push = (...items: RecordedRequest[]) => {
    const length = push(...items);
    for (const wake of waiters.splice(0)) wake();
    return length;
  };
  runlens = createRunlens({ providers: [sagemakerProvider], env: emulator.env, settings: { sagemaker: UNTHROTTLED } });
});
afterAll(async () => {
  await runlens?.close();
  await emulator?.close();
});

const streamOf = (r: RecordedRequest) => String((r.body as { logStreamName?: string }).logStreamName ?? '');
const nextPageReads = () => emulator.requests.filter((r) => r.operation === 'GetLogEvents' && (r.body as { nextToken?: string }).nextToken !== undefined);

async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise<void>((resolve) => waiters.push(resolve));
}

it('reads ahead the page of the stream that runs dry first while the caller holds a batch, and the read stays exact', async () => {
  emulator.resetRequests();
  const reader = await runlens.logs(`sagemaker:${JOB}`);
  const batches = reader.batches();
  const first = await batches.next();
  expect(first.done).toBe(false);
  // Without read-ahead nothing more is asked for until the merge reaches the end of a page.
  await until(() => nextPageReads().length > 0);
  expect(streamOf(nextPageReads()[0]!)).toContain('/algo-1-');

  const seen = [...(first.value ?? [])];
  for (let next = await batches.next(); !next.done; next = await batches.next()) seen.push(...next.value);
  const spec = largeJobSpec(JOB, { nodes: NODES, linesPerNode: LINES });
  const expected = Array.from({ length: NODES * LINES }, (_, k) => ({ node: (k % NODES) + 1, index: Math.floor(k / NODES) }))
    .map(({ node, index }) => ({ node, index, timestamp: largeJobEvent(spec, node, index).timestamp }))
    .sort((a, b) => a.timestamp - b.timestamp || a.node - b.node || a.index - b.index);
  expect(seen.length).toBe(expected.length);
  const wrong = expected.findIndex(({ node, index }, i) => seen[i]!.node !== `algo-${node}` || seen[i]!.message !== largeJobEvent(spec, node, index).message);
  expect(wrong, 'first record out of place').toBe(-1);
  // Every page once, plus the one call per stream that says it ended.
  const pages = new Set(emulator.requests.filter((r) => r.operation === 'GetLogEvents').map((r) => `${streamOf(r)} ${(r.body as { nextToken?: string }).nextToken ?? ''}`));
  expect(pages.size).toBe(emulator.requests.filter((r) => r.operation === 'GetLogEvents').length);
}, 60_000);
