// A user's files are never destroyed: empty paths, existing download targets, half-written or
// incomplete exports, unsafe artifact keys, and local permission problems (exit 4, naming the path).
// Each CLI run costs a second or two on a loaded machine; a test spawns up to eight.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, completedRun, lines, REPO, removeDir, runlens, tempDir, writeArchive, type Result } from './helpers.js';

let root: string;
let source: string;
let ref: string;

beforeAll(() => {
  root = tempDir();
  source = completedRun(path.join(root, 'source'));
  ref = `local:${source}`;
});
afterAll(() => removeDir(root));

const read = (...parts: string[]) => readFileSync(path.join(...parts), 'utf8');
/** Hidden staging directories an export may leave beside its target. */
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.includes('runlens-partial') || name.includes('runlens-old') || name.endsWith('.part'));

describe('empty paths are invalid input (exit 2), never the current directory', { timeout: 60_000 }, () => {
  it('export --out "" leaves the current directory alone', async () => {
    const cwd = path.join(root, 'user-cwd');
    mkdirSync(path.join(cwd, 'logs'), { recursive: true });
    writeFileSync(path.join(cwd, 'run.json'), 'my own notes\n');
    writeFileSync(path.join(cwd, 'logs', 'mine.txt'), 'mine\n');
    const r = await runlens(['export', ref, '--out', ''], { cwd });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['runlens: --out is empty; give a path']);
    expect(read(cwd, 'run.json')).toBe('my own notes\n');
    expect(readdirSync(cwd).sort()).toEqual(['logs', 'run.json']);
    expect(readdirSync(path.join(cwd, 'logs'))).toEqual(['mine.txt']);
  });

  it('artifacts --download "" writes nothing', async () => {
    const cwd = path.join(root, 'user-cwd-2');
    mkdirSync(cwd);
    const r = await runlens(['artifacts', ref, '--download', ''], { cwd });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['runlens: --download is empty; give a path']);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('artifacts --download never replaces a file unless asked', { timeout: 60_000 }, () => {
  it('refuses an existing file, naming it; the edited file is kept', async () => {
    const dir = path.join(root, 'dl-refuse');
    expect((await runlens(['artifacts', ref, '--download', dir])).code).toBe(0);
    writeFileSync(path.join(dir, 'metrics.json'), 'edited by hand\n');
    const r = await runlens(['artifacts', ref, '--download', dir]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^runlens: '.*dl-refuse\/(metrics\.json|model\/weights\.bin)' already exists \(and 1 more\); pass --overwrite .* or --skip-existing/);
    expect(read(dir, 'metrics.json')).toBe('edited by hand\n');
    expect(leftovers(dir)).toEqual([]);
  });

  it('--overwrite replaces it', async () => {
    const dir = path.join(root, 'dl-overwrite');
    await runlens(['artifacts', ref, '--download', dir]);
    writeFileSync(path.join(dir, 'metrics.json'), 'edited by hand\n');
    const r = await runlens(['artifacts', ref, '--download', dir, '--overwrite']);
    expect(r.code).toBe(0);
    expect(read(dir, 'metrics.json')).toBe(read(source, 'artifacts', 'metrics.json'));
  });

  it('--skip-existing keeps files whose size and SHA-256 match, and refuses one that differs', async () => {
    const dir = path.join(root, 'dl-skip');
    await runlens(['artifacts', ref, '--download', dir]);
    const before = statSync(path.join(dir, 'model', 'weights.bin')).mtimeMs;
    const same = await runlens(['artifacts', ref, '--download', dir, '--skip-existing']);
    expect(same.code).toBe(0);
    expect(lines(same.stdout)).toEqual([`downloaded 0 artifacts (0 B) to ${dir}; 2 already present, skipped`]);
    expect(statSync(path.join(dir, 'model', 'weights.bin')).mtimeMs).toBe(before);

    // Same size, different bytes: only the checksum tells them apart.
    const original = read(source, 'artifacts', 'metrics.json');
    writeFileSync(path.join(dir, 'metrics.json'), original.replace('0.2', '0.3'));
    const differs = await runlens(['artifacts', ref, '--download', dir, '--skip-existing']);
    expect(differs.code).toBe(2);
    expect(lines(differs.stderr)).toEqual([`runlens: '${path.join(dir, 'metrics.json')}' already exists and differs from 'metrics.json'; pass --overwrite to replace it`]);
    expect(read(dir, 'metrics.json')).toBe(original.replace('0.2', '0.3'));

    const both = await runlens(['artifacts', ref, '--download', dir, '--skip-existing', '--overwrite']);
    expect(both.code).toBe(0);
    expect(lines(both.stdout)).toEqual([`downloaded 1 artifact (14 B) to ${dir}; 1 already present, skipped`]);
    expect(read(dir, 'metrics.json')).toBe(original);
  });

  it('--skip-existing without a checksum from the source compares the downloaded bytes', async () => {
    // A hand-made archive without artifacts.json: the listing has sizes but no checksum.
    const bare = path.join(root, 'bare');
    writeArchive(bare, { run: { status: 'completed' }, artifacts: { 'a.txt': Buffer.from('hello\n') } });
    unlinkSync(path.join(bare, 'artifacts.json'));
    const dir = path.join(root, 'dl-bare');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.txt'), 'hello\n');
    const same = await runlens(['artifacts', `local:${bare}`, '--download', dir, '--skip-existing', '--json']);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toEqual({ artifacts: [], skipped: [{ path: 'a.txt', reason: 'already present with the same size and checksum' }] });
    writeFileSync(path.join(dir, 'a.txt'), 'HELLO\n');
    const differs = await runlens(['artifacts', `local:${bare}`, '--download', dir, '--skip-existing']);
    expect(differs.code).toBe(2);
    expect(differs.stderr).toMatch(/a\.txt' already exists and differs/);
    expect(read(dir, 'a.txt')).toBe('HELLO\n');
    expect(leftovers(dir)).toEqual([]);
  });

  it('--path that matches nothing is not found (exit 3), listing or downloading', async () => {
    for (const args of [['artifacts', ref, '--path', 'nope'], ['artifacts', ref, '--path', 'nope', '--download', path.join(root, 'dl-nope')]]) {
      const r = await runlens(args);
      expect(r.code, r.stderr).toBe(3);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(/^runlens: .*no artifact matches 'nope'/)]);
    }
    expect(existsSync(path.join(root, 'dl-nope'))).toBe(false);
  });
});

describe('export is atomic and its archive states what it holds', { timeout: 60_000 }, () => {
  it('a failed export leaves no directory behind, not even a hidden one', async () => {
    // The second node's log is corrupt: the export fails after writing the first node's.
    const broken = completedRun(path.join(root, 'broken-source'));
    writeFileSync(path.join(broken, 'logs', 'algo-10.jsonl'), '{"timestamp": 1, "node": "algo-10", "message": "ok"}\nnot json\n');
    const parent = path.join(root, 'failed-export');
    mkdirSync(parent);
    const r = await runlens(['export', `local:${broken}`, '--out', path.join(parent, 'copy')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/corrupt archive: .*algo-10\.jsonl line 2/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses a non-empty directory; --overwrite replaces an earlier export but never other files', async () => {
    const out = path.join(root, 'twice');
    expect((await runlens(['export', ref, '--out', out, '--no-artifacts'])).code).toBe(0);
    const again = await runlens(['export', ref, '--out', out]);
    expect(again.code).toBe(2);
    expect(lines(again.stderr)).toEqual([`runlens: export directory '${out}' is not empty; choose a new directory (or --overwrite to replace an earlier export)`]);
    const replaced = await runlens(['export', ref, '--out', out, '--overwrite']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(existsSync(path.join(out, 'artifacts', 'model', 'weights.bin'))).toBe(true);
    expect(leftovers(root)).toEqual([]);

    const mine = path.join(root, 'mine');
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'thesis.tex'), 'years of work\n');
    const refused = await runlens(['export', ref, '--out', mine, '--overwrite']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not empty and is not a run archive/);
    expect(readdirSync(mine)).toEqual(['thesis.tex']);
  });

  it('an archive missing a log file, a metric file or an artifact is refused as incomplete (exit 2), naming it', async () => {
    const out = path.join(root, 'incomplete');
    expect((await runlens(['export', ref, '--out', out])).code).toBe(0);
    expect((await runlens(['describe', `local:${out}`])).code).toBe(0);
    unlinkSync(path.join(out, 'logs', 'algo-10.jsonl'));
    unlinkSync(path.join(out, 'artifacts', 'model', 'weights.bin'));
    for (const command of [['describe'], ['logs'], ['metrics']]) {
      const r = await runlens([...command, `local:${out}`]);
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(/^runlens: .*incomplete archive: .*missing logs\/algo-10\.jsonl, artifacts\/model\/weights\.bin/)]);
    }
  });

  it('an archive.json without counts (hand-made) stays valid', async () => {
    // completedRun writes archive.json with only format, version and source.
    const r = await runlens(['describe', ref]);
    expect(r.code).toBe(0);
  });

  it('an artifact key that leaves the folder is skipped with a warning and listed as skipped', async () => {
    const unsafe = completedRun(path.join(root, 'unsafe-source'));
    const listing = JSON.parse(read(unsafe, 'artifacts.json')) as unknown[];
    writeFileSync(path.join(unsafe, 'artifacts.json'), JSON.stringify([...listing, { path: '../../escaped.txt', size: 3 }]));
    const parent = path.join(root, 'unsafe-export');
    const out = path.join(parent, 'copy');
    const r = await runlens(['export', `local:${unsafe}`, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stderr)).toEqual(["warning: skipped artifact '../../escaped.txt': its path would leave the target directory"]);
    expect(lines(r.stdout)[1]).toMatch(/2 artifacts \(293 KiB\), 1 skipped$/);
    const manifest = JSON.parse(read(out, 'archive.json'));
    expect(manifest.artifacts.skipped).toEqual([{ path: '../../escaped.txt', reason: 'unsafe path: it would be written outside the target directory' }]);
    expect(manifest.counts.artifacts).toBe(2);
    expect(readdirSync(parent)).toEqual(['copy']);
    expect(existsSync(path.join(root, 'escaped.txt'))).toBe(false);
    expect((await runlens(['describe', `local:${out}`])).code).toBe(0);

    // A download skips it the same way, writing the rest.
    const dl = path.join(root, 'unsafe-download', 'dl');
    const d = await runlens(['artifacts', `local:${unsafe}`, '--download', dl]);
    expect(d.code, d.stderr).toBe(0);
    expect(lines(d.stderr)).toEqual(["warning: skipped artifact '../../escaped.txt': its path would leave the target directory"]);
    expect(readdirSync(path.join(root, 'unsafe-download'))).toEqual(['dl']);
    expect(readdirSync(dl).sort()).toEqual(['metrics.json', 'model']);
  });

  it('--no-artifacts and --artifacts GLOB choose what is downloaded', async () => {
    const none = path.join(root, 'no-artifacts');
    const r = await runlens(['export', ref, '--out', none, '--no-artifacts']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[1]).toBe('  2 nodes, 7 log records, 2 metric series (13 points), no artifacts (--no-artifacts)');
    expect(readdirSync(path.join(none, 'artifacts'))).toEqual([]);
    expect(JSON.parse(read(none, 'archive.json')).artifacts).toEqual({ selected: 'none', skipped: [] });
    expect((await runlens(['describe', `local:${none}`])).code).toBe(0);

    const some = path.join(root, 'some-artifacts');
    const g = await runlens(['export', ref, '--out', some, '--artifacts', '*.json']);
    expect(g.code).toBe(0);
    expect(JSON.parse(read(some, 'artifacts.json')).map((a: { path: string }) => a.path)).toEqual(['metrics.json']);
    expect(existsSync(path.join(some, 'artifacts', 'model'))).toBe(false);

    const deep = path.join(root, 'deep-artifacts');
    expect((await runlens(['export', ref, '--out', deep, '--artifacts', 'model/**'])).code).toBe(0);
    expect(JSON.parse(read(deep, 'artifacts.json')).map((a: { path: string }) => a.path)).toEqual(['model/weights.bin']);

    const both = await runlens(['export', ref, '--out', path.join(root, 'both'), '--artifacts', '*.json', '--no-artifacts']);
    expect(both.code).toBe(2);
    expect(lines(both.stderr)).toEqual(["runlens: option '--no-artifacts' cannot be combined with '--artifacts <glob>'"]);
  });
});

/**
 * Tests run as root here, and root ignores file modes. The CLI is run as `nobody` then (a root
 * parent may start a child under another uid), so a mode really produces EACCES.
 */
const asRoot = process.getuid?.() === 0;
/** Whether modes can be made to bite: not root, or root allowed to start a child as another uid. */
const modesBite = ((): boolean => {
  if (!asRoot) return true;
  try {
    execFileSync(process.execPath, ['-e', ''], { uid: 65534, gid: 65534 });
    return true;
  } catch {
    return false;
  }
})();

function runlensUnprivileged(args: readonly string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: cliEnv(), ...(asRoot ? { uid: 65534, gid: 65534 } : {}) }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0, signal: failure?.signal ?? null, stdout, stderr });
    });
  });
}

// Skipped only where root may not switch to another uid (no CAP_SETUID): then no mode can refuse root.
describe.skipIf(!modesBite)('local permission problems are exit 4, naming the path and the side that failed (skipped when running as root without CAP_SETUID)', { timeout: 60_000 }, () => {
  let area: string;
  let locked: string;
  let archive: string;
  beforeAll(() => {
    area = path.join(root, 'perm');
    locked = path.join(area, 'locked');
    mkdirSync(locked, { recursive: true });
    archive = completedRun(path.join(area, 'archive'));
    for (const dir of [root, area, archive, path.join(archive, 'logs'), path.join(archive, 'metrics'), path.join(archive, 'artifacts'), path.join(archive, 'artifacts', 'model')]) chmodSync(dir, 0o755);
    chmodSync(locked, 0o555);
  });

  it('an unwritable export directory', async () => {
    const out = path.join(locked, 'copy');
    const r = await runlensUnprivileged(['export', `local:${archive}`, '--out', out]);
    expect(r.code, r.stderr).toBe(4);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^runlens: export directory: cannot create .*'${locked}/\\.copy\\.runlens-partial-[0-9a-f]+': permission denied`))]);
    expect(r.stderr).not.toMatch(/internal error|local run/);
  });

  it('an unwritable download destination is blamed on the destination, not the run', async () => {
    const r = await runlensUnprivileged(['artifacts', `local:${archive}`, '--download', path.join(locked, 'dl')]);
    expect(r.code, r.stderr).toBe(4);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^runlens: download destination: cannot create '${locked}/dl': permission denied`))]);
    expect(r.stderr).not.toMatch(/local run|network/);
  });

  it('a --cursor-file runlens may not read, or may not write', async () => {
    const state = path.join(area, 'cursor.state');
    writeFileSync(state, '');
    chmodSync(state, 0o000);
    const unreadable = await runlensUnprivileged(['logs', `local:${archive}`, '--cursor-file', state]);
    expect(unreadable.code, unreadable.stderr).toBe(4);
    expect(lines(unreadable.stderr)).toEqual([expect.stringContaining(state)]);
    expect(unreadable.stderr).toMatch(/permission denied/);
    expect(unreadable.stdout).toBe('');
    const unwritable = await runlensUnprivileged(['logs', `local:${archive}`, '--cursor-file', path.join(locked, 'cursor.state')]);
    expect(unwritable.code, unwritable.stderr).toBe(4);
    expect(unwritable.stderr).toMatch(/permission denied/);
  });

  it('an unreadable archive file', async () => {
    chmodSync(path.join(archive, 'run.json'), 0o000);
    try {
      const r = await runlensUnprivileged(['describe', `local:${archive}`]);
      expect(r.code, r.stderr).toBe(4);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`run archive: cannot open '${archive}/run\\.json': permission denied`))]);
    } finally {
      chmodSync(path.join(archive, 'run.json'), 0o644);
    }
  });
});
