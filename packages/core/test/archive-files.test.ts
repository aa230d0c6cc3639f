// Pure helpers behind downloads and exports: which artifacts a glob selects, which paths are safe to
// write, and when an ETag may be taken for the content's MD5.
import { describe, expect, it } from 'vitest';
import { artifactMatcher } from '../src/archive/format.js';
import { isSafeArtifactPath } from '../src/archive/write.js';
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
