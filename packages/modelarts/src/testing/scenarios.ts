/**
 * Deterministic seed data, loaded through the emulator's public hooks (so it doubles as
 * an example of seeding). Times are fixed constants, never the clock.
 */
import { modelartsTimestamp, SYNTHETIC_LINE_WIDTH } from './bytes.js';
import type { ModelartsEmulator } from './emulator.js';
import type { TaskMetric, TrainingJobDetail } from './model.js';

export const SCENARIO = {
  /** 2 tasks, Completed; timestamped, plain and Chinese log lines; the seed-002 metrics. */
  completedJobId: '2cd88daa-31a4-40a8-a58f-d186b0e93e4f',
  /** 2 tasks, Failed in worker-1 (exit 137, OOM); Error events; preview answers `context`. */
  failedJobId: '5bd61eea-9de2-4864-a0f7-5fae966171b5',
  /** 1 task, Completed; worker-0 log is 12 MiB, lazily generated, over the preview cap. */
  largeLogJobId: '7c1f3e2a-5b4d-4c6e-9f8a-1b2c3d4e5f60',
  /** 1 task, Running; tests grow its log with appendTaskLog. */
  runningJobId: '9a6f3c2e-4b1d-4e8a-8f3c-2d7e5b9a1c40',
  /** 1 task, Creating; log and metrics answer 204. */
  creatingJobId: 'e4b2d8f1-7c3a-4d9e-a6b5-0f1e2d3c4b5a',
  /** Bucket holding the scenario jobs' outputs. */
  bucket: 'runlens-demo',
  largeLogBytes: 104_858 * SYNTHETIC_LINE_WIDTH,
  v1: {
    jobId: 182626,
    versionId: 278813,
    files: ['job-job-0713-191758.0', 'job-job-0713-191758.1'] as const,
  },
} as const;

/** Wall-clock time in China (UTC+8) as epoch ms. */
function china(y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): number {
  return Date.UTC(y, mo - 1, d, h - 8, mi, s, ms);
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The running-metrics example of the API reference (seed 002), -1 = no sample. */
export const SEED_METRICS: TaskMetric[] = [
  { metric: 'cpuUsage', value: [-1, -1, 2.43, 4.524, 6.714, 12.422, 9.214, 5.36, 7.5, 10.088, 8.975, 11.423, 11.548, 14.563, 16.833] },
  { metric: 'memUsage', value: [-1, -1, 0.04, 0.521, 1.652, 4.252, 6.433, 7.384, 7.982, 8.718, 9.365, 9.881, 10.192, 9.994, 9.005] },
  { metric: 'gpuUtil', value: Array<number>(15).fill(-1) },
  { metric: 'gpuMemUsage', value: Array<number>(15).fill(-1) },
  { metric: 'npuUtil', value: Array<number>(15).fill(-1) },
  { metric: 'npuMemUsage', value: Array<number>(15).fill(-1) },
];

interface JobSpec {
  id: string;
  name: string;
  createdAt: number;
  startedAt: number;
  endedAt?: number;
  phase: string;
  tasks: string[];
  outputUrl: string;
  nodeCount: number;
}

function detail(spec: JobSpec): TrainingJobDetail {
  return {
    kind: 'job',
    metadata: { id: spec.id, name: spec.name, workspace_id: '0', description: '', create_time: spec.createdAt, user_name: 'runlens' },
    status: {
      phase: spec.phase,
      secondary_phase: spec.phase,
      duration: spec.endedAt === undefined ? 0 : spec.endedAt - spec.startedAt,
      start_time: spec.phase === 'Creating' ? 0 : spec.startedAt,
      node_count_metrics: spec.phase === 'Creating' ? [] : [[spec.startedAt, spec.nodeCount]],
      tasks: spec.tasks,
      running_records: spec.phase === 'Creating' ? [] : [
        {
          start_at: seconds(spec.startedAt),
          ...(spec.endedAt === undefined ? {} : { end_at: seconds(spec.endedAt), end_reason: 'job completed' }),
          start_type: 'init_or_rescheduled',
        },
      ],
    },
    algorithm: {
      code_dir: `obs://${SCENARIO.bucket}/code/`,
      boot_file: `obs://${SCENARIO.bucket}/code/train.py`,
      inputs: [{ name: 'data_url', local_dir: '/home/ma-user/modelarts/inputs/data_url_0', remote: { obs: { obs_url: `/${SCENARIO.bucket}/data/` } } }],
      outputs: [{ name: 'train_url', local_dir: '/home/ma-user/modelarts/outputs/train_url_0', remote: { obs: { obs_url: spec.outputUrl } } }],
      engine: { engine_id: 'pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64', engine_name: 'PyTorch', engine_version: 'pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64' },
    },
    spec: {
      resource: {
        policy: 'regular',
        flavor_id: 'modelarts.p3.large.public',
        flavor_name: 'GPU: 1*NVIDIA-V100(32GB) | CPU: 8 vCPUs 64GB',
        node_count: spec.nodeCount,
        flavor_detail: {
          flavor_type: 'GPU',
          billing: { code: 'modelarts.vm.gpu.v100', unit_num: 1 },
          flavor_info: { cpu: { arch: 'x86', core_num: 8 }, gpu: { unit_num: 1, product_name: 'NVIDIA-V100', memory: '32GB' }, memory: { size: 64, unit: 'GB' } },
        },
      },
    },
  };
}

/** `[ModelArts Service Log][LEVEL][time]` line builder with a fixed, advancing clock. */
function serviceLines(startMs: number) {
  let t = startMs;
  return (level: string, text: string, stepMs = 1000) => {
    t += stepMs;
    return `[ModelArts Service Log][${level}][${modelartsTimestamp(t)}]: ${text}\n`;
  };
}

function trainingLog(task: string, startMs: number, epochs: number, tail: string[]): string {
  const line = serviceLines(startMs);
  const out = [
    line('INFO', `${task} sidecar started`),
    line('INFO', 'download code from obs finished'),
    `[Modelarts Service Log]Training start at ${modelartsTimestamp(startMs + 3000)}\n`,
    `INFO:root:Using device: cuda:0 (${task})\n`,
  ];
  for (let epoch = 1; epoch <= epochs; epoch += 1) {
    for (let step = 100; step <= 300; step += 100) {
      const loss = (2.3 / (epoch + step / 300)).toFixed(4);
      out.push(`Epoch ${epoch}/${epochs} step ${step}: loss=${loss} lr=0.0010\n`);
    }
    out.push(`第 ${epoch} 轮训练完成，验证集准确率 ${(0.61 + epoch * 0.1).toFixed(3)}\n`);
    out.push(line('INFO', `epoch ${epoch} checkpoint saved to /home/ma-user/modelarts/outputs/train_url_0/`, 60_000));
  }
  return out.join('') + tail.join('');
}

function metricsFrom(seed: TaskMetric[], scale: number): TaskMetric[] {
  return seed.map(({ metric, value }) => ({ metric, value: value.map((v) => (v === -1 ? -1 : Number((v * scale).toFixed(3)))) }));
}

/**
 * v1 node log of a few KB in which a multi-byte character straddles each 2048-byte boundary,
 * so byte-range readers see characters cut by the 2048-byte offset cap.
 */
function v1NodeLog(node: number, startMs: number): string {
  const line = serviceLines(startMs);
  const straddles = [
    { boundary: 2048, lead: 1, text: '训练数据加载完成' }, // 3-byte 训 split 1|2
    { boundary: 4096, lead: 2, text: '😀 checkpoint ok' }, // 4-byte emoji split 2|2
  ];
  let text = '';
  let step = 0;
  const nextLine = () => {
    step += 1;
    return step % 4 === 0
      ? line('INFO', `node ${node} heartbeat`)
      : `INFO:tensorflow:loss = ${(1 / step).toFixed(5)}, step = ${step * 10} (node ${node})\n`;
  };
  for (const { boundary, lead, text: marker } of straddles) {
    for (let guard = 0; guard < 1000 && Buffer.byteLength(text) < boundary - 200; guard += 1) text += nextLine();
    const head = `INFO:root:node ${node} `;
    const fill = boundary - lead - Buffer.byteLength(text) - head.length;
    text += `${head}${'='.repeat(fill)}${marker}\n`;
  }
  for (let guard = 0; guard < 1000 && Buffer.byteLength(text) < 5000; guard += 1) text += nextLine();
  return `${text}${line('INFO', `node ${node} exit with 0`)}`;
}

export function loadScenarios(emulator: ModelartsEmulator): void {
  const { bucket } = SCENARIO;

  // Completed, 2 nodes; times follow the log-preview example (2021-05-18 14:28 GMT+8).
  const completedStart = china(2021, 5, 18, 14, 5, 14);
  const completedEnd = china(2021, 5, 18, 14, 28, 14);
  const completed = detail({
    id: SCENARIO.completedJobId, name: 'trainjob-resnet50-2nodes', createdAt: china(2021, 5, 18, 14, 4, 2),
    startedAt: completedStart, endedAt: completedEnd, phase: 'Completed', tasks: ['worker-0', 'worker-1'],
    outputUrl: `obs://${bucket}/resnet50/output/`, nodeCount: 2,
  });
  completed.status.task_statuses = [
    { task: 'worker-0', exit_code: 0, message: '' },
    { task: 'worker-1', exit_code: 0, message: '' },
  ];
  emulator.putJob(completed);
  const finish = serviceLines(completedEnd - 2000);
  for (const task of ['worker-0', 'worker-1']) {
    emulator.setTaskLog(SCENARIO.completedJobId, task, trainingLog(task, completedStart, 3, [
      `[Modelarts Service Log]collect and upload ascend logs end at 2021-05-18-14:28:13\n`,
      `[Modelarts Service Log]exit with 0\n`,
      finish('INFO', '\n  output-handler finalizing due to: [training finished]', 0),
      finish('INFO', '\n  output-handler finalized', 0),
      `[Modelarts Service Log][sidecar] exiting at 2021-05-18-14:28:14\n`,
    ]));
  }
  emulator.setMetrics(SCENARIO.completedJobId, 'worker-0', SEED_METRICS);
  emulator.setMetrics(SCENARIO.completedJobId, 'worker-1', metricsFrom(SEED_METRICS, 0.9));
  for (const [offset, message, source] of [
    [0, 'Training job is created.', 'Job'],
    [60_000, 'Training job is running.', 'Job'],
    [62_000, '[worker-0] training started.', 'Task'],
    [62_500, '[worker-1] training started.', 'Task'],
    [1_440_000, '[worker-0] Training finished. Exit code 0.', 'Task'],
    [1_440_500, '[worker-1] Training finished. Exit code 0.', 'Task'],
    [1_450_000, 'Training job completed.', 'Job'],
  ] as const) {
    emulator.addEvent(SCENARIO.completedJobId, { time: completed.metadata.create_time + offset, level: 'Info', message, source });
  }
  emulator.putObject(bucket, 'resnet50/output/model/resnet50.pth', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)));
  emulator.putObject(bucket, 'resnet50/output/model/config.json', '{"arch":"resnet50","num_classes":1000}\n');
  emulator.putObject(bucket, 'resnet50/output/metrics.json', '{"top1":0.761,"top5":0.929}\n');
  emulator.putObject(bucket, 'resnet50/output/logs/events.out.tfevents.1621318000.worker-0', 'tfevents-placeholder');

  // Failed in worker-1 (OOM, exit 137); created before 2022-03-01 so its preview says `context`.
  const failedStart = china(2021, 11, 26, 16, 2, 9);
  const failedEnd = china(2021, 11, 26, 16, 3, 41);
  const failed = detail({
    id: SCENARIO.failedJobId, name: 'bert-finetune-oom', createdAt: china(2021, 11, 26, 16, 1, 36),
    startedAt: failedStart, endedAt: failedEnd, phase: 'Failed', tasks: ['worker-0', 'worker-1'],
    outputUrl: `/${bucket}/bert-finetune/output/`, nodeCount: 2,
  });
  failed.status.task_statuses = [{ task: 'worker-1', exit_code: 137, message: 'exit with 137: the process was killed (OOMKilled), memory limit exceeded' }];
  failed.status.running_records = [
    { start_at: seconds(failedStart), end_at: seconds(failedEnd), start_type: 'init_or_rescheduled', end_reason: 'exit with 137', end_related_task: 'worker-1' },
  ];
  emulator.putJob(failed, { previewField: 'context' });
  const crash = serviceLines(failedEnd - 5000);
  emulator.setTaskLog(SCENARIO.failedJobId, 'worker-0', trainingLog('worker-0', failedStart, 1, [
    crash('WARN', 'peer worker-1 exited, terminating worker-0'),
    `[Modelarts Service Log]exit with 143\n`,
  ]));
  emulator.setTaskLog(SCENARIO.failedJobId, 'worker-1', trainingLog('worker-1', failedStart, 1, [
    'Traceback (most recent call last):\n',
    '  File "/home/ma-user/modelarts/user-job-dir/code/train.py", line 88, in <module>\n',
    '    loss.backward()\n',
    'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 31.75 GiB total capacity)\n',
    crash('ERROR', '训练进程被终止 (OOMKilled)'),
    `[Modelarts Service Log]exit with 137\n`,
  ]));
  emulator.setMetrics(SCENARIO.failedJobId, 'worker-0', [
    { metric: 'cpuUsage', value: [-1, 12.5, 40.2] },
    { metric: 'memUsage', value: [-1, 35.1, 62.8] },
    { metric: 'gpuUtil', value: [-1, 71.2, 88.0] },
    { metric: 'gpuMemUsage', value: [-1, 60.4, 81.9] },
  ]);
  emulator.setMetrics(SCENARIO.failedJobId, 'worker-1', [
    { metric: 'cpuUsage', value: [-1, 13.1, 45.7] },
    { metric: 'memUsage', value: [-1, 71.3, 99.6] },
    { metric: 'gpuUtil', value: [-1, 75.0, -1] },
    { metric: 'gpuMemUsage', value: [-1, 88.2, -1] },
  ]);
  const events: [number, string, string, string][] = [
    [china(2021, 11, 26, 16, 2, 5), 'Info', '[Pod: modelarts-job-5bd61eea-9de2-4864-a0f7-5fae966171b5-worker-0] Pulled: Successfully pulled image', 'K8S'],
    [china(2021, 11, 26, 16, 2, 9), 'Info', 'Training job is running.', 'Job'],
    [china(2021, 11, 26, 16, 2, 10), 'Info', '[worker-0] training started.', 'Task'],
    [china(2021, 11, 26, 16, 2, 10), 'Info', '[worker-1] training started.', 'Task'],
    [china(2021, 11, 26, 16, 3, 9), 'Warning', '[Pod: modelarts-job-5bd61eea-9de2-4864-a0f7-5fae966171b5-worker-1] OOMKilled: container exceeded its memory limit', 'K8S'],
    [china(2021, 11, 26, 16, 3, 11), 'Info', '[worker-1] Training finished. Exit code 137.', 'Task'],
    [china(2021, 11, 26, 16, 3, 16), 'Info', '[Job: modelarts-job-5bd61eea-9de2-4864-a0f7-5fae966171b5] ExecuteAction: Start to execute action TerminateJob', 'K8S'],
    [china(2021, 11, 26, 16, 3, 41), 'Error', 'Training job failed.', 'Job'],
  ];
  for (const [time, level, message, source] of events) emulator.addEvent(SCENARIO.failedJobId, { time, level, message, source });
  emulator.putObject(bucket, 'bert-finetune/output/checkpoint-100/pytorch_model.bin', Buffer.alloc(2048, 7));

  // Completed with a 12 MiB worker-0 log, generated on demand.
  const largeStart = china(2023, 3, 2, 9, 0, 0);
  emulator.putJob(detail({
    id: SCENARIO.largeLogJobId, name: 'llm-pretrain-verbose', createdAt: largeStart - 30_000,
    startedAt: largeStart, endedAt: largeStart + 7_200_000, phase: 'Completed', tasks: ['worker-0'],
    outputUrl: `obs://${bucket}/llm-pretrain/output/`, nodeCount: 1,
  }));
  emulator.seedLargeLog(SCENARIO.largeLogJobId, 'worker-0', SCENARIO.largeLogBytes);
  emulator.setMetrics(SCENARIO.largeLogJobId, 'worker-0', [
    { metric: 'cpuUsage', value: Array.from({ length: 120 }, (_, i) => (i < 2 ? -1 : 20 + (i % 7))) },
    { metric: 'gpuUtil', value: Array.from({ length: 120 }, (_, i) => (i < 2 ? -1 : 90 + (i % 5))) },
  ]);
  emulator.putObject(bucket, 'llm-pretrain/output/final/model.safetensors', Buffer.alloc(8192, 1));

  // Running: tests append to its log and flip its phase.
  const runningStart = china(2023, 6, 1, 10, 0, 0);
  emulator.putJob(detail({
    id: SCENARIO.runningJobId, name: 'yolo-train-live', createdAt: runningStart - 45_000,
    startedAt: runningStart, phase: 'Running', tasks: ['worker-0'],
    outputUrl: `obs://${bucket}/yolo/output/`, nodeCount: 1,
  }));
  emulator.appendTaskLog(SCENARIO.runningJobId, 'worker-0', serviceLines(runningStart)('INFO', 'worker-0 sidecar started'));
  emulator.setMetrics(SCENARIO.runningJobId, 'worker-0', [
    { metric: 'cpuUsage', value: [-1, -1, 3.2] },
    { metric: 'memUsage', value: [-1, -1, 1.1] },
  ]);
  emulator.addEvent(SCENARIO.runningJobId, { time: runningStart, level: 'Info', message: 'Training job is running.', source: 'Job' });

  // Still Creating: no logs, no metrics yet (204).
  const creatingAt = china(2023, 6, 1, 11, 0, 0);
  emulator.putJob(detail({
    id: SCENARIO.creatingJobId, name: 'queued-job', createdAt: creatingAt, startedAt: creatingAt,
    phase: 'Creating', tasks: ['worker-0'], outputUrl: `obs://${bucket}/queued/output/`, nodeCount: 1,
  }));
  emulator.addEvent(SCENARIO.creatingJobId, { time: creatingAt, level: 'Info', message: 'Training job is created.', source: 'Job' });

  // v1 job of the SDK example (Estimator job_id 182626, version_id 278813).
  const v1Created = china(2020, 7, 13, 19, 17, 58);
  emulator.putV1Job({
    job_id: SCENARIO.v1.jobId, job_name: 'job-job-0713-191758', job_desc: 'runlens v1 scenario', version_id: SCENARIO.v1.versionId,
    version_name: 'V0001', status: 10, create_time: v1Created, duration: 532_003, start_time: v1Created + 30_000,
    worker_server_num: 2, engine_name: 'TensorFlow', engine_version: 'TF-1.8.0-python3.6',
    train_url: `/${bucket}/v1-job/output/`, log_url: `/${bucket}/v1-job/log/`,
  });
  SCENARIO.v1.files.forEach((file, node) => emulator.appendV1Log(SCENARIO.v1.jobId, SCENARIO.v1.versionId, file, v1NodeLog(node, v1Created + 30_000)));
}
