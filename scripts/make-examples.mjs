#!/usr/bin/env node
// Writes the example run archives under examples/runs/ (deterministic: run it again, get the same bytes).
// They are modelled on the user's seed documents: SageMaker's built-in algorithm errors (seed 003),
// ModelArts running metrics with -1 gaps (seed 002) and log preview text (seed 001), and the Azure ML
// logging API's metric kinds and outputs/ artifacts (seed 004).
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'runs');
const iso = (ms) => new Date(ms).toISOString();
const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/**
 * A run's final metrics are named, not stated: each value is the last sample of the run-level series
 * of that name, so the archive can never contradict its own series.
 */
function finalsFromSeries(names, metrics) {
  const finals = {};
  for (const name of names) {
    const series = metrics.find((m) => m.series.name === name && m.series.node === undefined);
    const last = series?.points.filter((p) => typeof p.value === 'number').at(-1);
    if (!last) throw new Error(`final metric '${name}' has no series with a numeric point`);
    finals[name] = last.value;
  }
  return finals;
}

async function archive(name, { run: spec, logs = {}, metrics = [], artifacts = [] }) {
  const run = Object.fromEntries(Object.entries(spec).map(([key, value]) => [key, key === 'finalMetrics' ? finalsFromSeries(value, metrics) : value]));
  const dir = path.join(root, name);
  await rm(dir, { recursive: true, force: true });
  for (const sub of ['logs', 'metrics', 'artifacts']) await mkdir(path.join(dir, sub), { recursive: true });
  await writeFile(path.join(dir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
  let records = 0;
  for (const [node, lines] of Object.entries(logs)) {
    records += lines.length;
    await writeFile(path.join(dir, 'logs', `${node}.jsonl`), jsonl(lines.map(([timestamp, message]) => ({ timestamp, node, message }))));
  }
  let points = 0;
  for (const { file, series, points: pts } of metrics) {
    points += pts.length;
    await writeFile(path.join(dir, 'metrics', file), jsonl([{ series }, ...pts]));
  }
  const manifest = [];
  for (const { path: p, content } of artifacts) {
    const file = path.join(dir, 'artifacts', ...p.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    manifest.push({ path: p, size: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex') });
  }
  await writeFile(path.join(dir, 'artifacts.json'), JSON.stringify(manifest, null, 2) + '\n');
  const counts = { nodes: Object.keys(logs).length, logRecords: records, series: metrics.length, points, artifacts: manifest.length, artifactBytes: manifest.reduce((n, a) => n + a.size, 0) };
  await writeFile(
    path.join(dir, 'archive.json'),
    JSON.stringify({ format: 'runlens-run-archive', formatVersion: 1, exportedAt: '2026-11-28T00:00:00.000Z', source: { ref: run.origin.ref, provider: run.origin.provider }, counts }, null, 2) + '\n',
  );
}

const perMinute = (start, values, f = (v) => v) => values.map((v, i) => ({ timestamp: start + i * 60_000, value: f(v) }));
const gap = (v) => (v === -1 ? null : v);

// 1. SageMaker: 2 nodes, failed on a misspelled hyperparameter (seed 003, first common error).
{
  const t0 = Date.UTC(2017, 9, 16, 23, 41, 2);
  const job = 'kmeans-mnist-2017-10-16-23-40-11';
  const common = (node, skew) => [
    [t0 + skew, `Docker entrypoint called with argument(s): train`],
    [t0 + 2_000 + skew, `[10/16/2017 23:41:04 INFO 1396238068 train.py:41] Reading default configuration from /opt/amazon/lib/python2.7/site-packages/algorithm/resources/default-input.json`],
    [t0 + 2_000 + skew, `[10/16/2017 23:41:04 INFO 1396238068 train.py:41] Reading provided configuration from /opt/ml/input/config/hyperparameters.json: {u'feature_dim': u'784', u'k': u'10', u'mini_batch_siz': u'100'}`],
    [t0 + 3_000, `[10/16/2017 23:41:05 INFO 1396238068 train.py:44] Validating hyperparameters on ${node}`],
  ];
  const fail = Date.UTC(2017, 9, 16, 23, 45, 17);
  const logs = {
    'algo-1': [
      ...common('algo-1', 0),
      [fail - 1_000, 'Traceback (most recent call last):'],
      [fail - 1_000, '  File "/opt/amazon/lib/python2.7/site-packages/algorithm/train.py", line 48, in main'],
      [fail - 1_000, '    validate_hyperparameters(config)'],
      [fail, "jsonschema.exceptions.ValidationError: Additional properties are not allowed (u'mini_batch_siz' was unexpected)"],
      [fail, "[10/16/2017 23:45:17 ERROR 139623806805824 train.py:48] Additional properties are not allowed (u'mini_batch_siz' was unexpected)"],
    ],
    'algo-2': [...common('algo-2', 1_000), [fail, '[10/16/2017 23:45:17 INFO 1401238068 train.py:60] Waiting for algo-1 ...'], [fail + 2_000, 'Shutting down: peer algo-1 exited']],
  };
  const hosts = ['algo-1', 'algo-2'];
  await archive('sagemaker-hyperparameter-typo', {
    run: {
      ref: `sagemaker:${job}`,
      provider: 'sagemaker',
      id: job,
      name: job,
      status: 'failed',
      providerStatus: 'Failed',
      createdAt: iso(t0 - 180_000),
      startedAt: iso(t0 - 30_000),
      endedAt: iso(fail + 5_000),
      nodes: hosts.map((name) => ({ name, instanceType: 'ml.c4.xlarge' })),
      failure: {
        category: 'invalid-hyperparameter',
        reason: "ClientError: Additional properties are not allowed (u'mini_batch_siz' was unexpected)",
        evidence: ["[algo-1] [10/16/2017 23:45:17 ERROR 139623806805824 train.py:48] Additional properties are not allowed (u'mini_batch_siz' was unexpected)"],
      },
      hyperparameters: { feature_dim: '784', k: '10', mini_batch_siz: '100' },
      timeline: [
        { at: iso(t0 - 180_000), status: 'Starting', message: 'Launching requested ML instances' },
        { at: iso(t0 - 60_000), status: 'Downloading', message: 'Downloading input data' },
        { at: iso(t0 - 30_000), status: 'Training', message: 'Training image download completed. Training in progress.' },
        { at: iso(fail + 5_000), status: 'Failed', message: "ClientError: Additional properties are not allowed (u'mini_batch_siz' was unexpected)" },
      ],
      origin: { provider: 'sagemaker', ref: `sagemaker:${job}` },
      raw: { TrainingJobName: job, TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed', ResourceConfig: { InstanceType: 'ml.c4.xlarge', InstanceCount: 2, VolumeSizeInGB: 10 } },
    },
    logs,
    metrics: hosts.flatMap((host, h) => [
      {
        file: `cpu.utilization@${host}.jsonl`,
        series: { name: 'cpu.utilization', node: host, kind: 'system', unit: 'percent', providerName: 'CPUUtilization', note: 'CloudWatch sums CPU over cores (0-400 on 4 vCPU); divided by the core count' },
        points: perMinute(t0, [12.5, 88.25, 97.0, 95.5, 20.0].map((v) => v - h * 3)),
      },
      { file: `memory.utilization@${host}.jsonl`, series: { name: 'memory.utilization', node: host, kind: 'system', unit: 'percent', providerName: 'MemoryUtilization' }, points: perMinute(t0, [8.1, 21.4, 22.9, 23.3, 9.0]) },
    ]),
  });
}

// 2. SageMaker: a completed 2-node job with training metrics, for `runlens compare`.
{
  const t0 = Date.UTC(2026, 10, 20, 9, 0, 0);
  const job = 'xgboost-churn-2026-11-20-09-00-00';
  const logs = {};
  for (const [n, host] of ['algo-1', 'algo-2'].entries()) {
    logs[host] = [[t0 + n * 50, `[2026-11-20 09:00:0${n}.000 ${host}:1 INFO] Starting training (host ${host} of 2)`]];
    for (let round = 0; round < 20; round++) {
      const loss = (0.69 * Math.exp(-round / 6) + 0.12).toFixed(5);
      logs[host].push([t0 + 10_000 + round * 15_000 + n * 3, `[${round}]#011train-logloss:${loss}#011validation-logloss:${(Number(loss) + 0.02).toFixed(5)}`]);
    }
    logs[host].push([t0 + 320_000 + n, `${host} reporting training SUCCESS`]);
  }
  await archive('sagemaker-xgboost-completed', {
    run: {
      ref: `sagemaker:${job}`, provider: 'sagemaker', id: job, name: job, status: 'completed', providerStatus: 'Completed',
      createdAt: iso(t0 - 120_000), startedAt: iso(t0), endedAt: iso(t0 + 330_000),
      nodes: [{ name: 'algo-1', instanceType: 'ml.m5.xlarge' }, { name: 'algo-2', instanceType: 'ml.m5.xlarge' }],
      hyperparameters: { num_round: '20', eta: '0.2', max_depth: '5', objective: 'binary:logistic' },
      finalMetrics: ['train:logloss', 'validation:logloss'],
      origin: { provider: 'sagemaker', ref: `sagemaker:${job}` },
      raw: { TrainingJobName: job, TrainingJobStatus: 'Completed' },
    },
    logs,
    metrics: [
      { file: 'train_logloss.jsonl', series: { name: 'train:logloss', kind: 'training', providerName: 'train:logloss' }, points: Array.from({ length: 20 }, (_, r) => ({ timestamp: t0 + 10_000 + r * 15_000, step: r, value: Number((0.69 * Math.exp(-r / 6) + 0.12).toFixed(5)) })) },
      { file: 'validation_logloss.jsonl', series: { name: 'validation:logloss', kind: 'training', providerName: 'validation:logloss' }, points: Array.from({ length: 20 }, (_, r) => ({ timestamp: t0 + 10_000 + r * 15_000, step: r, value: Number((0.69 * Math.exp(-r / 6) + 0.14).toFixed(5)) })) },
    ],
    artifacts: [{ path: 'output/model.tar.gz', content: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)) }],
  });
}

// 3. ModelArts: per-minute cpuUsage/memUsage with -1 where there is no sample (seed 002).
{
  const id = '2cd88daa-31a4-40a8-a58f-d186b0e93e4f';
  const t0 = Date.UTC(2021, 4, 18, 6, 13, 0);
  const seed = {
    cpuUsage: [-1, -1, 2.43, 4.524, 6.714, 12.422, 9.214, 5.36, 7.5, 10.088, 8.975, 11.423, 11.548, 14.563, 16.833],
    memUsage: [-1, -1, 0.04, 0.521, 1.652, 4.252, 6.433, 7.384, 7.982, 8.718, 9.365, 9.881, 10.192, 9.994, 9.005],
    gpuUtil: Array(15).fill(-1),
    npuUtil: Array(15).fill(-1),
  };
  const names = { cpuUsage: 'cpu.utilization', memUsage: 'memory.utilization', gpuUtil: 'gpu.utilization', npuUtil: 'npu.utilization' };
  const preview = [
    '[Modelarts Service Log]collect and upload ascend logs end at 2021-05-18-14:28:13',
    '[Modelarts Service Log]exiting...',
    '[Modelarts Service Log]exit with 0',
    '[ModelArts Service Log][INFO][2021/05/18 14:28:14,207]: output-handler finalizing due to: [training finished]',
    '[ModelArts Service Log][INFO][2021/05/18 14:28:14,207]: output-handler finalized',
    '[Modelarts Service Log][sidecar] exiting at 2021-05-18-14:28:14',
    '[Modelarts Service Log][sidecar] wait python processes exit...',
    '[Modelarts Service Log][sidecar] exit with 0',
  ];
  const end = Date.UTC(2021, 4, 18, 6, 28, 14);
  const training = Array.from({ length: 12 }, (_, i) => [t0 + 120_000 + i * 60_000, `epoch ${i + 1}/12 loss=${(1.8 * Math.exp(-i / 4) + 0.3).toFixed(4)} 训练进行中`]);
  await archive('modelarts-cpu-gaps', {
    run: {
      ref: `modelarts:${id}`, provider: 'modelarts', id, name: 'job-resnet50-ascend', status: 'completed', providerStatus: 'Completed',
      createdAt: iso(t0 - 60_000), startedAt: iso(t0), endedAt: iso(end),
      nodes: [{ name: 'worker-0', instanceType: 'modelarts.vm.cpu.8u' }],
      hyperparameters: { epochs: '12', batch_size: '64' },
      origin: { provider: 'modelarts', ref: `modelarts:${id}` },
      raw: { metadata: { id, name: 'job-resnet50-ascend' }, status: { phase: 'Completed', tasks: ['worker-0'] } },
    },
    logs: { 'worker-0': [...training, ...preview.map((m, i) => [end - 1_000 + (i < 3 ? 0 : 1_000), m])] },
    metrics: Object.entries(seed).map(([metric, values]) => ({
      file: `${names[metric]}@worker-0.jsonl`,
      series: { name: names[metric], node: 'worker-0', kind: 'system', unit: 'percent', providerName: metric, note: 'one-minute averages; timestamps reconstructed from the job start; -1 (no sample) is null' },
      points: perMinute(t0, values, gap),
    })),
  });
}

// 4. Azure ML: scalar, string and list metrics and outputs/ artifacts (seed 004).
{
  const t0 = Date.UTC(2026, 10, 21, 14, 5, 0);
  const name = 'calm_river_7q2x4k9d1m';
  const logLines = [
    'Starting the daemon thread to refresh tokens in background for process with pid = 112',
    'Entering Run History Context Manager.',
    'logging simple integer value = 7',
    'logging simple float value = 3.141592',
    "logging simple string value = 'this is a string metric'",
    'logging chart data points = [1, 3, 5, 10, 6, 4]',
    ...Array.from({ length: 10 }, (_, i) => `epoch ${i} loss ${(0.9 * Math.exp(-i / 3) + 0.1).toFixed(4)}`),
    'Uploading outputs/ (2 files)',
    'The activity completed successfully. Finalizing run...',
  ];
  await archive('azureml-seed004-metrics', {
    run: {
      ref: `azureml:${name}`, provider: 'azureml', id: name, name: 'iris-classifier', status: 'completed', providerStatus: 'Completed',
      createdAt: iso(t0 - 90_000), startedAt: iso(t0), endedAt: iso(t0 + 240_000),
      nodes: [{ name: 'rank-0', instanceType: 'STANDARD_DS3_V2' }],
      hyperparameters: { learning_rate: '0.01', epochs: '10' },
      tags: { 'simple string value': 'this is a string metric' },
      finalMetrics: ['simple integer value', 'simple float value', 'loss'],
      origin: { provider: 'azureml', ref: `azureml:${name}` },
      raw: { name, properties: { jobType: 'Command', status: 'Completed', experimentName: 'iris' } },
    },
    logs: { 'rank-0': logLines.map((m, i) => [t0 + 5_000 + i * 12_000, m]) },
    metrics: [
      { file: 'simple_integer_value.jsonl', series: { name: 'simple integer value', kind: 'training', providerName: 'simple integer value' }, points: [{ timestamp: t0 + 41_000, step: 0, value: 7 }] },
      { file: 'simple_float_value.jsonl', series: { name: 'simple float value', kind: 'training', providerName: 'simple float value' }, points: [{ timestamp: t0 + 53_000, step: 0, value: 3.141592 }] },
      { file: 'simple_string_value.jsonl', series: { name: 'simple string value', kind: 'training', providerName: 'simple string value', valueType: 'string' }, points: [{ timestamp: t0 + 65_000, step: 0, value: 'this is a string metric' }] },
      { file: 'chart_data_points.jsonl', series: { name: 'chart data points', kind: 'training', providerName: 'chart data points', note: 'a list of numbers logged at once: one point per element, steps 0..n-1' }, points: [1, 3, 5, 10, 6, 4].map((value, step) => ({ timestamp: t0 + 77_000, step, value })) },
      { file: 'loss.jsonl', series: { name: 'loss', kind: 'training', providerName: 'loss' }, points: Array.from({ length: 10 }, (_, i) => ({ timestamp: t0 + 89_000 + i * 12_000, step: i, value: Number((0.9 * Math.exp(-i / 3) + 0.1).toFixed(4)) })) },
    ],
    artifacts: [
      { path: 'outputs/model.pkl', content: Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 31 + 7) % 256)) },
      { path: 'outputs/artifact/path', content: 'This should be the contents of artifact/path in the service' },
    ],
  });
}
console.log(`wrote example archives under ${path.relative(process.cwd(), root) || root}`);
