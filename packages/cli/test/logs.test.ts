import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, completedRun, LiveProcess, lines, removeDir, runlens, tempDir, writeArchive } from './helpers.js';

let root: string;
let ref: string;

beforeAll(() => {
  root = tempDir();
  ref = `local:${completedRun(path.join(root, 'completed'))}`;
});
afterAll(() => removeDir(root));

/** Messages of text output lines (the node and timestamp columns dropped), continuation lines as they are. */
const messages = (stdout: string) => lines(stdout).map((l) => l.replace(/^algo-1 {2}\S+ |^algo-10 \S+ /, ''));

describe('runlens logs', () => {
  it('merges every node by time, node names padded to the widest, multi-line messages prefixed once', async () => {
    const r = await runlens(['logs', ref]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([
      'algo-1  2026-01-01T00:00:00.000Z one 0 starting',
      'algo-10 2026-01-01T00:00:01.000Z ten 1 starting',
      'algo-1  2026-01-01T00:00:02.000Z one 2 epoch 1',
      'algo-10 2026-01-01T00:00:03.000Z ten 3 Traceback (most recent call last):',
      '  File "train.py", line 1',
      'ValueError: boom',
      'algo-1  2026-01-01T00:00:04.000Z one 4 ERROR disk almost full',
      'algo-1  2026-01-01T00:00:05.000Z one 5 tie',
      'algo-10 2026-01-01T00:00:05.000Z ten 5 tie',
    ]);
  });

  it('--json prints one object per line with exactly timestamp, node, message (and stream)', async () => {
    const r = await runlens(['logs', ref, '--json']);
    expect(r.code).toBe(0);
    const records = lines(r.stdout).map((l) => JSON.parse(l));
    expect(records).toHaveLength(7);
    for (const record of records) {
      expect(Object.keys(record).slice(0, 3)).toEqual(['timestamp', 'node', 'message']);
      expect(Object.keys(record).every((k) => ['timestamp', 'node', 'message', 'stream'].includes(k))).toBe(true);
      expect(typeof record.timestamp).toBe('number');
    }
    expect(records.map((x) => x.timestamp)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 5000].map(at));
    expect(records[3]).toMatchObject({ node: 'algo-10', message: 'ten 3 Traceback (most recent call last):\n  File "train.py", line 1\nValueError: boom' });
  });

  it('--tail keeps the last lines of the merged timeline', async () => {
    const r = await runlens(['logs', ref, '--tail', '2']);
    expect(r.code).toBe(0);
    expect(messages(r.stdout)).toEqual(['one 5 tie', 'ten 5 tie']);
  });

  it('--grep filters by regular expression', async () => {
    const r = await runlens(['logs', ref, '--grep', 'ERROR|Traceback']);
    expect(r.code).toBe(0);
    expect(messages(r.stdout)).toEqual(['ten 3 Traceback (most recent call last):', '  File "train.py", line 1', 'ValueError: boom', 'one 4 ERROR disk almost full']);
  });

  it('--node selects nodes (repeatable) and warns about unknown ones', async () => {
    const one = await runlens(['logs', ref, '--node', 'algo-10']);
    expect(one.code).toBe(0);
    expect(lines(one.stdout).filter((l) => l.startsWith('algo-')).every((l) => l.startsWith('algo-10 '))).toBe(true);
    expect(lines(one.stdout)).toHaveLength(5);

    const unknown = await runlens(['logs', ref, '--node', 'algo-1', '--node', 'nope']);
    expect(unknown.code).toBe(0);
    expect(lines(unknown.stdout)).toHaveLength(4);
    expect(lines(unknown.stderr)).toEqual([expect.stringMatching(/^warning: node 'nope' has no logs/)]);
  });

  it('--since and --until bound the time range (ISO 8601 and relative durations)', async () => {
    const r = await runlens(['logs', ref, '--since', '2026-01-01T00:00:01Z', '--until', '2026-01-01T00:00:04Z']);
    expect(r.code).toBe(0);
    expect(messages(r.stdout)).toEqual(['ten 1 starting', 'one 2 epoch 1', 'ten 3 Traceback (most recent call last):', '  File "train.py", line 1', 'ValueError: boom']);

    const recent = await runlens(['logs', ref, '--since', '30m']);
    expect(recent.code).toBe(0);
    expect(recent.stdout).toBe('');
  });

  it('exits quietly with 0 when the reader of stdout goes away (| head)', async () => {
    const dir = path.join(root, 'big');
    const records = Array.from({ length: 60_000 }, (_, i) => ({ timestamp: at(i), node: 'n', message: `line ${i} ${'x'.repeat(40)}` }));
    writeArchive(dir, { run: { name: 'big', status: 'completed' }, logs: { n: records } });
    const live = new LiveProcess(['logs', `local:${dir}`]);
    await live.waitFor((out) => out.length > 0);
    live.child.stdout!.destroy();
    const result = await live.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});

describe('runlens logs --follow', () => {
  const running = (name: string) => {
    const dir = path.join(root, name);
    writeArchive(dir, {
      run: { name, status: 'running', providerStatus: 'InProgress', startedAt: '2026-01-01T00:00:00Z', nodes: [{ name: 'n1' }, { name: 'n2' }] },
      logs: {
        n1: [{ timestamp: at(0), node: 'n1', message: 'n1 first' }],
        n2: [{ timestamp: at(1), node: 'n2', message: 'n2 first' }],
      },
    });
    return dir;
  };
  const append = (dir: string, node: string, timestamp: number, message: string) =>
    appendFileSync(path.join(dir, 'logs', `${node}.jsonl`), `${JSON.stringify({ timestamp, node, message })}\n`);
  const finish = (dir: string) => {
    // Atomically (write, then rename), as a poll may read run.json at any moment.
    const file = path.join(dir, 'run.json');
    writeFileSync(`${file}.tmp`, JSON.stringify({ name: path.basename(dir), status: 'completed', providerStatus: 'Completed', startedAt: '2026-01-01T00:00:00Z', nodes: [{ name: 'n1' }, { name: 'n2' }] }));
    renameSync(`${file}.tmp`, file);
  };

  it('prints lines as they are written and exits 0 by itself when the run ends', async () => {
    const dir = running('follow');
    const live = new LiveProcess(['logs', `local:${dir}`, '--follow', '--poll-interval', '50']);
    await live.waitFor((out) => out.includes('n2 first'));
    append(dir, 'n1', at(10), 'n1 second');
    await live.waitFor((out) => out.includes('n1 second'));
    append(dir, 'n2', at(20), 'n2 second');
    finish(dir);
    // Ending by itself is bounded by the test's timeout, not by a wall clock a loaded machine can miss.
    const result = await live.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(lines(result.stdout).map((l) => l.split(' ').slice(2).join(' '))).toEqual(['n1 first', 'n2 first', 'n1 second', 'n2 second']);
  });

  it('Ctrl-C prints a cursor and exits 130; --cursor resumes with no line lost or repeated', async () => {
    const dir = running('interrupt');
    const live = new LiveProcess(['logs', `local:${dir}`, '--follow', '--poll-interval', '50', '--json']);
    await live.waitFor((out) => out.includes('n2 first'));
    append(dir, 'n1', at(10), 'n1 second');
    await live.waitFor((out) => out.includes('n1 second'));
    live.child.kill('SIGINT');
    const first = await live.exited;
    expect(first.code).toBe(130);
    const err = lines(first.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^cursor: \S+$/);
    const cursor = err[0]!.slice('cursor: '.length);

    // Lines written while nobody was reading, then the run ends.
    append(dir, 'n2', at(20), 'n2 second');
    append(dir, 'n1', at(30), 'n1 third');
    finish(dir);
    const resumed = await runlens(['logs', `local:${dir}`, '--cursor', cursor, '--json']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe('');

    const all = await runlens(['logs', `local:${dir}`, '--json']);
    const messagesOf = (stdout: string) => lines(stdout).map((l) => JSON.parse(l).message);
    expect(messagesOf(first.stdout)).toEqual(['n1 first', 'n2 first', 'n1 second']);
    expect(messagesOf(resumed.stdout)).toEqual(['n2 second', 'n1 third']);
    expect([...messagesOf(first.stdout), ...messagesOf(resumed.stdout)]).toEqual(messagesOf(all.stdout));
  });
});
