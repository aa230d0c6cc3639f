#!/usr/bin/env node
// `pnpm demo`: a tour of every runlens command over the example archives, as a user would type them.
// It needs nothing but a built workspace: no cloud account, no network.
import { spawn } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli/dist/main.js');
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
let failures = 0;

/** Starts the loopback emulators and adds their environment, so cloud refs work offline. */
async function startEmulators() {
  const started = [];
  const { startSagemakerEmulator } = await import('../packages/sagemaker/dist/testing/index.js');
  started.push(['sagemaker', await startSagemakerEmulator()]);
  const { startModelartsEmulator } = await import('../packages/modelarts/dist/testing/index.js');
  started.push(['modelarts', await startModelartsEmulator({ scenarios: true })]);
  const { startAzuremlEmulator } = await import('../packages/azureml/dist/testing/index.js');
  started.push(['azureml', await startAzuremlEmulator({ scenarios: true })]);
  for (const [, emulator] of started) Object.assign(env, emulator.env);
  for (const [name, emulator] of await startKubernetes()) started.push([name, emulator]);
  return Object.fromEntries(started);
}

/**
 * The Kubernetes API emulator (Kubeflow PyTorchJobs, a TrainJob, an indexed Job, with their pods,
 * events and logs) and a Prometheus emulator with its pods' metrics; refs reach them through a
 * kubeconfig, as kubectl's would.
 */
async function startKubernetes() {
  const { startKubernetesEmulator, startPrometheusEmulator, scenarioSeries } = await import('../packages/kubernetes/dist/testing/index.js');
  const kube = await startKubernetesEmulator({ scenarios: true });
  const prometheus = await startPrometheusEmulator({ series: scenarioSeries(kube) });
  const dir = await mkdtemp(path.join(tmpdir(), 'runlens-demo-kube-'));
  const kubeconfig = path.join(dir, 'config');
  await writeFile(kubeconfig, kube.kubeconfig(), { mode: 0o600 });
  Object.assign(env, { KUBECONFIG: kubeconfig, RUNLENS_PROMETHEUS_URL: prometheus.url });
  const cleanup = { close: async () => rm(dir, { recursive: true, force: true }) };
  return [['kubernetes', kube], ['prometheus', prometheus], ['kubeconfig', cleanup]];
}

async function follow(args, grow) {
  console.log(`\n${bold(`$ runlens ${args.join(' ')}`)}`);
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await grow();
  const code = await exited;
  if (code !== 0) failures++;
  console.log(`(follow ended by itself with exit ${code} once the run completed)`);
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

async function cloudTour() {
  console.log(`\n${bold('The same commands on cloud runs, served by loopback emulators that speak each provider\'s wire API:')}`);
  const emulators = await startEmulators();
  try {
    const { sagemaker, azureml } = emulators;
    await runlens('runs', '--provider', 'sagemaker', '--limit', '5');
    await runlens('describe', 'sagemaker:rl-failed-hyperparameter');
    await runlens('logs', 'sagemaker:rl-completed-4node', '--tail', '8');
    await runlens('metrics', 'sagemaker:rl-completed-4node', '--kind', 'system', '--node', 'algo-1');
    await runlens('artifacts', 'sagemaker:rl-completed-4node');
    await follow(['logs', 'sagemaker:rl-running-2node', '--tail', '3', '--follow', '--poll-interval', '200'], async () => {
      for (let i = 0; i < 3; i++) {
        await pause(400);
        sagemaker.advance('rl-running-2node');
      }
      sagemaker.complete('rl-running-2node');
    });
    await runlens('describe', 'modelarts:5bd61eea-9de2-4864-a0f7-5fae966171b5');
    await runlens('logs', 'modelarts:2cd88daa-31a4-40a8-a58f-d186b0e93e4f', '--tail', '6');
    await runlens('metrics', 'modelarts:2cd88daa-31a4-40a8-a58f-d186b0e93e4f', '--metric', 'cpu.utilization', '--node', 'worker-0', '--plot');
    await runlens('logs', 'modelarts:182626/278813', '--tail', '4');
    await runlens('describe', 'azureml:rl-az-failed');
    await runlens('logs', 'azureml:rl-az-completed-2node', '--tail', '6');
    await runlens('metrics', 'azureml:rl-az-seed004');
    await runlens('compare', 'azureml:rl-az-completed-2node', 'sagemaker:rl-completed-4node', 'modelarts:2cd88daa-31a4-40a8-a58f-d186b0e93e4f', '--metric', 'loss');
    await follow(['logs', 'azureml:rl-az-running', '--tail', '2', '--follow', '--poll-interval', '200'], async () => {
      for (let i = 1; i <= 3; i++) {
        await pause(400);
        azureml.appendLog('rl-az-running', 'user_logs/std_log_process_0.txt', `${new Date(Date.now()).toISOString()} INFO step ${i}00 loss ${(1 / (i + 1)).toFixed(3)}\n`);
      }
      azureml.setStatus('rl-az-running', 'Completed');
    });
    await runlens('export', 'sagemaker:rl-completed-4node', '--out', path.join(work, 'sagemaker-export'));
    await runlens('logs', `local:${path.join(work, 'sagemaker-export')}`, '--tail', '3');
    await runlens('export', 'azureml:rl-az-seed004', '--out', path.join(work, 'azure-export'));
    await runlens('metrics', `local:${path.join(work, 'azure-export')}`, '--csv');

    console.log(`\n${bold('Kubernetes training jobs (Kubeflow PyTorchJob, TrainJob, indexed Jobs), read through your kubeconfig:')}`);
    await runlens('runs', '--provider', 'k8s');
    await runlens('describe', 'k8s:ml/pytorchjob/resnet-oom');
    await runlens('logs', 'k8s:ml/pytorchjob/bert-finetune', '--node', 'worker-1', '--tail', '4');
    await runlens('metrics', 'k8s:ml/pytorchjob/bert-finetune', '--node', 'worker-0');
    await runlens('logs', 'k8s:ml/pytorchjob/vit-pods-gone');
    await runlens('compare', 'sagemaker:rl-completed-4node', 'azureml:rl-az-completed-2node', 'k8s:ml/pytorchjob/bert-finetune', '--metric', 'loss');
    await runlens('export', 'k8s:ml/pytorchjob/resnet-oom', '--out', path.join(work, 'k8s-export'));
    await runlens('describe', `local:${path.join(work, 'k8s-export')}`);
  } finally {
    await Promise.all(Object.values(emulators).map((e) => e.close()));
  }
}

/** Runs the CLI as a user would. Asynchronously: the emulators answer from this same process. */
async function runlens(...args) {
  console.log(`\n${bold(`$ runlens ${args.join(' ')}`)}`);
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) {
    failures++;
    console.log(`(exit ${code})`);
  }
}

/**
 * `runlens serve` over the example archives and the three emulators, until Ctrl-C: the web view and
 * the HTTP API at the printed URL. The SageMaker emulator grows its running job every few seconds,
 * so a live follow has something to show.
 */
async function serveDemo() {
  const { startSagemakerEmulator } = await import('../packages/sagemaker/dist/testing/index.js');
  const { startModelartsEmulator } = await import('../packages/modelarts/dist/testing/index.js');
  const { startAzuremlEmulator } = await import('../packages/azureml/dist/testing/index.js');
  const emulators = [await startSagemakerEmulator({ advanceEveryMs: 4000 }), await startModelartsEmulator({ scenarios: true }), await startAzuremlEmulator({ scenarios: true })];
  for (const emulator of emulators) Object.assign(env, emulator.env);
  for (const [, emulator] of await startKubernetes()) emulators.push(emulator);
  const port = process.env.RUNLENS_DEMO_PORT ?? '7410';
  console.log(`\n${bold(`$ runlens serve --archives ./examples/runs --port ${port}`)}   (plus the SageMaker, ModelArts, Azure ML and Kubernetes emulators)`);
  console.log('Open the URL below in a browser: the runs of every provider, a run\'s failure and logs (live), metrics, compare. Ctrl-C stops.');
  const child = spawn(process.execPath, [cli, 'serve', '--archives', './examples/runs', '--port', port], { cwd: root, env, stdio: 'inherit' });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  await Promise.all(emulators.map((e) => e.close()));
  process.exit(code ?? 0);
}

if (process.argv.includes('--serve')) await serveDemo();

const x = (name) => `local:./examples/runs/${name}`;
const work = await mkdtemp(path.join(tmpdir(), 'runlens-demo-'));
try {
  console.log(bold('runlens tour: one query API over SageMaker, ModelArts, Azure ML and Kubernetes runs (here: local archives)'));

  await runlens('runs', '--provider', 'local');
  await runlens('describe', x('sagemaker-hyperparameter-typo'));
  await runlens('logs', x('sagemaker-hyperparameter-typo'), '--tail', '6');
  await runlens('logs', x('sagemaker-xgboost-completed'), '--node', 'algo-2', '--grep', 'logloss', '--tail', '3', '--json');
  await runlens('metrics', x('modelarts-cpu-gaps'));
  await runlens('metrics', x('modelarts-cpu-gaps'), '--metric', 'cpu.utilization', '--plot');
  await runlens('metrics', x('azureml-seed004-metrics'), '--csv');
  await runlens('compare', x('sagemaker-xgboost-completed'), x('azureml-seed004-metrics'), x('modelarts-cpu-gaps'), '--metric', 'loss', '--metric', 'validation:logloss');
  await runlens('artifacts', x('azureml-seed004-metrics'), '--download', path.join(work, 'downloads'));
  await runlens('export', x('sagemaker-hyperparameter-typo'), '--out', path.join(work, 'exported'));
  await runlens('describe', `local:${path.join(work, 'exported')}`, '--json');

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

  await cloudTour();

  console.log(`\n${bold('Bad input gets one line and a documented exit code:')}`);
  await runlens('describe', 'local:./examples/runs/no-such-run');
  failures--; // expected: exit 3
} finally {
  await rm(work, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`\ndemo: ${failures} command(s) failed`);
  process.exit(1);
}
console.log(`\n${bold('Done.')} See README.md and docs/ for more.`);
// A person at a terminal gets the web view next; scripts and CI end here (or pass --serve for it alone).
if (process.stdout.isTTY && !process.env.CI && !process.argv.includes('--no-serve')) await serveDemo();
else console.log('The web view: corepack pnpm demo --serve (runlens serve over these archives and emulators).');
