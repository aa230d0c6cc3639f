// How text becomes a run reference, through the registry with the real local provider: prefixes in
// any case, existing directories without ./, missing paths, and what is left for other providers.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRunlens } from '@runlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localProvider } from '../src/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'runlens-refs-'));
  await mkdir(path.join(root, 'runs', 'a'), { recursive: true });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('resolving refs', () => {
  const runlens = () => createRunlens({ providers: [localProvider], cwd: root });

  it('takes the provider prefix in any case', () => {
    for (const text of ['local:./runs/a', 'LOCAL:./runs/a', 'Local:./runs/a']) expect(runlens().resolve(text)).toEqual({ provider: 'local', id: './runs/a' });
    expect(() => runlens().resolve('FOO:x')).toThrow(/unknown provider 'foo'/);
  });

  it('claims an existing directory without ./, relative to the working directory', () => {
    expect(runlens().resolve('runs/a')).toEqual({ provider: 'local', id: 'runs/a' });
    expect(runlens().resolve('runs')).toEqual({ provider: 'local', id: 'runs' });
    expect(() => runlens().resolve('runs/b')).toThrow(/malformed run reference 'runs\/b'/);
  });

  it('claims a missing absolute path under an existing top-level directory, and leaves /subscriptions/… to others', () => {
    const gone = path.join(root, 'gone');
    expect(runlens().resolve(gone)).toEqual({ provider: 'local', id: gone });
    expect(() => runlens().resolve('/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/jobs/j')).toThrow(/malformed run reference/);
  });
});
