import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRunlens, type LogRecord } from '@runlens/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localProvider } from '../src/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'runlens-follow-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const setStatus = async (dir: string, status: string) => {
  await writeFile(path.join(dir, 'run.json.tmp'), JSON.stringify({ name: 'live', status, nodes: [{ name: 'n1' }] }));
  await rename(path.join(dir, 'run.json.tmp'), path.join(dir, 'run.json'));
};

it('delivers a last line without its newline once the run has ended (the final drain sees the ended run)', async () => {
  const dir = path.join(root, 'live');
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  await setStatus(dir, 'running');
  await writeFile(path.join(dir, 'logs', 'n1.jsonl'), `${JSON.stringify({ timestamp: 1, node: 'n1', message: 'first' })}\n`);
  const runlens = createRunlens({ providers: [localProvider], cwd: root, env: {} });
  const reader = await runlens.logs('local:./live', { follow: true, pollIntervalMs: { min: 20, max: 40 } });
  const seen: LogRecord[] = [];
  for await (const record of reader) {
    seen.push(record);
    if (record.message === 'first') {
      // A writer killed mid-line: the line never gets its newline, then the run is marked ended.
      await appendFile(path.join(dir, 'logs', 'n1.jsonl'), JSON.stringify({ timestamp: 2, node: 'n1', message: 'unterminated last words' }));
      await setStatus(dir, 'failed');
    }
  }
  expect(seen.map((r) => r.message)).toEqual(['first', 'unterminated last words']);
});
