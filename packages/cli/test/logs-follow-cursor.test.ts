// Issue 9: options users reach for (-n, -i, --no-timestamps, zone-less times), --cursor-file, cursors
// bound to the run rather than the ref's text, and an explanation when a run has no lines at all.
import { appendFileSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, completedRun, EXAMPLES, LiveProcess, lines, removeDir, REPO, runlens, tempDir, writeArchive } from './helpers.js';

let root: string;
let ref: string;

beforeAll(() => {
  root = tempDir();
  ref = `local:${completedRun(path.join(root, 'completed'))}`;
});
afterAll(() => removeDir(root));

const messages = (stdout: string) => lines(stdout).map((l) => l.replace(/^algo-1 {2}\S+ |^algo-10 \S+ /, ''));

describe('logs options users reach for', { timeout: 30_000 }, () => {
  it('-n is --tail', async () => {
    const short = await runlens(['logs', ref, '-n', '2']);
    expect(short.code).toBe(0);
    expect(messages(short.stdout)).toEqual(['one 5 tie', 'ten 5 tie']);
  });

  it('-i / --ignore-case makes --grep ignore case, and alone is a usage error', async () => {
    const exact = await runlens(['logs', ref, '--grep', 'DISK']);
    expect(exact.stdout).toBe('');
    for (const flag of ['-i', '--ignore-case']) {
      const r = await runlens(['logs', ref, '--grep', 'DISK', flag]);
      expect(r.code).toBe(0);
      expect(messages(r.stdout)).toEqual(['one 4 ERROR disk almost full']);
    }
    const alone = await runlens(['logs', ref, '-i']);
    expect(alone.code).toBe(2);
    expect(lines(alone.stderr)).toEqual(['runlens: --ignore-case needs --grep']);
  });

  it('--no-timestamps drops the time column', async () => {
    const r = await runlens(['logs', ref, '--no-timestamps', '-n', '2']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(['algo-1  one 5 tie', 'algo-10 ten 5 tie']);
  });

  it('a time without a zone is UTC, whatever the machine zone', async () => {
    const utc = await runlens(['logs', ref, '--since', '2026-01-01T00:00:01Z', '--until', '2026-01-01T00:00:04Z']);
    const zoneless = await runlens(['logs', ref, '--since', '2026-01-01T00:00:01', '--until', '2026-01-01T00:00:04'], { env: { TZ: 'America/New_York' } });
    expect(zoneless.code).toBe(0);
    expect(messages(utc.stdout)).toHaveLength(5);
    expect(zoneless.stdout).toBe(utc.stdout);
  });
});

describe('refs as people type them', { timeout: 30_000 }, () => {
  it('an existing directory path without ./ is a local ref', async () => {
    const r = await runlens(['describe', 'examples/runs/modelarts-cpu-gaps']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('local:examples/runs/modelarts-cpu-gaps');
  });

  it('provider prefixes are case-insensitive', async () => {
    for (const prefix of ['LOCAL', 'Local']) {
      const r = await runlens(['describe', `${prefix}:./examples/runs/modelarts-cpu-gaps`, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).ref).toBe('local:./examples/runs/modelarts-cpu-gaps');
    }
    // Not "unknown provider": the SageMaker adapter is asked (and wants a region).
    const sm = await runlens(['describe', 'SageMaker:my-job'], { env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined, AWS_ENDPOINT_URL: undefined } });
    expect(sm.stderr).not.toMatch(/unknown provider/);
    const unknown = await runlens(['describe', 'FOO:x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^runlens: unknown provider 'foo'/);
  });

  it('a missing path under an existing directory is not found; a word that is no path is malformed', async () => {
    const gone = await runlens(['describe', path.join(root, 'gone')]);
    expect(gone.code).toBe(3);
    const word = await runlens(['describe', 'examples/runs/nope']);
    expect(word.code).toBe(2);
    expect(lines(word.stderr)).toHaveLength(1);
  });
});

/** A running two-node archive that a test can append lines to. */
function running(name: string, nodes = ['n1', 'n2']): string {
  const dir = path.join(root, name);
  writeArchive(dir, {
    run: { name, status: 'running', providerStatus: 'InProgress', startedAt: '2026-01-01T00:00:00Z', nodes: nodes.map((n) => ({ name: n })) },
    logs: Object.fromEntries(nodes.map((n, i) => [n, [{ timestamp: at(i), node: n, message: `${n} first` }]])),
  });
  return dir;
}
const append = (dir: string, node: string, timestamp: number, message: string) => appendFileSync(path.join(dir, 'logs', `${node}.jsonl`), `${JSON.stringify({ timestamp, node, message })}\n`);
const jsonMessages = (stdout: string) => lines(stdout).map((l) => JSON.parse(l).message as string);

describe('--cursor-file', { timeout: 30_000 }, () => {
  it('saves the cursor at exit and resumes from it: incremental polling prints each line once', async () => {
    const dir = running('poll');
    const state = path.join(root, 'poll.cursor');
    const first = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--json']);
    expect(first.code).toBe(0);
    expect(jsonMessages(first.stdout)).toEqual(['n1 first', 'n2 first']);
    expect(readFileSync(state, 'utf8')).toMatch(/^rl1\.\S+\n$/);

    const nothing = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--json']);
    expect([nothing.code, nothing.stdout, nothing.stderr]).toEqual([0, '', '']);

    append(dir, 'n2', at(10), 'n2 second');
    append(dir, 'n1', at(20), 'n1 second');
    const next = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--json']);
    expect(next.code).toBe(0);
    expect(jsonMessages(next.stdout)).toEqual(['n2 second', 'n1 second']);
    // Written by rename: no temporary file is left beside it.
    expect(readdirSync(root).filter((f) => f.startsWith('poll.cursor'))).toEqual(['poll.cursor']);
  });

  it('a cursor names the run, not the text of its ref: ./live, live and /abs/live are one run', async () => {
    const dir = running('live');
    const state = path.join(root, 'live.cursor');
    const relative = await runlens(['logs', 'local:./live', '--cursor-file', state, '--json'], { cwd: root });
    expect(relative.code).toBe(0);
    append(dir, 'n1', at(10), 'n1 second');
    const absolute = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--json']);
    expect([absolute.code, absolute.stderr]).toEqual([0, '']);
    expect(jsonMessages(absolute.stdout)).toEqual(['n1 second']);
    append(dir, 'n2', at(20), 'n2 second');
    const bare = await runlens(['logs', 'live', '--cursor', readFileSync(state, 'utf8').trim(), '--json'], { cwd: root });
    expect([bare.code, bare.stderr]).toEqual([0, '']);
    expect(jsonMessages(bare.stdout)).toEqual(['n2 second']);
    // Another run's cursor is still refused.
    const other = await runlens(['logs', ref, '--cursor-file', state]);
    expect(other.code).toBe(2);
    expect(lines(other.stderr)).toEqual([expect.stringMatching(/^runlens: the cursor belongs to local:/)]);
  });

  it('a cursor file resumed with --node keeps the other nodes where they were', async () => {
    const dir = running('nodes');
    const state = path.join(root, 'nodes.cursor');
    const first = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--json']);
    expect(jsonMessages(first.stdout)).toEqual(['n1 first', 'n2 first']);
    append(dir, 'n1', at(10), 'n1 second');
    append(dir, 'n2', at(20), 'n2 second');
    const onlyN1 = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--node', 'n1', '--json']);
    expect(jsonMessages(onlyN1.stdout)).toEqual(['n1 second']);
    // n2 was not read: it resumes after 'n2 first', not from its start.
    const rest = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--json']);
    expect(jsonMessages(rest.stdout)).toEqual(['n2 second']);
  });

  it('Ctrl-C writes the cursor file too, and --cursor with --cursor-file or an empty path is a usage error', async () => {
    const dir = running('ctrlc');
    const state = path.join(root, 'ctrlc.cursor');
    const live = new LiveProcess(['logs', `local:${dir}`, '--follow', '--poll-interval', '50', '--json', '--cursor-file', state]);
    await live.waitFor((out) => out.includes('n2 first'));
    live.child.kill('SIGINT');
    const stopped = await live.exited;
    expect(stopped.code).toBe(130);
    const printed = lines(stopped.stderr)[0]!.slice('cursor: '.length);
    expect(readFileSync(state, 'utf8').trim()).toBe(printed);

    append(dir, 'n1', at(10), 'n1 second');
    const resumed = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--json']);
    expect(jsonMessages(resumed.stdout)).toEqual(['n1 second']);

    const both = await runlens(['logs', `local:${dir}`, '--cursor-file', state, '--cursor', printed]);
    expect(both.code).toBe(2);
    const empty = await runlens(['logs', `local:${dir}`, '--cursor-file', '']);
    expect(empty.code).toBe(2);
    expect(lines(empty.stderr)).toEqual(['runlens: --cursor-file: the path is empty']);
    expect(existsSync(path.join(REPO, '.tmp'))).toBe(false);
  });
});

describe('bad --cursor-file and --reconnect-for values', { timeout: 30_000 }, () => {
  it('one line on stderr and exit 2, and nothing is written', async () => {
    const dir = running('bad-values');
    const cases: [string[], RegExp][] = [
      [['--cursor-file', path.join(root, 'no-such-dir', 'state')], /^runlens: cannot write the cursor file \S+: its directory does not exist$/],
      [['--cursor-file', root], /^runlens: --cursor-file \S+ is a directory$/],
      [['--follow', '--reconnect-for', 'soon'], /^runlens: --reconnect-for: invalid duration 'soon'/],
    ];
    for (const [args, message] of cases) {
      const r = await runlens(['logs', `local:${dir}`, '--json', ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(lines(r.stderr)).toEqual([expect.stringMatching(message)]);
    }
    const garbage = path.join(root, 'garbage.cursor');
    writeFileSync(garbage, 'not a cursor\n');
    const r = await runlens(['logs', `local:${dir}`, '--cursor-file', garbage]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^runlens: invalid cursor/)]);
    expect(readFileSync(garbage, 'utf8')).toBe('not a cursor\n');
  });
});

describe('say something when there is nothing', { timeout: 30_000 }, () => {
  const noLogs = (name: string, run: Record<string, unknown>) => {
    const dir = path.join(root, name);
    writeArchive(dir, { run: { name, nodes: [], ...run } });
    return `local:${dir}`;
  };

  it('a pending run: "no logs yet" on stderr, nothing on stdout, exit 0', async () => {
    const r = await runlens(['logs', noLogs('pending', { status: 'pending', providerStatus: 'Pending' })]);
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(lines(r.stderr)).toEqual(['warning: no logs yet: status pending']);
  });

  it('a run that failed before any node started says so, with the reason', async () => {
    const r = await runlens(['logs', noLogs('capacity', { status: 'failed', providerStatus: 'Failed', failure: { category: 'capacity', reason: 'InsufficientInstanceCapacity', evidence: [] } })]);
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(lines(r.stderr)).toEqual(['warning: no logs: the run failed before any node started: InsufficientInstanceCapacity']);
  });

  it('--follow on a pending run says it is waiting, then prints lines once they come', async () => {
    const runRef = noLogs('waiting', { status: 'pending', providerStatus: 'Pending' });
    const dir = runRef.slice('local:'.length);
    const live = new LiveProcess(['logs', runRef, '--follow', '--poll-interval', '50', '--json']);
    // Driven by the child's stderr; the test's timeout bounds it.
    await new Promise<void>((resolve) => {
      const check = () => (live.stderr.includes('\n') ? resolve() : undefined);
      live.child.stderr!.on('data', () => setImmediate(check));
      check();
    });
    expect(lines(live.stderr)).toEqual([expect.stringMatching(/^warning: waiting for local:\S+ to write logs: status pending$/)]);
    writeFileSync(path.join(dir, 'logs', 'n1.jsonl'), `${JSON.stringify({ timestamp: at(0), node: 'n1', message: 'started at last' })}\n`);
    writeFileSync(path.join(dir, 'run.json.tmp'), JSON.stringify({ name: 'waiting', status: 'completed', providerStatus: 'Completed', nodes: [{ name: 'n1' }] }));
    renameSync(path.join(dir, 'run.json.tmp'), path.join(dir, 'run.json'));
    const done = await live.exited;
    expect(done.code).toBe(0);
    expect(jsonMessages(done.stdout)).toEqual(['started at last']);
  });

  it('the example archives still read without a word on stderr', async () => {
    const r = await runlens(['logs', path.join(EXAMPLES, 'modelarts-cpu-gaps'), '-n', '1']);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });
});
