#!/usr/bin/env node
// Bundles the `runlens` bin into dist/main.js (run after `tsc -b`, whose dist/main.js it replaces).
// Why: resolving and loading ~280 small ES modules (commander, core, inversify, zod, our own files)
// cost more start-up time than running them. One file answers `--version` and `--help`; everything
// a command needs comes in a few chunks under dist/chunks/, loaded by the same dynamic imports as in
// the sources, so the AWS and Azure SDKs are read only when a ref of their provider is used.
// dist/bundle-meta.json records which sources each output holds (a test checks what --help loads).
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(path.join(cli, 'package.json'), 'utf8'));

rmSync(path.join(cli, 'dist', 'chunks'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: cli,
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Workspace packages from their TypeScript sources (what tsc just checked); SDKs in their ESM form.
  conditions: ['source'],
  mainFields: ['module', 'main'],
  // The server (Hono, classic zod with its 60 locales, tar) loads from its own package at `runlens
  // serve`: bundled, the zod modules it shares with local's zod/mini land in a chunk every local
  // command loads, which cost ~70 ms of compile at every start-up.
  // The queue (BullMQ, ioredis) likewise loads from its package, only for `copy --queue` and `worker`.
  external: ['@runlens/server', '@runlens/queue'],
  // A chunk moves the file that reads ../package.json, so the version is written in instead.
  define: { RUNLENS_VERSION: JSON.stringify(version) },
  // CommonJS dependencies (commander, picocolors) call require() for Node built-ins.
  banner: { js: "import { createRequire as __runlensCreateRequire } from 'node:module';\nconst require = __runlensCreateRequire(import.meta.url);" },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
// Output (relative to dist/) → the sources it holds (relative to the repository).
const repo = path.join(cli, '..', '..');
const outputs = Object.fromEntries(
  Object.entries(result.metafile.outputs).map(([file, output]) => [path.relative('dist', file), Object.keys(output.inputs).map((input) => path.relative(repo, path.resolve(cli, input)))]),
);
writeFileSync(path.join(cli, 'dist', 'bundle-meta.json'), `${JSON.stringify({ outputs }, null, 1)}\n`);
