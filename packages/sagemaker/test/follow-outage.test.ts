// `runlens logs --follow` against the emulator while it stops answering (every connection dropped)
// and answers again: the follow rides the outage out; with a short --reconnect-for it gives up with
// exit 5 and a cursor (printed and saved to --cursor-file) that resumes with no line lost or repeated.
// Loopback only; every outage is cancelled by the test, every child process is awaited.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUNNING_JOB, startSagemakerEmulator, type SagemakerEmulator } from '../src/testing/index.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = path.join(REPO, 'packages/cli/dist/main.js');
const REF = `sagemaker:${RUNNING_JOB.name}`;

let emulator: SagemakerEmulator | undefined;
let scratch: string | undefined;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first: ${BIN} is missing`);
});
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function env(e: SagemakerEmulator): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_') && key !== 'FORCE_COLOR' && key !== 'RUNLENS_LOCAL_ROOT') base[key] = value;
  return { ...base, ...e.env, NO_COLOR: '1' };
}

class Follow {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly kill: () => void;
  private readonly waiters = new Set<() => void>();
  constructor(e: SagemakerEmulator, args: string[]) {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: scratch, env: env(e), stdio: ['ignore', 'pipe', 'pipe'] });
    const changed = () => this.waiters.forEach((check) => check());
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => ((this.stdout += chunk), changed()));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => ((this.stderr += chunk), changed()));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    this.kill = () => child.kill();
  }
  /** Resolves once the output satisfies `test`: driven by the child's output, bounded by the test's timeout. */
  until(test: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      this.exited.then((code) => {
        if (this.waiters.delete(check)) reject(new Error(`exited (${code}) before ${what}; stdout:\n${this.stdout.slice(-1500)}\nstderr:\n${this.stderr}`));
      });
      check();
    });
  }
}

const records = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { timestamp: number; node: string; message: string });
const key = (r: { timestamp: number; node: string; message: string }) => `${r.node}|${r.timestamp}|${r.message}`;

async function allLines(e: SagemakerEmulator): Promise<string[]> {
  const all = new Follow(e, ['logs', REF, '--json']);
  expect(await all.exited).toBe(0);
  return records(all.stdout).map(key);
}

describe('logs --follow through an outage', { timeout: 90_000 }, () => {
  it('rides out an outage with back-off, says so, and carries on with no line lost or repeated', async () => {
    emulator = await startSagemakerEmulator();
    scratch = mkdtempSync(path.join(tmpdir(), 'runlens-outage-'));
    const follow = new Follow(emulator, ['logs', REF, '--follow', '--json', '--poll-interval', '50', '--reconnect-for', '5m', '--retry-budget', '1s']);
    try {
      await follow.until(() => follow.stdout.includes('step=200 train:loss'), 'the first lines');
      const outage = emulator.faults.inject({ kind: 'drop' });
      await follow.until(() => follow.stderr.includes('lost contact'), 'the outage warning');
      // The job goes on while nobody can reach it.
      emulator.advance(RUNNING_JOB.name);
      outage.cancel();
      await follow.until(() => follow.stderr.includes('reconnected after'), 'the reconnection');
      await follow.until(() => follow.stdout.includes('step=240 '), 'the lines written during the outage');
      emulator.complete(RUNNING_JOB.name);
      expect(await follow.exited).toBe(0);
    } finally {
      follow.kill();
    }
    const warnings = follow.stderr.split('\n').filter(Boolean);
    expect(warnings).toEqual([
      expect.stringMatching(/^warning: lost contact while following sagemaker:rl-running-2node \(.+\); retrying for up to 5m00s$/),
      expect.stringMatching(/^warning: reconnected after \d+s$/),
    ]);
    // Each line once (a node that joins late is printed from when it joins, so compare as sets).
    expect(records(follow.stdout).map(key).sort()).toEqual((await allLines(emulator)).sort());
  });

  it('gives up after --reconnect-for with exit 5, printing and saving the cursor, which resumes exactly', async () => {
    emulator = await startSagemakerEmulator();
    scratch = mkdtempSync(path.join(tmpdir(), 'runlens-outage-'));
    const state = path.join(scratch, 'follow.cursor');
    const follow = new Follow(emulator, ['logs', REF, '--follow', '--json', '--poll-interval', '50', '--reconnect-for', '1s', '--retry-budget', '1s', '--cursor-file', state]);
    let outage: { cancel(): void } | undefined;
    try {
      await follow.until(() => follow.stdout.includes('step=200 train:loss'), 'the first lines');
      outage = emulator.faults.inject({ kind: 'drop' });
      expect(await follow.exited).toBe(5);
    } finally {
      outage?.cancel();
      follow.kill();
    }
    const err = follow.stderr.split('\n').filter(Boolean);
    expect(err[0]).toMatch(/^warning: lost contact while following/);
    expect(err[1]).toMatch(/^cursor: rl1\.\S+$/);
    expect(err[2]).toMatch(/^runlens: .*gave up following sagemaker:rl-running-2node after \d+s without reaching the provider/);
    expect(err).toHaveLength(3);
    expect(readFileSync(state, 'utf8').trim()).toBe(err[1]!.slice('cursor: '.length));

    emulator.advance(RUNNING_JOB.name);
    emulator.complete(RUNNING_JOB.name);
    const resumed = new Follow(emulator, ['logs', REF, '--json', '--cursor-file', state]);
    expect(await resumed.exited).toBe(0);
    expect([...records(follow.stdout), ...records(resumed.stdout)].map(key).sort()).toEqual((await allLines(emulator)).sort());
  });
});
