// Pure helpers behind downloads and exports: which artifacts a glob selects, which paths are safe to
// write, and when an ETag may be taken for the content's MD5.
import { describe, expect, it } from 'vitest';
import { artifactMatcher } from '../src/archive/format.js';
import { isSafeArtifactPath, JsonlWriter } from '../src/archive/write.js';
import { md5FromBase64, md5FromEtag } from '../src/model/artifact.js';

describe('artifactMatcher', () => {
  const paths = ['metrics.json', 'outputs/model.pkl', 'outputs/eval/metrics.json', 'model/weights.bin', 'outputs.txt'];
  const pick = (...globs: string[]) => paths.filter(artifactMatcher(globs));
  it('matches a file name in any folder when the pattern has no slash', () => {
    expect(pick('*.json')).toEqual(['metrics.json', 'outputs/eval/metrics.json']);
  });
  it('keeps * within a folder and lets ** span folders', () => {
    expect(pick('outputs/*')).toEqual(['outputs/model.pkl']);
    expect(pick('outputs/**')).toEqual(['outputs/model.pkl', 'outputs/eval/metrics.json']);
    expect(pick('**/metrics.json')).toEqual(['metrics.json', 'outputs/eval/metrics.json']);
  });
  it('takes a plain folder name as everything under it, not a file that starts alike', () => {
    expect(pick('outputs')).toEqual(['outputs/model.pkl', 'outputs/eval/metrics.json']);
    expect(pick('outputs/')).toEqual(['outputs/model.pkl', 'outputs/eval/metrics.json']);
  });
  it('treats regular-expression characters literally and combines globs', () => {
    expect(pick('model/weights.bin', 'outputs.txt')).toEqual(['model/weights.bin', 'outputs.txt']);
    expect(pick('outputs?txt')).toEqual(['outputs.txt']);
    expect(pick('(.*)')).toEqual([]);
  });
});

describe('isSafeArtifactPath', () => {
  it('refuses paths that climb out or are absolute', () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', '', '.', 'a/./b', 'a\0b']) expect(isSafeArtifactPath(bad), bad).toBe(false);
    for (const good of ['a', 'a/b.txt', 'a..b/c', '..a']) expect(isSafeArtifactPath(good), good).toBe(true);
  });
});

describe('md5FromEtag', () => {
  it('takes a quoted 32-hex ETag and refuses multipart ones', () => {
    expect(md5FromEtag('"9E107D9D372BB6826BD81D3542A419D6"')).toBe('9e107d9d372bb6826bd81d3542a419d6');
    expect(md5FromEtag('"ceb8853ddc5086cc4ab9e149f8f09c88-5"')).toBeUndefined();
    expect(md5FromEtag(undefined)).toBeUndefined();
  });
  it('reads a base64 Content-MD5', () => {
    expect(md5FromBase64(Buffer.from('9e107d9d372bb6826bd81d3542a419d6', 'hex').toString('base64'))).toBe('9e107d9d372bb6826bd81d3542a419d6');
    expect(md5FromBase64('bm90IGFuIG1kNQ==')).toBeUndefined();
  });
});

describe('JsonlWriter', () => {
  it('waits out back-pressure on a long log without piling up listeners', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(tmpdir(), 'runlens-jsonl-'));
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const file = path.join(dir, 'algo-1.jsonl');
      const writer = new JsonlWriter(file);
      // ~2 MB through a 16 KB write buffer: well over 10 back-pressure waits.
      const message = 'x'.repeat(200);
      for (let i = 0; i < 10_000; i++) await writer.write({ i, message });
      await writer.close();
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      expect(lines).toHaveLength(10_000);
      expect(JSON.parse(lines.at(-1)!)).toEqual({ i: 9_999, message });
    } finally {
      process.off('warning', onWarning);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
