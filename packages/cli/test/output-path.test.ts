// The log output path: a clean stderr under back-pressure, control characters neutralised on a
// terminal, and the fast formatters byte-identical to what they replace.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimeFormatter, jsonLogFormatter, neutralizeControls, textLogFormatter } from '../src/output/format.js';
import { LineWriter } from '../src/output/writer.js';
import { at, BIN, cliEnv, REPO, removeDir, runlens, tempDir, writeArchive } from './helpers.js';

let root: string;
beforeAll(() => {
  root = tempDir();
});
afterAll(() => removeDir(root));

/** Runs the CLI with stdout read by a consumer that takes one chunk per turn of the event loop. */
function slowlyRead(args: readonly string[]): Promise<{ code: number | null; lines: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      child.stdout.pause();
      setImmediate(() => child.stdout.resume());
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, lines, stderr }));
  });
}

describe('runlens logs output under back-pressure', () => {
  it('a large output through a slow pipe leaves stderr empty (no MaxListenersExceededWarning) and loses no line', async () => {
    const dir = path.join(root, 'two-nodes');
    const node = (name: string, offset: number) => Array.from({ length: 3_000 }, (_, i) => ({ timestamp: at(i * 2 + offset), node: name, message: `${name} line ${i} ${'x'.repeat(60)}` }));
    writeArchive(dir, { run: { name: 'two-nodes', status: 'completed' }, logs: { 'algo-1': node('algo-1', 0), 'algo-2': node('algo-2', 1) } });
    for (const mode of [[], ['--json']]) {
      const result = await slowlyRead(['logs', `local:${dir}`, ...mode]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.lines).toBe(6_000);
    }
  }, 60_000);
});

describe('LineWriter', () => {
  it('waits for drain with one listener per event however often it is asked, and removes them', async () => {
    let pending = 0;
    const stream = new Writable({
      highWaterMark: 1_024,
      write(_chunk, _encoding, callback) {
        pending++;
        setImmediate(() => {
          pending--;
          callback();
        });
      },
    });
    const out = new LineWriter(stream);
    let waits = 0;
    for (let i = 0; i < 2_000; i++) {
      out.line(`line ${i} ${'y'.repeat(100)}`);
      out.flushNow();
      const a = out.ready();
      const b = out.ready();
      if (a) {
        waits++;
        expect(b).toBe(a);
        expect(stream.listenerCount('error')).toBe(1);
        expect(stream.listenerCount('close')).toBe(1);
        await a;
      }
    }
    await out.flush();
    expect(waits).toBeGreaterThan(100);
    expect(pending).toBe(0);
    expect(stream.listenerCount('drain')).toBe(0);
    expect(stream.listenerCount('error')).toBe(0);
    expect(stream.listenerCount('close')).toBe(0);
  });
});

describe('log line formatters', () => {
  const records = [
    { timestamp: 1_767_225_600_123, node: 'algo-1', message: 'plain' },
    { timestamp: 0, node: 'n "quoted"', message: 'tab\tnewline\nquote" backslash\\ \u0000 \u001b[31m \u2028 é 中文 😀', stream: 's/1' },
    { timestamp: -1_500.7, node: 'algo-2', message: 'lone \ud800 surrogate \udc00', stream: 'x' },
    { timestamp: 1.9, node: 'a', message: '' },
    { timestamp: Number.NaN, node: 'a', message: 'no time' },
    { timestamp: 999, node: 'a', message: 'replacement \ufffd and a pair \ud83d\ude00 kept' },
    { timestamp: 1_000, node: 'a', message: 'del \u007f is not escaped, \u2029 neither' },
    { timestamp: -1_000, node: 'a', message: 'x'.repeat(200_000) },
    { timestamp: 999_999_999_999_999, node: 'a', message: '"' },
    { timestamp: 1e15, node: 'a', message: '\\' },
    { timestamp: 8.64e15, node: 'a', message: 'é'.repeat(40_000) },
    { timestamp: Number.POSITIVE_INFINITY, node: 'a', message: 'end' },
    { timestamp: 999_999, node: 'a', message: 'six digits' },
    { timestamp: 1_000_000, node: 'a', message: 'seven' },
    { timestamp: 1_705_276_800_007, node: 'a', message: 'zeros inside' },
    { timestamp: 1_705_277_000_999, node: 'a', message: 'next block' },
  ];

  it('--json lines are exactly JSON.stringify of {timestamp, node, message, stream?}', () => {
    const json = jsonLogFormatter();
    for (const r of records) {
      const expected = JSON.stringify({ timestamp: r.timestamp, node: r.node, message: r.message, ...('stream' in r ? { stream: r.stream } : {}) });
      // Long lines compared by equality: a failing diff of 200,000 characters would be noise.
      expect(json(r) === `${expected}\n`, expected.slice(0, 100)).toBe(true);
    }
  });

  it('times are Date#toISOString, including fractional, negative and second-crossing times', () => {
    const iso = isoTimeFormatter();
    for (const t of [0, 999, 1_000, 1_001, -1, -999, -1_000, -1_001, -1_500.7, 1.9, 1_767_225_599_999, 1_767_225_600_000, 8.64e15, -8.64e15]) {
      expect(iso(t)).toBe(new Date(t).toISOString());
    }
    expect(() => iso(Number.NaN)).toThrow(RangeError);
  });

  it("text lines carry toISOString's times, across minutes and days, and refuse the same ones", () => {
    const text = textLogFormatter({ nodeWidth: () => 1, terminal: false });
    const times = [0, 59_999, 60_000, 60_001, -1, -59_999, -60_000, -60_001, -1_500.7, 1.9, 1_767_225_599_999, 1_767_225_600_000, 8.64e15, -8.64e15];
    for (let t = 1_705_276_740_000; t < 1_705_276_740_000 + 130_000; t += 250) times.push(t);
    for (const t of times) expect(text({ timestamp: t, node: 'a', message: 'm' })).toBe(`a ${new Date(t).toISOString()} m\n`);
    for (const t of [Number.NaN, 8.64e15 + 1, -8.64e15 - 1, Number.POSITIVE_INFINITY]) expect(() => text({ timestamp: t, node: 'a', message: 'm' })).toThrow(RangeError);
  });

  it('text: node padded to the widest, time, message without its line end; #011 shown as a tab', () => {
    const text = textLogFormatter({ nodeWidth: () => 7, terminal: false });
    expect(text({ timestamp: 0, node: 'algo-1', message: 'a#011b#011c\r\n' })).toBe('algo-1  1970-01-01T00:00:00.000Z a\tb\tc\n');
    expect(text({ timestamp: 0, node: 'algo-10', message: 'x\n' })).toBe('algo-10 1970-01-01T00:00:00.000Z x\n');
    // Into a pipe or a file, the message's own bytes are kept.
    expect(text({ timestamp: 0, node: 'algo-1', message: 'raw \u001b]0;t\u0007' })).toBe('algo-1  1970-01-01T00:00:00.000Z raw \u001b]0;t\u0007\n');
    const colored = textLogFormatter({ nodeWidth: () => 1, terminal: true, paintNode: () => (s) => `<${s}>`, dim: (s) => `[${s}]` });
    expect(colored({ timestamp: 0, node: 'n', message: 'm' })).toBe('<n> [1970-01-01T00:00:00.000Z] m\n');
  });

  it('on a terminal, control characters are shown, not obeyed; tabs and newlines stay', () => {
    expect(neutralizeControls('title \u001b]0;pwned\u0007 clear \u001b[2J\u001b[H bell \u0007 csi \u009b31m del \u007f')).toBe(
      'title \\x1b]0;pwned\\x07 clear \\x1b[2J\\x1b[H bell \\x07 csi \\x9b31m del \\x7f',
    );
    expect(neutralizeControls('a\tb\nc\r\nd\re')).toBe('a\tb\nc\nd\\x0de');
    expect(neutralizeControls('nothing to do é 😀')).toBe('nothing to do é 😀');
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('runlens logs on a terminal', () => {
  it.skipIf(!hasScript)('neutralises escape sequences from the log (window title, screen clear) and shows #011 as a tab', async () => {
    const dir = path.join(root, 'hostile');
    writeArchive(dir, {
      run: { name: 'hostile', status: 'completed' },
      logs: { 'algo-1': [{ timestamp: at(0), node: 'algo-1', message: 'epoch 1\u001b]0;pwned\u0007 done\u001b[2J[0]#011train-logloss:0.8' }] },
    });
    // `script` gives the CLI a pseudo-terminal as stdout (util-linux's script; NO_COLOR keeps runlens's own colours off).
    const tty = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} logs ${JSON.stringify(`local:${dir}`)}`, '/dev/null'], {
      cwd: REPO,
      env: cliEnv({ TERM: 'xterm' }),
      encoding: 'utf8',
    });
    expect(tty.status).toBe(0);
    const out = tty.stdout.replace(/\r\n/g, '\n');
    expect(out).not.toMatch(/[\u0007\u001b]/);
    expect(out).toContain('epoch 1\\x1b]0;pwned\\x07 done\\x1b[2J[0]\ttrain-logloss:0.8\n');
    // Into a pipe, the same line keeps its bytes (only #011 is shown as the tab it encodes).
    const piped = await runlens(['logs', `local:${dir}`]);
    expect(piped.stdout).toContain('epoch 1\u001b]0;pwned\u0007 done\u001b[2J[0]\ttrain-logloss:0.8\n');
  }, 30_000);
});
