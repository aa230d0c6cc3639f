// Bundles the web view with esbuild into dist/app: index.html (never cached) and content-hashed
// assets (cached for good). Everything is local: no CDN, no external fonts.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/app');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: [path.join(root, 'app/main.tsx')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: path.join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => path.relative(out, path.resolve(p)).split(path.sep).join('/'));
const js = outputs.find((p) => p.endsWith('.js'));
const css = outputs.find((p) => p.endsWith('.css'));
const html = (await readFile(path.join(root, 'app/index.html'), 'utf8')).replace('%SCRIPT%', `/${js}`).replace('%STYLE%', `/${css}`);
await writeFile(path.join(out, 'index.html'), html);
console.log(`web: ${outputs.filter((p) => !p.endsWith('.map')).join(', ')}`);
