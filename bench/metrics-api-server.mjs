// Child of bench/metrics-api.mjs: one build's runlens (as `runlens serve` makes it: metricCache on when
// the build has it) and server over the given roots; answers "cpu" on stdin with its CPU ms so far.
import path from 'node:path';
import { createInterface } from 'node:readline';
const [root, rootsJson] = process.argv.slice(2);
const { createRunlens } = await import(path.join(root, 'packages/core/dist/index.js'));
const { localProvider } = await import(path.join(root, 'packages/local/dist/index.js'));
const { startServer } = await import(path.join(root, 'packages/server/dist/index.js'));
const roots = JSON.parse(rootsJson);
const runlens = createRunlens({ providers: [localProvider], cwd: root, env: {}, settings: { local: { roots } }, metricCache: { maxPoints: 1_000_000 } });
const server = await startServer({ runlens, cwd: root, archiveRoots: roots });
console.log(JSON.stringify({ url: server.url }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'cpu') { const u = process.cpuUsage(); console.log(JSON.stringify({ cpu: (u.user + u.system) / 1000 })); }
}
await server.close(); await runlens.close();
