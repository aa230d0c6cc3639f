import { createRunlens, type LogRecord, type Runlens } from '@runlens/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { modelartsProvider } from '../src/index.js';
import { startModelartsEmulator, type ModelartsEmulator } from '../src/testing/index.js';

let emulator: ModelartsEmulator;
let runlens: Runlens;

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: false });
  runlens = createRunlens({ providers: [modelartsProvider], env: emulator.env, settings: { modelarts: { requestsPerSecond: 100_000 } } });
});
afterAll(async () => {
  await runlens.close();
  await emulator.close();
});

it('says why a finished task has no log, instead of returning nothing silently', async () => {
  const id = 'e1000000-0000-4000-8000-000000000001';
  const start = Date.UTC(2024, 0, 1);
  emulator.putJob({ kind: 'job', metadata: { id, name: 'no-log', create_time: start }, status: { phase: 'Completed', tasks: ['worker-0', 'worker-1'], start_time: start, duration: 60_000 } });
  emulator.setTaskLog(id, 'worker-1', 'worker-1 trained\n');
  const reader = await runlens.logs(`modelarts:${id}`);
  const records: LogRecord[] = [];
  for await (const record of reader) records.push(record);
  expect(records.map((r) => [r.node, r.message])).toEqual([['worker-1', 'worker-1 trained']]);
  expect(reader.warnings.map((w) => w.message)).toEqual([`the log of task worker-0 in modelarts:${id} was not generated (ModelArts.2818)`]);
});
