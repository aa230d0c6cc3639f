// LogReader.batches() against real archive files: the same records as iterating one by one, and a
// cursor taken between batches resumes with no line lost or repeated.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRunlens, type LogRecord } from '@runlens/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localProvider } from '../src/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'runlens-batches-'));
  const dir = path.join(root, 'run');
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  await writeFile(path.join(dir, 'run.json'), JSON.stringify({ name: 'run', status: 'completed', nodes: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }));
  // Three nodes, pages of 5,000 lines, ties across nodes.
  for (const [n, node] of ['a', 'b', 'c'].entries()) {
    const lines = Array.from({ length: 12_000 }, (_, i) => `${JSON.stringify({ timestamp: Math.floor(i / 3) * 10 + n, node, message: `${node} ${i}` })}\n`);
    await writeFile(path.join(dir, 'logs', `${node}.jsonl`), lines.join(''));
  }
});
afterAll(() => rm(root, { recursive: true, force: true }));

const key = (r: LogRecord) => `${r.node} ${r.timestamp} ${r.message}`;

it('batches() hands out the records iteration gives, in order, and the cursor between batches is exact', async () => {
  const runlens = createRunlens({ providers: [localProvider], cwd: root, env: {} });
  const one: string[] = [];
  for await (const record of await runlens.logs('local:./run')) one.push(key(record));
  expect(one).toHaveLength(36_000);

  const batched: string[] = [];
  const reader = await runlens.logs('local:./run');
  let cursor = '';
  let batches = 0;
  for await (const batch of reader.batches()) {
    batches++;
    batched.push(...batch.map(key));
    if (batched.length >= 10_000) {
      cursor = reader.cursor();
      break;
    }
  }
  expect(batches).toBeGreaterThan(5);
  expect(batches).toBeLessThan(100);
  const rest: string[] = [];
  for await (const batch of (await runlens.logs('local:./run', { cursor })).batches()) rest.push(...batch.map(key));
  expect([...batched, ...rest]).toEqual(one);
  await runlens.close();
}, 60_000);

it('a reader is read once, whichever way', async () => {
  const runlens = createRunlens({ providers: [localProvider], cwd: root, env: {} });
  const reader = await runlens.logs('local:./run', { tail: 2 });
  const tail: LogRecord[][] = [];
  for await (const batch of reader.batches()) tail.push(batch);
  expect(tail.flat().map((r) => r.message)).toEqual(['c 11998', 'c 11999']);
  expect(() => reader[Symbol.asyncIterator]()).toThrow(/only once/);
  await runlens.close();
}, 30_000);
