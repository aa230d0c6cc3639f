#!/usr/bin/env node
// `pnpm demo`: a tour of every runlens command over the example archives, as a user would type them.
// It needs nothing but a built workspace: no cloud account, no network.
import { spawn, spawnSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/main.js');
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
let failures = 0;

function runlens(...args) {
  console.log(`\n${bold(`$ runlens ${args.join(' ')}`)}`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    failures++;
    console.log(`(exit ${result.status})`);
  }
}

const x = (name) => `local:./examples/runs/${name}`;
const work = await mkdtemp(path.join(tmpdir(), 'runlens-demo-'));
try {
  console.log(bold('runlens tour: one query API over SageMaker, ModelArts and Azure ML runs (here: local archives)'));

  runlens('runs', '--provider', 'local');
  runlens('describe', x('sagemaker-hyperparameter-typo'));
  runlens('logs', x('sagemaker-hyperparameter-typo'), '--tail', '6');
  runlens('logs', x('sagemaker-xgboost-completed'), '--node', 'algo-2', '--grep', 'logloss', '--tail', '3', '--json');
  runlens('metrics', x('modelarts-cpu-gaps'));
  runlens('metrics', x('modelarts-cpu-gaps'), '--metric', 'cpu.utilization', '--plot');
  runlens('metrics', x('azureml-seed004-metrics'), '--csv');
  runlens('compare', x('sagemaker-xgboost-completed'), x('azureml-seed004-metrics'), x('modelarts-cpu-gaps'), '--metric', 'loss', '--metric', 'validation:logloss');
  runlens('artifacts', x('azureml-seed004-metrics'), '--download', path.join(work, 'downloads'));
  runlens('export', x('sagemaker-hyperparameter-typo'), '--out', path.join(work, 'exported'));
  runlens('describe', `local:${path.join(work, 'exported')}`, '--json');

  // Follow: a run that is still writing. The demo appends lines and then marks it completed;
  // runlens prints the new lines as they land and exits by itself after a final drain.
  const live = path.join(work, 'live');
  await cp(path.join(root, 'examples/runs/sagemaker-xgboost-completed'), live, { recursive: true });
  const runFile = path.join(live, 'run.json');
  const run = JSON.parse(await readFile(runFile, 'utf8'));
  await writeFile(runFile, JSON.stringify({ ...run, status: 'running', providerStatus: 'InProgress', endedAt: undefined }));
  console.log(`\n${bold(`$ runlens logs local:${live} --tail 2 --follow`)}`);
  const follower = spawn(process.execPath, [cli, 'logs', `local:${live}`, '--tail', '2', '--follow', '--poll-interval', '200'], { cwd: root, env, stdio: 'inherit' });
  const last = run.endedAt ? Date.parse(run.endedAt) : Date.now();
  for (let i = 1; i <= 3; i++) {
    await new Promise((r) => setTimeout(r, 400));
    await appendFile(path.join(live, 'logs', 'algo-1.jsonl'), `${JSON.stringify({ timestamp: last + i * 1000, node: 'algo-1', message: `live line ${i} while following` })}\n`);
  }
  await writeFile(runFile + '.tmp', JSON.stringify({ ...run, status: 'completed' }));
  await import('node:fs/promises').then((fs) => fs.rename(runFile + '.tmp', runFile));
  const code = await new Promise((resolve) => follower.on('exit', resolve));
  if (code !== 0) failures++;
  console.log(`(follow ended by itself with exit ${code} once the run completed)`);

  console.log(`\n${bold('Bad input gets one line and a documented exit code:')}`);
  runlens('describe', 'local:./examples/runs/no-such-run');
  failures--; // expected: exit 3
} finally {
  await rm(work, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`\ndemo: ${failures} command(s) failed`);
  process.exit(1);
}
console.log(`\n${bold('Done.')} See README.md and docs/ for more.`);
